/**
 * The sandbox's API Gateway: two local HTTPS origins that turn requests into REST (v1) proxy events for
 * the very handler modules CDK deploys, and their results back into responses. A thin adapter: anything
 * it did that Lambda behind API Gateway would not see would be a bug here, not a feature.
 *   - browser origin: TLS only (discovery, authorize, the portal APIs, and the portal site as CloudFront
 *     serves it: `/config.json`, the bank's logo, one page per portal under `/<portal>/`).
 *     Static routes (discovery) are answered by the server itself, as API Gateway's mock integrations do.
 *   - mTLS origin: a client certificate issued by the truststore CA is required at the handshake, like
 *     the API Gateway mTLS custom domain; the certificate reaches handlers as `identity.clientCert`.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { TLSSocket } from 'node:tls';
import type {
  APIGatewayEventClientCertificate,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Context,
} from 'aws-lambda';
import type { DiscoveryInput } from '../lambdas/domain/discovery';
import { PAGE_CSP, type PageLink, renderPage } from '../lambdas/http/page';
import { STRICT_TRANSPORT_SECURITY } from '../lambdas/http/strict-transport';
import {
  type HandlerSpec,
  handlers as manifestHandlers,
  staticRoutes as manifestStaticRoutes,
  type StaticRoute,
  type Surface,
} from '../lambdas/routes';
import { LOGO_PATH, type PortalRuntimeConfig } from '../lib/tenant-config';
import { CLIENT_CERTIFICATES_PATH, issueSandboxCertificate } from './client-certificates';
import {
  type CompiledRoute,
  clientCertIdentity,
  compileRoutes,
  lambdaContext,
  matchRoute,
  toProxyEvent,
} from './event';
import type { SandboxPki } from './pki';
import { TPP_CALLBACK_PATH } from './seed';

export type LambdaHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

export const MAX_BODY_BYTES = 1024 * 1024;
export const REPO_ROOT = resolve(__dirname, '..');
const HANDLERS_DIR = join(REPO_ROOT, 'lambdas', 'handlers');
const STAGE = 'local';

export interface ServerOptions {
  /** 0 = an ephemeral port. */
  readonly ports: { readonly browser: number; readonly mtls: number };
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** PEM server key, server certificate, and the CA that client certificates must chain to. */
  readonly tls: { readonly key: string; readonly cert: string; readonly ca: string };
  /** The portal site's `config.json` (its apiBaseUrl is replaced by the browser origin) and the bank's logo. */
  readonly site: { readonly runtimeConfig: PortalRuntimeConfig; readonly logoSvg?: string };
  /** Built portal pages (`<portal>/index.html`, `assets/`) when the folder exists. @default <repo>/web/dist */
  readonly webDist?: string;
  /** @default the handler manifest (`lambdas/routes.ts`) */
  readonly handlers?: readonly HandlerSpec[];
  /** @default the static routes of the manifest (`lambdas/routes.ts`) */
  readonly staticRoutes?: readonly StaticRoute[];
  /** @default dynamic import of `lambdas/handlers/<id>.ts` */
  readonly loadHandler?: (id: string) => Promise<LambdaHandler>;
  /** Requests wait for it before a handler runs (the environment is set after the ports are known). */
  readonly ready?: Promise<void>;
  /** Logs method, path, status and duration per request. @default BANKGATE_SANDBOX_LOG === '1' */
  readonly log?: boolean;
  /** The TPP CA's issuance for the developer portal's "Issue sandbox certificate" (`client-certificates.ts`). */
  readonly clientCertificates?: Pick<SandboxPki, 'issueClientCertificate'>;
}

export interface RunningServers {
  readonly browserUrl: string;
  readonly mtlsUrl: string;
  readonly ports: { readonly browser: number; readonly mtls: number };
  close(): Promise<void>;
}

function handlerModulePath(id: string): string {
  return join(HANDLERS_DIR, `${id}.ts`);
}

/** Every handler of the manifest must have its module: fail at startup, naming the missing files. */
export function assertHandlerModules(specs: readonly HandlerSpec[]): void {
  const missing = specs.filter((spec) => !existsSync(handlerModulePath(spec.id)));
  if (missing.length > 0) {
    const list = missing.map((spec) => `lambdas/handlers/${spec.id}.ts (${spec.description})`).join(', ');
    throw new Error(`Handler module(s) listed in lambdas/routes.ts do not exist: ${list}`);
  }
}

async function importHandler(id: string): Promise<LambdaHandler> {
  const module = (await import(handlerModulePath(id))) as { handler?: unknown };
  if (typeof module.handler !== 'function') {
    throw new Error(`lambdas/handlers/${id}.ts does not export a function named handler`);
  }
  return module.handler as LambdaHandler;
}

/** A static route's response, rendered once for the origins' URLs. */
interface StaticResponse {
  readonly headers: Readonly<Record<string, string | number>>;
  readonly payload: string;
}

function renderStaticResponse(route: StaticRoute, origins: DiscoveryInput): StaticResponse {
  const payload = JSON.stringify(route.body(origins));
  return { headers: { ...route.headers, 'content-length': Buffer.byteLength(payload) }, payload };
}

/**
 * Static routes as manifest entries without a module, so they share route matching (and its 404 / 405
 * answers) with the handlers' routes; their ids must not be handler ids.
 */
function staticRouteSpecs(statics: readonly StaticRoute[], specs: readonly HandlerSpec[]): HandlerSpec[] {
  const clash = statics.find(({ id }) => specs.some((spec) => spec.id === id));
  if (clash) throw new Error(`Static route id "${clash.id}" is also a handler id in lambdas/routes.ts`);
  return statics.map(({ id, description, route }) => ({ id, description, routes: [route], tables: {}, keys: [] }));
}

class PayloadTooLarge extends Error {}

/** The request body, or PayloadTooLarge past the cap (the rest is discarded, so a 413 can still be sent). */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
      req.resume();
      reject(new PayloadTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData).resume();
        reject(new PayloadTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolveBody(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** The request body; past the cap, a 413 is sent (as API Gateway does) and undefined returned. */
async function bodyOrTooLarge(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
  try {
    return await readBody(req);
  } catch (error) {
    if (!(error instanceof PayloadTooLarge)) throw error;
    sendJson(res, 413, { message: 'Request Entity Too Large' }, { connection: 'close' });
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/**
 * A request no route takes, in the format of the surface the path belongs to (API Gateway's gateway
 * responses do the same in AWS, lib/constructs/surface-api.ts): OBErrorResponse1 under /open-banking,
 * OAuth JSON (RFC 6749 §5.2 shape) elsewhere.
 */
function sendNoRoute(
  res: ServerResponse,
  status: 404 | 405,
  pathname: string,
  description: string,
  headers: Record<string, string> = {},
): void {
  if (pathname.startsWith('/open-banking/')) {
    const code = status === 404 ? 'UK.OBIE.NotFound' : 'UK.OBIE.NotSupported';
    const message = status === 404 ? 'Not Found' : 'Method Not Allowed';
    sendJson(
      res,
      status,
      {
        Code: `${status} ${message}`,
        Id: randomUUID(),
        Message: message,
        Errors: [{ ErrorCode: code, Message: description }],
      },
      headers,
    );
    return;
  }
  sendJson(res, status, { error: 'invalid_request', error_description: description }, headers);
}

function sendPage(res: ServerResponse, method: string, body: string): void {
  res.writeHead(200, {
    'content-type': CONTENT_TYPES['.html']!,
    'content-security-policy': PAGE_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  });
  res.end(method === 'HEAD' ? undefined : body);
}

/** Where the demo TPP (`sandbox/tpp-demo.ts`, client tsp2) is sent back: what came back, and what to do next. */
function callbackPage(url: URL): string {
  const error = url.searchParams.get('error');
  const details = [...url.searchParams].map(([name, value]) => [name, value] as const);
  const content = error
    ? {
        title: error === 'access_denied' ? 'You did not allow access' : 'The bank did not grant access',
        paragraphs: [
          error === 'access_denied'
            ? 'The bank sent you back without access, as you asked. Nothing was shared.'
            : `The bank answered with the error "${error}".`,
          "Return to your terminal: the demo TPP reports the result when you paste this page's address.",
        ],
      }
    : {
        title: 'Done: return to your terminal',
        paragraphs: [
          'The bank sent you back to the demo TPP with an authorization code.',
          "Copy this page's address (the whole URL) and paste it into the terminal where `npm run tpp-demo` is waiting.",
          // A hybrid response (FAPI 1.0 Advanced, `code id_token`) comes in the fragment: the server never sees it.
          ...(details.length === 0
            ? ['The answer is in the part of the address after #, which only your browser sees.']
            : []),
        ],
      };
  return renderPage({ bankName: 'Bankgate demo TPP' }, { ...content, details });
}

const PORTAL_LABELS: Record<string, string> = {
  consent: 'Consent page (reached from an authorization request)',
  account: 'Online Banking: connected apps (self-service)',
  admin: 'Admin console (bank staff)',
};

/** What the browser origin's root answers: what this is, and where to go (each portal of web/). */
function landingPage(options: ServerOptions, webSource: string): string {
  // The portals as web/vite.config.ts finds them: every web/<portal>/index.html.
  const portals = readdirSync(webSource, { withFileTypes: true }).filter(
    (entry) => entry.isDirectory() && existsSync(join(webSource, entry.name, 'index.html')),
  );
  const links: PageLink[] = [
    { href: '/.well-known/openid-configuration', label: 'OpenID Provider discovery document' },
    { href: '/jwks', label: 'ID token signing keys (JWKS)' },
    ...portals.map(({ name }) => ({ href: `/${name}/`, label: PORTAL_LABELS[name] ?? `The ${name} portal` })),
  ];
  return renderPage(
    {
      bankName: options.site.runtimeConfig.tenantName,
      primaryColour: options.site.runtimeConfig.branding.primaryColour,
    },
    {
      title: `${options.site.runtimeConfig.tenantName}: Bankgate sandbox`,
      paragraphs: [
        "This is the browser origin of a local Bankgate sandbox: the bank's authorization server (FAPI 2.0 and FAPI 1.0 Advanced), its portals and discovery.",
        'TPP APIs (token, PAR, Open Banking, gateway APIs) are on the mutual-TLS origin listed in the manifest (mtls_base_url).',
      ],
      links,
    },
  );
}

/** Writes an APIGatewayProxyResult as API Gateway does: both header maps, base64 bodies decoded. */
function sendResult(res: ServerResponse, result: APIGatewayProxyResult): void {
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, String(value));
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    res.setHeader(name, values.map(String));
  }
  res.statusCode = result.statusCode;
  res.end(Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8'));
}

function isProxyResult(value: unknown): value is APIGatewayProxyResult {
  return (
    typeof value === 'object' && value !== null && Number.isInteger((value as { statusCode?: unknown }).statusCode)
  );
}

// ---- The portal site (browser origin), as CloudFront serves it --------------------------------------

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const SPA_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const PORTAL_PATH = /^\/([a-z][a-z0-9-]*)(\/.*)?$/;

/**
 * The file for a site path, never outside `webDist`: files as they are; a portal's client-side paths (no
 * extension) get its page `<portal>/index.html` (lib/constructs/consent-site.ts does the same at the edge).
 */
async function siteFile(webDist: string, pathname: string): Promise<string | undefined> {
  const relative = normalize(decodeURIComponent(pathname.slice(1)));
  const candidate = join(webDist, relative);
  if (candidate !== webDist && !candidate.startsWith(webDist + sep)) return undefined;
  const found = await stat(candidate).catch(() => undefined);
  if (found?.isFile()) return candidate;
  const portal = PORTAL_PATH.exec(pathname)?.[1];
  if (!portal || extname(relative) !== '') return undefined;
  const index = join(webDist, portal, 'index.html');
  return existsSync(index) ? index : undefined;
}

/** A browser-origin GET that no route matched: the portal site, or undefined when it has no such path. */
async function servePortalSite(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  pathname: string,
  options: ServerOptions & { browserUrl: string },
): Promise<boolean> {
  // A portal's API lives on the API origin in AWS: an unknown API path is a 404 here, not a page.
  if ((method !== 'GET' && method !== 'HEAD') || /^\/[^/]+\/api(\/|$)/.test(pathname)) return false;
  const webDist = resolve(options.webDist ?? join(REPO_ROOT, 'web', 'dist'));
  if (pathname === '/') {
    sendPage(res, method, landingPage(options, join(REPO_ROOT, 'web')));
    return true;
  }
  if (pathname === TPP_CALLBACK_PATH) {
    sendPage(res, method, callbackPage(new URL(req.url ?? '/', options.browserUrl)));
    return true;
  }
  if (pathname === '/config.json') {
    // `sandbox`: what only the sandbox offers the portals (the deployed config.json has no such entry).
    const sandbox = options.clientCertificates ? { sandbox: { clientCertificates: CLIENT_CERTIFICATES_PATH } } : {};
    sendJson(
      res,
      200,
      { ...options.site.runtimeConfig, apiBaseUrl: options.browserUrl, ...sandbox },
      { 'cache-control': 'no-store' },
    );
    return true;
  }
  if (pathname === LOGO_PATH && options.site.logoSvg) {
    res.writeHead(200, { ...SPA_HEADERS, 'content-type': CONTENT_TYPES['.svg']!, 'cache-control': 'no-cache' });
    res.end(method === 'HEAD' ? undefined : options.site.logoSvg);
    return true;
  }
  const portal = PORTAL_PATH.exec(pathname);
  if (portal && portal[2] === undefined && existsSync(join(webDist, portal[1]!, 'index.html'))) {
    res.writeHead(308, { location: `${pathname}/` }).end();
    return true;
  }
  const file = existsSync(webDist) ? await siteFile(webDist, pathname).catch(() => undefined) : undefined;
  if (!file) return false;
  const body = await readFile(file);
  res.writeHead(200, {
    ...SPA_HEADERS,
    'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    // Vite fingerprints assets; the pages must be revalidated to pick up new builds.
    'cache-control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}

/** The sandbox's own route of the browser origin: a client certificate from the TPP CA (no Lambda handler). */
async function issueFromSandboxCa(
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  pki: Pick<SandboxPki, 'issueClientCertificate'>,
): Promise<void> {
  if (method !== 'POST') {
    sendNoRoute(res, 405, CLIENT_CERTIFICATES_PATH, `${method} is not allowed on ${CLIENT_CERTIFICATES_PATH}`, {
      allow: 'POST',
    });
    return;
  }
  const body = await bodyOrTooLarge(req, res);
  if (!body) return;
  const answer = await issueSandboxCertificate(pki, body);
  sendJson(res, answer.status, answer.body, { 'cache-control': 'no-store' });
}

// ---- The origins --------------------------------------------------------------------------------

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolveListen((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    server.close(() => resolveClose());
    server.closeAllConnections();
  });
}

export async function startServers(options: ServerOptions): Promise<RunningServers> {
  const host = options.host ?? '127.0.0.1';
  const specs = options.handlers ?? manifestHandlers;
  const loadHandler = options.loadHandler ?? importHandler;
  if (!options.loadHandler) assertHandlerModules(specs);
  const statics = options.staticRoutes ?? manifestStaticRoutes;
  const routedSpecs = [...specs, ...staticRouteSpecs(statics, specs)];
  const log = options.log ?? process.env.BANKGATE_SANDBOX_LOG === '1';
  const ready = options.ready ?? Promise.resolve();

  // Loaded on first use, like a cold start, and kept for the process (warm invocations).
  const loaded = new Map<string, Promise<LambdaHandler>>();
  const handlerFor = (id: string) => {
    let handler = loaded.get(id);
    if (!handler) {
      handler = loadHandler(id);
      loaded.set(id, handler);
    }
    return handler;
  };
  // The peer certificate cannot change on a connection: format it once per TLS session.
  const certificates = new WeakMap<TLSSocket, APIGatewayEventClientCertificate>();
  const peerCertificate = (socket: TLSSocket) => {
    let identity = certificates.get(socket);
    if (!identity) {
      const peer = socket.getPeerX509Certificate();
      if (!peer) return null;
      identity = clientCertIdentity(peer);
      certificates.set(socket, identity);
    }
    return identity;
  };

  const urls = { browser: '', mtls: '' };
  // Rendered once both origins' URLs (the issuer and the mTLS base URL) are known.
  let renderStaticResponses!: (origins: DiscoveryInput) => void;
  const staticResponses = new Promise<ReadonlyMap<string, StaticResponse>>((resolveResponses) => {
    renderStaticResponses = (origins) =>
      resolveResponses(new Map(statics.map((route) => [route.id, renderStaticResponse(route, origins)])));
  });

  const dispatch = async (
    surface: Surface,
    routes: readonly CompiledRoute[],
    req: IncomingMessage,
    res: ServerResponse,
  ) => {
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    const pathname = url.split('?')[0]!;
    // Every answer of both origins, the sandbox's own (consent page, 404, 405) and the handlers', as in AWS.
    res.setHeader('strict-transport-security', STRICT_TRANSPORT_SECURITY);

    if (surface === 'browser' && pathname === CLIENT_CERTIFICATES_PATH && options.clientCertificates) {
      await issueFromSandboxCa(req, res, method, options.clientCertificates);
      return;
    }
    const match = matchRoute(routes, method, pathname);
    if (
      match.kind === 'notFound' &&
      surface === 'browser' &&
      (await servePortalSite(req, res, method, pathname, { ...options, browserUrl: urls.browser }))
    ) {
      return;
    }
    if (match.kind === 'notFound') {
      sendNoRoute(res, 404, pathname, `no endpoint at ${pathname}`);
      return;
    }
    if (match.kind === 'methodNotAllowed') {
      sendNoRoute(res, 405, pathname, `${method} is not allowed on ${pathname}`, { allow: match.allow.join(', ') });
      return;
    }
    const staticResponse = (await staticResponses).get(match.handlerId);
    if (staticResponse) {
      res.writeHead(200, staticResponse.headers).end(staticResponse.payload);
      return;
    }

    const body = await bodyOrTooLarge(req, res);
    if (!body) return;

    const socket = req.socket as TLSSocket;
    const requestId = randomUUID();
    const startedAt = Date.now();
    const event = toProxyEvent(
      {
        method,
        url,
        rawHeaders: req.rawHeaders,
        body,
        sourceIp: socket.remoteAddress ?? '127.0.0.1',
        localPort: socket.localPort ?? 0,
      },
      match,
      {
        requestId,
        stage: STAGE,
        now: new Date(startedAt),
        clientCert: surface === 'mtls' ? peerCertificate(socket) : null,
      },
    );
    await ready;
    const spec = specs.find((s) => s.id === match.handlerId)!;
    const handler = await handlerFor(match.handlerId);
    const result: unknown = await handler(event, lambdaContext(spec, requestId, startedAt));
    if (!isProxyResult(result)) throw new Error(`${match.handlerId} returned a malformed proxy response`);
    sendResult(res, result);
  };

  const listener = (surface: Surface) => {
    const routes = compileRoutes(routedSpecs, surface);
    return (req: IncomingMessage, res: ServerResponse) => {
      const started = performance.now();
      if (log) {
        res.on('finish', () => {
          const ms = (performance.now() - started).toFixed(1);
          console.log(`[${surface}] ${req.method} ${(req.url ?? '/').split('?')[0]} ${res.statusCode} ${ms}ms`);
        });
      }
      dispatch(surface, routes, req, res).catch((error: unknown) => {
        // API Gateway answers a failed or malformed Lambda invocation with 502 and a generic body.
        console.error(`[sandbox] ${req.method} ${(req.url ?? '/').split('?')[0]} failed:`, error);
        if (!res.headersSent) sendJson(res, 502, { message: 'Internal server error' });
        else res.destroy();
      });
    };
  };

  const tls = { key: options.tls.key, cert: options.tls.cert, minVersion: 'TLSv1.2' as const };
  const browser = createServer(tls, listener('browser'));
  const mtls = createServer(
    { ...tls, ca: options.tls.ca, requestCert: true, rejectUnauthorized: true },
    listener('mtls'),
  );

  const browserPort = await listen(browser, options.ports.browser, host);
  const mtlsPort = await listen(mtls, options.ports.mtls, host).catch(async (error: unknown) => {
    await closeServer(browser);
    throw error;
  });
  urls.browser = `https://localhost:${browserPort}`;
  urls.mtls = `https://localhost:${mtlsPort}`;
  renderStaticResponses({ issuer: urls.browser, mtlsBaseUrl: urls.mtls });

  return {
    browserUrl: urls.browser,
    mtlsUrl: urls.mtls,
    ports: { browser: browserPort, mtls: mtlsPort },
    close: async () => {
      await Promise.all([closeServer(browser), closeServer(mtls)]);
    },
  };
}
