/**
 * Calling an upstream API the catalog points to: HTTPS whose certificate chains to a CA the deployment
 * trusts (on Lambda the system store plus NODE_EXTRA_CA_CERTS; in the sandbox its local CA, through the
 * process's global dispatcher), no redirects, a timeout, and only an allowlist of request headers (never
 * the TPP's Authorization header or the bank's cookies).
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
import { TemporarilyUnavailable } from '../../errors';
import type { KeyService } from '../../ports/keys';

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
export const CALLER_ASSERTION_TYPE = 'bankgate-caller+jwt';
const CALLER_ASSERTION_TTL = 60;
const TIMEOUT_MS = 10_000;

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

/** The upstream could not be reached or did not answer in time; `reason` is for the logs, not the caller. */
export class UpstreamUnavailable extends TemporarilyUnavailable {
  constructor(readonly reason: string) {
    super('the upstream API is not reachable, retry later');
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
  return signing.keys.signJws(Buffer.from(JSON.stringify(claims)), { typ: CALLER_ASSERTION_TYPE });
}

function reasonOf(error: unknown): string {
  const { name, cause } = error as { name?: string; cause?: { code?: string } };
  return cause?.code ?? name ?? 'unknown';
}

export async function callUpstream(
  request: UpstreamRequest,
  signing: CallerSigning,
  fetchImpl: typeof fetch = fetch,
): Promise<UpstreamResponse> {
  const url = new URL(request.url);
  if (url.protocol !== 'https:') throw new Error(`upstream ${url.origin} is not https`);
  for (const [name, value] of Object.entries(request.query)) url.searchParams.set(name, value);
  const headers = new Headers();
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers(name);
    if (value !== undefined) headers.set(name, value);
  }
  headers.set('x-fapi-interaction-id', request.caller.interactionId);
  headers.set('x-bankgate-client-id', request.caller.clientId);
  headers.set('x-bankgate-subject', request.caller.subject);
  headers.set(CALLER_ASSERTION_HEADER, await callerAssertion(url, request.method, request.caller, signing));
  try {
    const response = await fetchImpl(url, {
      method: request.method,
      headers,
      body: request.method === 'POST' && request.body ? Buffer.from(request.body) : undefined,
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      body: new Uint8Array(await response.arrayBuffer()),
    };
  } catch (error) {
    throw new UpstreamUnavailable(reasonOf(error));
  }
}
