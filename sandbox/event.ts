/**
 * The API Gateway half of the sandbox: route matching on the handler manifest, Node request -> REST (v1)
 * proxy event, Lambda context, and the client certificate as an mTLS custom domain reports it. Pure
 * functions, so the adapter's fidelity is unit-tested without sockets.
 */
import 'reflect-metadata';
import type { X509Certificate as NodeX509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type {
  APIGatewayEventClientCertificate,
  APIGatewayEventIdentity,
  APIGatewayProxyEvent,
  Context,
} from 'aws-lambda';
import type { HandlerSpec, Route, Surface } from '../lambdas/routes';

// ---- Distinguished names ----------------------------------------------------------------------

const RFC2253_SPECIAL = /[,+"\\<>;]/g;

function escapeDnValue(value: string): string {
  return value
    .replace(RFC2253_SPECIAL, (c) => `\\${c}`)
    .replace(/^[#\s]/, (c) => `\\${c}`)
    .replace(/\s$/, (c) => `\\${c}`);
}

/**
 * A distinguished name as API Gateway reports it (RFC 2253): most specific RDN first, `,` between
 * RDNs, `+` inside a multi-valued RDN, no spaces, e.g. "CN=enjoy-life-tpp,O=Enjoy Life,C=TW".
 * The single place DNs are formatted: client registrations (`tls_client_auth_subject_dn`) and the
 * events delivered to handlers use it, so they always compare equal.
 */
export function formatDn(name: x509.Name | x509.JsonName): string {
  const rdns = name instanceof x509.Name ? name.toJSON() : name;
  return [...rdns]
    .reverse()
    .map((rdn) =>
      Object.entries(rdn)
        .flatMap(([type, values]) => values.map((value) => `${type}=${escapeDnValue(value)}`))
        .join('+'),
    )
    .join(',');
}

/** `requestContext.identity.clientCert` for a certificate the TLS layer verified against the truststore. */
export function clientCertIdentity(peer: NodeX509Certificate): APIGatewayEventClientCertificate {
  const parsed = new x509.X509Certificate(peer.raw);
  return {
    clientCertPem: peer.toString(),
    subjectDN: formatDn(parsed.subjectName),
    issuerDN: formatDn(parsed.issuerName),
    serialNumber: peer.serialNumber,
    validity: { notBefore: peer.validFrom, notAfter: peer.validTo },
  };
}

// ---- Routing ----------------------------------------------------------------------------------

export interface CompiledRoute {
  readonly handlerId: string;
  readonly method: Route['method'];
  /** The path template, reported to handlers as `event.resource`. */
  readonly resource: string;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
}

export type RouteMatch =
  | {
      readonly kind: 'matched';
      readonly handlerId: string;
      readonly resource: string;
      readonly pathParameters: Record<string, string> | null;
    }
  | { readonly kind: 'methodNotAllowed'; readonly allow: readonly string[] }
  | { readonly kind: 'notFound' };

const TEMPLATE_PARAMETER = /^\{([A-Za-z0-9_]+)(\+?)\}$/;

function compileTemplate(template: string): { pattern: RegExp; parameterNames: string[] } {
  const parameterNames: string[] = [];
  const source = template
    .split('/')
    .map((segment) => {
      const parameter = TEMPLATE_PARAMETER.exec(segment);
      if (!parameter) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      parameterNames.push(parameter[1]!);
      // `{proxy+}` is API Gateway's greedy parameter: one or more segments.
      return parameter[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), parameterNames };
}

/** The routes one origin serves: every manifest route of that surface. */
export function compileRoutes(specs: readonly HandlerSpec[], surface: Surface): CompiledRoute[] {
  return specs.flatMap((spec) =>
    spec.routes
      .filter((route) => route.surface === surface)
      .map((route) => ({
        handlerId: spec.id,
        method: route.method,
        resource: route.path,
        ...compileTemplate(route.path),
      })),
  );
}

function decodeParameter(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * Finds the route for a request path (without query). Like API Gateway, a literal segment wins over a
 * parameter: of several matching templates the one with the fewest parameters is chosen.
 */
export function matchRoute(routes: readonly CompiledRoute[], method: string, path: string): RouteMatch {
  const candidates = routes
    .map((route) => ({ route, groups: route.pattern.exec(path) }))
    .filter((c): c is { route: CompiledRoute; groups: RegExpExecArray } => c.groups !== null);
  if (candidates.length === 0) return { kind: 'notFound' };
  const forMethod = candidates
    .filter((c) => c.route.method === method)
    .sort((a, b) => a.route.parameterNames.length - b.route.parameterNames.length)[0];
  if (!forMethod) return { kind: 'methodNotAllowed', allow: [...new Set(candidates.map((c) => c.route.method))] };
  const { route, groups } = forMethod;
  const pathParameters =
    route.parameterNames.length === 0
      ? null
      : Object.fromEntries(route.parameterNames.map((name, i) => [name, decodeParameter(groups[i + 1]!)]));
  return { kind: 'matched', handlerId: route.handlerId, resource: route.resource, pathParameters };
}

// ---- Request -> event ---------------------------------------------------------------------------

/** What the server knows about one HTTP request, independent of node:http types. */
export interface IncomingRequest {
  readonly method: string;
  /** Path and query exactly as requested (`/token?x=1`). */
  readonly url: string;
  /** Node's `rawHeaders`: names as sent, alternating with values. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  /** The local port the request arrived on (X-Forwarded-Port). */
  readonly localPort: number;
}

export interface EventContext {
  readonly requestId: string;
  readonly stage: string;
  readonly now: Date;
  /** Set on the mTLS origin only. */
  readonly clientCert: APIGatewayEventClientCertificate | null;
}

const TEXT_MEDIA_TYPE =
  /^(text\/.+|application\/(json|x-www-form-urlencoded|xml|javascript|jwt|jose|jose\+json)|application\/.+\+(json|xml|jwt))$/;

/** Bodies of these media types reach the handler as UTF-8 text; anything else as base64. */
export function isTextMediaType(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return TEXT_MEDIA_TYPE.test(contentType.split(';')[0]!.trim().toLowerCase());
}

function headerMaps(rawHeaders: readonly string[]): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  return { headers, multiValueHeaders };
}

function findHeader(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

function setHeader(
  maps: { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> },
  name: string,
  value: string,
): void {
  const existing = Object.keys(maps.headers).find((k) => k.toLowerCase() === name.toLowerCase());
  if (existing !== undefined) {
    delete maps.headers[existing];
    delete maps.multiValueHeaders[existing];
  }
  maps.headers[name] = value;
  maps.multiValueHeaders[name] = [value];
}

function queryMaps(search: URLSearchParams): {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
} {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [key, value] of search) {
    single[key] = value;
    multi[key] = [...(multi[key] ?? []), value];
  }
  if (Object.keys(single).length === 0) return { queryStringParameters: null, multiValueQueryStringParameters: null };
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestTime`: `21/Nov/2026:09:15:02 +0000`. */
function requestTime(now: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(now.getUTCDate())}/${MONTHS[now.getUTCMonth()]}/${now.getUTCFullYear()}:` +
    `${two(now.getUTCHours())}:${two(now.getUTCMinutes())}:${two(now.getUTCSeconds())} +0000`
  );
}

/** The REST API (v1) Lambda proxy event API Gateway would deliver for this request. */
export function toProxyEvent(
  request: IncomingRequest,
  match: Extract<RouteMatch, { kind: 'matched' }>,
  context: EventContext,
): APIGatewayProxyEvent {
  const url = new URL(request.url, 'https://sandbox.invalid');
  const maps = headerMaps(request.rawHeaders);
  // API Gateway appends the caller's address to X-Forwarded-For and sets the other forwarding headers.
  const forwardedFor = findHeader(maps.headers, 'x-forwarded-for');
  setHeader(maps, 'X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${request.sourceIp}` : request.sourceIp);
  setHeader(maps, 'X-Forwarded-Proto', 'https');
  setHeader(maps, 'X-Forwarded-Port', String(request.localPort));

  const contentType = findHeader(maps.headers, 'content-type');
  const hasBody = request.body.length > 0;
  const isBase64Encoded = hasBody && !isTextMediaType(contentType);
  const host = findHeader(maps.headers, 'host') ?? 'localhost';
  const domainName = host.replace(/:\d+$/, '');

  const identity: APIGatewayEventIdentity = {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: context.clientCert,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: request.sourceIp,
    user: null,
    userAgent: findHeader(maps.headers, 'user-agent') ?? null,
    userArn: null,
  };

  return {
    resource: match.resource,
    path: url.pathname,
    httpMethod: request.method,
    headers: maps.headers,
    multiValueHeaders: maps.multiValueHeaders,
    ...queryMaps(url.searchParams),
    pathParameters: match.pathParameters,
    stageVariables: null,
    body: hasBody ? request.body.toString(isBase64Encoded ? 'base64' : 'utf8') : null,
    isBase64Encoded,
    requestContext: {
      accountId: '000000000000',
      apiId: 'sandbox',
      authorizer: null,
      domainName,
      domainPrefix: domainName.split('.')[0],
      extendedRequestId: context.requestId,
      httpMethod: request.method,
      identity,
      path: url.pathname,
      protocol: 'HTTP/1.1',
      requestId: context.requestId,
      requestTime: requestTime(context.now),
      requestTimeEpoch: context.now.getTime(),
      resourceId: 'sandbox',
      resourcePath: match.resource,
      stage: context.stage,
    },
  };
}

// ---- Lambda context -----------------------------------------------------------------------------

/** API Gateway's integration timeout: a REST API never waits longer for a Lambda response. */
export const INTEGRATION_TIMEOUT_MS = 29_000;

function unsupported(name: string): () => never {
  return () => {
    throw new Error(`context.${name}() is not supported: return a promise from the handler`);
  };
}

export function lambdaContext(
  spec: Pick<HandlerSpec, 'id' | 'memorySize'>,
  requestId: string,
  startedAt: number,
): Context {
  const functionName = `bankgate-${spec.id}`;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(spec.memorySize ?? 512),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'sandbox',
    getRemainingTimeInMillis: () => Math.max(0, startedAt + INTEGRATION_TIMEOUT_MS - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  };
}
