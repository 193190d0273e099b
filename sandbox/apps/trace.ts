/**
 * What the TPP walkthrough shows of each HTTP exchange: method, URL, headers, body, with keys and tokens
 * only truncated (the trace a developer may copy or download must not hand out working credentials).
 */
import type { Exchange } from './bank';

const SECRET_FIELDS = new Set([
  'access_token',
  'refresh_token',
  'id_token',
  'client_assertion',
  'code',
  'code_verifier',
  'request',
  'token',
]);

/** The first characters of a secret and its length: enough to tell two apart, useless to replay. */
export const truncate = (value: string) => (value.length <= 12 ? '…' : `${value.slice(0, 8)}…(${value.length} chars)`);

function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        SECRET_FIELDS.has(key) && typeof inner === 'string' ? truncate(inner) : redactJson(inner),
      ]),
    );
  }
  return value;
}

/** A body for display: JSON pretty-printed, forms one field a line, secrets truncated. */
export function redactBody(body: string | undefined, contentType = ''): string | undefined {
  if (body === undefined || body === '') return undefined;
  if (contentType.includes('json') || /^[[{]/.test(body.trim())) {
    try {
      return JSON.stringify(redactJson(JSON.parse(body)), null, 2);
    } catch {
      // not JSON after all: shown as text below
    }
  }
  if (contentType.includes('x-www-form-urlencoded')) {
    return [...new URLSearchParams(body)]
      .map(([key, value]) => `${key}=${SECRET_FIELDS.has(key) ? truncate(value) : value}`)
      .join('\n');
  }
  if (contentType.includes('jose') || contentType.includes('jwt')) return truncate(body);
  return body.length > 4000 ? `${body.slice(0, 4000)}…` : body;
}

function redactHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => {
      if (name === 'authorization' || name === 'dpop') {
        const [scheme, credential = ''] = value.split(' ');
        return [name, `${scheme} ${truncate(credential)}`];
      }
      return [name, value];
    }),
  );
}

export interface ShownExchange {
  readonly request: {
    readonly method: string;
    readonly url: string;
    readonly headers: Record<string, string>;
    readonly body?: string;
  };
  readonly response: { readonly status: number; readonly headers: Record<string, string>; readonly body?: string };
  readonly interactionId?: string;
}

export function redactExchange({ request, response }: Exchange): ShownExchange {
  const url = new URL(request.url);
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_FIELDS.has(key)) url.searchParams.set(key, truncate(url.searchParams.get(key)!));
  }
  return {
    request: {
      method: request.method,
      url: url.href,
      headers: redactHeaders(request.headers),
      body: redactBody(request.body, request.headers['content-type']),
    },
    response: {
      status: response.status,
      headers: response.headers,
      body: redactBody(response.body, response.headers['content-type']),
    },
    interactionId: response.headers['x-fapi-interaction-id'] ?? request.headers['x-fapi-interaction-id'],
  };
}
