/**
 * Calling an upstream API the catalog points to: HTTPS only, no redirects, a timeout, and only an
 * allowlist of request headers (never the TPP's Authorization header or the bank's cookies).
 */
import { TemporarilyUnavailable } from '../../http/errors';

export const FORWARDED_HEADERS = [
  'accept',
  'content-type',
  'x-fapi-interaction-id',
  'x-stan',
  'x-destinationid',
  'x-clientid',
  'x-txninitdatetime',
] as const;

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

export interface UpstreamResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: Uint8Array;
}

export async function callUpstream(
  request: UpstreamRequest,
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
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: request.method,
      headers,
      body: request.method === 'POST' && request.body ? Buffer.from(request.body) : undefined,
      redirect: 'error',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch {
    throw new TemporarilyUnavailable('the upstream API is not reachable, retry later');
  }
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? 'application/octet-stream',
    body: new Uint8Array(await response.arrayBuffer()),
  };
}
