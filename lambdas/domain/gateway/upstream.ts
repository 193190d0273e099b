/**
 * Calling an upstream API the catalog points to: HTTPS whose certificate chains to a CA the deployment
 * trusts (the system store plus NODE_EXTRA_CA_CERTS on Lambda; plus the sandbox's local CA through
 * `extraCa`), to a host the SSRF guard admits at connection time (`upstream-address.ts`: the socket's DNS
 * lookup checks the addresses it connects to), no redirects, a timeout, a response size cap, the query
 * fixed in the registered URL kept, and only an allowlist of request headers (never the TPP's
 * Authorization header or the bank's cookies).
 *
 * What the upstream receives to know who calls and that the call is genuine:
 * - the allowlisted headers, the query and the plaintext body (after the request JOSE policy);
 * - `x-fapi-interaction-id`, `x-bankgate-client-id`, `x-bankgate-subject`: plain headers that anyone able
 *   to reach the upstream could set, so trustworthy on their own only when the gateway is the upstream's
 *   one way in (a private network path);
 * - `x-bankgate-caller`: the same facts signed with the platform key (KMS), a compact JWS of type
 *   `bankgate-caller+jwt` the upstream verifies with the issuer's published JWKS: iss, aud (the upstream
 *   origin), sub, client_id, htm, htu (URL without query), iat, exp (60 s later), jti. An upstream that
 *   checks it, and refuses a jti seen before, trusts the call without a private channel.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request as httpsRequest } from 'node:https';
import { rootCertificates } from 'node:tls';
import { InvalidRequest, OAuthError, TemporarilyUnavailable } from '../../errors';
import { type KeyService, SIGNING_PURPOSES } from '../../ports/keys';
import { guardedLookup, type UpstreamHostPolicy, upstreamUrlProblem } from './upstream-address';

export const FORWARDED_HEADERS = [
  'accept',
  'content-type',
  'x-fapi-interaction-id',
  'x-stan',
  'x-destinationid',
  'x-clientid',
  'x-txninitdatetime',
] as const;

export const CALLER_ASSERTION_HEADER = 'x-bankgate-caller';
export const CALLER_ASSERTION_TYPE = SIGNING_PURPOSES['upstream-caller'].typ;
const CALLER_ASSERTION_TTL = 60;
const TIMEOUT_MS = 10_000;
/** Largest upstream answer relayed (bytes): the gateway buffers it to sign or encrypt it. */
export const MAX_UPSTREAM_RESPONSE_BYTES = 1024 * 1024;

/**
 * Headers that name the caller: the TPP may send them (Taiwan APIs require X-ClientId), but never with
 * another client's identity, so the upstream cannot be told a different caller than the token's.
 */
export const IDENTITY_HEADERS = { 'x-clientid': 'X-ClientId' } as const;

export interface UpstreamRequest {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly query: Readonly<Record<string, string>>;
  readonly headers: (name: string) => string | undefined;
  /** The plaintext body (after the request JOSE policy). */
  readonly body?: Uint8Array;
  /** Facts the upstream needs about the caller. */
  readonly caller: { readonly clientId: string; readonly subject: string; readonly interactionId: string };
}

/** What signs the caller assertion: the platform's issuer and signing key, at `now` (epoch seconds). */
export interface CallerSigning {
  readonly issuer: string;
  readonly keys: Pick<KeyService, 'signJws'>;
  readonly now: number;
}

export interface UpstreamResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

/** One HTTPS exchange; `callUpstream` decides what is sent, the transport only carries it. */
export type UpstreamTransport = (
  url: URL,
  init: { readonly method: string; readonly headers: Record<string, string>; readonly body?: Buffer },
) => Promise<UpstreamResponse>;

/** The upstream could not be reached or did not answer in time; `reason` is for the logs, not the caller. */
export class UpstreamUnavailable extends TemporarilyUnavailable {
  constructor(readonly reason: string) {
    super('the upstream API is not reachable, retry later');
  }
}

/** The upstream answered more than MAX_UPSTREAM_RESPONSE_BYTES: nothing of it reaches the TPP. */
export class UpstreamResponseTooLarge extends OAuthError {
  constructor() {
    super('server_error', `the upstream API answered more than ${MAX_UPSTREAM_RESPONSE_BYTES} bytes`, 502);
  }
}

/** The TPP named a caller other than its token's client in an identity header (400 before any upstream call). */
export function requireOwnIdentityHeaders(read: (name: string) => string | undefined, clientId: string): void {
  for (const [name, displayName] of Object.entries(IDENTITY_HEADERS)) {
    const value = read(name);
    if (value !== undefined && value !== clientId) {
      throw new InvalidRequest(`${displayName} must be the client id of the access token`);
    }
  }
}

/** The signed `x-bankgate-caller` assertion for a call to `url`. */
function callerAssertion(
  url: URL,
  method: UpstreamRequest['method'],
  caller: UpstreamRequest['caller'],
  signing: CallerSigning,
): Promise<string> {
  const claims = {
    iss: signing.issuer,
    aud: url.origin,
    sub: caller.subject,
    client_id: caller.clientId,
    htm: method,
    htu: `${url.origin}${url.pathname}`,
    iat: signing.now,
    exp: signing.now + CALLER_ASSERTION_TTL,
    jti: randomBytes(16).toString('base64url'),
  };
  return signing.keys.signJws('upstream-caller', Buffer.from(JSON.stringify(claims)));
}

function reasonOf(error: unknown): string {
  const { name, code, cause } = error as { name?: string; code?: string; cause?: { code?: string } };
  return code ?? cause?.code ?? name ?? 'unknown';
}

/** The TPP's query added to the registered URL's; a parameter the registration fixes cannot be overridden. */
function upstreamUrl(registered: string, query: UpstreamRequest['query']): URL {
  const url = new URL(registered);
  const problem = upstreamUrlProblem(registered);
  if (problem) throw new UpstreamUnavailable(problem);
  for (const [name, value] of Object.entries(query)) {
    if (url.searchParams.has(name)) {
      throw new InvalidRequest(`query parameter ${name} is fixed by the API and cannot be set`);
    }
    url.searchParams.append(name, value);
  }
  return url;
}

export async function callUpstream(
  request: UpstreamRequest,
  signing: CallerSigning,
  transport: UpstreamTransport,
): Promise<UpstreamResponse> {
  const url = upstreamUrl(request.url, request.query);
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers(name);
    if (value !== undefined) headers[name] = value;
  }
  headers['x-fapi-interaction-id'] = request.caller.interactionId;
  headers['x-bankgate-client-id'] = request.caller.clientId;
  headers['x-bankgate-subject'] = request.caller.subject;
  headers[CALLER_ASSERTION_HEADER] = await callerAssertion(url, request.method, request.caller, signing);
  const body = request.method === 'POST' && request.body ? Buffer.from(request.body) : undefined;
  return transport(url, { method: request.method, headers, body });
}

export interface HttpsTransportOptions {
  readonly policy: UpstreamHostPolicy;
  /** PEM CA certificates trusted in addition to the system store (the sandbox's local CA). */
  readonly extraCa?: string;
}

/**
 * The real transport: node:https on a keep-alive agent whose every new socket resolves its host through
 * the SSRF guard (pinned to the checked addresses), with a timeout, no redirects and the size cap.
 */
export function httpsTransport(options: HttpsTransportOptions): UpstreamTransport {
  const agent = new Agent({
    keepAlive: true,
    lookup: guardedLookup(options.policy),
    ...(options.extraCa ? { ca: [...rootCertificates, options.extraCa] } : {}),
  });
  return (url, init) =>
    new Promise<UpstreamResponse>((resolve, reject) => {
      const fail = (error: unknown) =>
        reject(error instanceof OAuthError ? error : new UpstreamUnavailable(reasonOf(error)));
      const outgoing = httpsRequest(url, { method: init.method, headers: init.headers, agent });
      // One deadline for the whole exchange (connect, TLS, answer), as AbortSignal.timeout would give.
      const deadline = setTimeout(
        () => outgoing.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })),
        TIMEOUT_MS,
      );
      outgoing.on('close', () => clearTimeout(deadline));
      outgoing.on('error', fail);
      outgoing.on('response', (response) => {
        const status = response.statusCode ?? 502;
        // Redirects are not followed (the registered URL is the only destination).
        if (status >= 300 && status < 400) {
          response.resume();
          return fail(Object.assign(new Error('redirect'), { code: 'EREDIRECT' }));
        }
        const tooLarge = () => {
          response.destroy();
          fail(new UpstreamResponseTooLarge());
        };
        if (Number(response.headers['content-length'] ?? 0) > MAX_UPSTREAM_RESPONSE_BYTES) return tooLarge();
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_UPSTREAM_RESPONSE_BYTES) return tooLarge();
          chunks.push(chunk);
        });
        response.on('error', fail);
        response.on('end', () =>
          resolve({
            status,
            contentType: response.headers['content-type'] ?? 'application/octet-stream',
            body: new Uint8Array(Buffer.concat(chunks)),
          }),
        );
      });
      outgoing.end(init.body);
    });
}
