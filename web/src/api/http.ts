/**
 * An error answer from the browser API: HTTP status, the OAuth-style `error` / `error_description` body, and
 * the `x-fapi-interaction-id` the server logged the call under (the customer quotes it to support).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly errorDescription?: string,
    readonly interactionId?: string,
    /** Field name -> what is wrong with it, when the API names the fields of a form (`fields`). */
    readonly fields: Readonly<Record<string, string>> = {},
  ) {
    super(errorDescription ?? error);
    this.name = 'ApiError';
  }
}

export interface RequestOptions {
  readonly method: 'GET' | 'POST';
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  /** The portal session's CSRF token (`http/portal.ts`): required on every state-changing portal call. */
  readonly csrfToken?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * JSON over fetch with the session cookie. The cookie is HttpOnly and set by the API, so
 * `credentials: 'include'` is the only way the SPA takes part in authentication: no tokens in storage.
 */
export async function requestJson<T>(url: string, init: RequestOptions) {
  const headers: Record<string, string> = { accept: 'application/json' };
  // Only a body needs a content type: a GET stays a simple request, with no CORS preflight.
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.csrfToken) headers['x-csrf-token'] = init.csrfToken;
  Object.assign(headers, init.headers);
  const response = await fetch(url, {
    method: init.method,
    credentials: 'include',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  const body = await response.json().catch(() => undefined);
  const interactionId = response.headers.get('x-fapi-interaction-id') ?? undefined;
  if (!response.ok) {
    const { error, error_description, fields } = (body ?? {}) as {
      error?: unknown;
      error_description?: unknown;
      fields?: unknown;
    };
    throw new ApiError(
      response.status,
      typeof error === 'string' ? error : 'server_error',
      typeof error_description === 'string' ? error_description : undefined,
      interactionId,
      typeof fields === 'object' && fields !== null ? (fields as Record<string, string>) : {},
    );
  }
  if (body === undefined)
    throw new ApiError(response.status, 'invalid_response', 'The server sent no JSON body', interactionId);
  return body as T;
}
