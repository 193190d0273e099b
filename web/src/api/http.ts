/** An error answer from the browser API: HTTP status plus the OAuth-style `error` / `error_description` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly errorDescription?: string,
  ) {
    super(errorDescription ?? error);
    this.name = 'ApiError';
  }
}

/**
 * JSON over fetch with the customer's session cookie. The cookie is HttpOnly and set by the API, so
 * `credentials: 'include'` is the only way the SPA takes part in authentication: no tokens in storage.
 */
export async function requestJson<T>(
  url: string,
  init: { method: 'GET' | 'POST'; body?: unknown; signal?: AbortSignal },
) {
  const response = await fetch(url, {
    method: init.method,
    credentials: 'include',
    // Only a body needs a content type: a GET stays a simple request, with no CORS preflight.
    headers:
      init.body === undefined
        ? { accept: 'application/json' }
        : { 'content-type': 'application/json', accept: 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) {
    const { error, error_description } = (body ?? {}) as { error?: unknown; error_description?: unknown };
    throw new ApiError(
      response.status,
      typeof error === 'string' ? error : 'server_error',
      typeof error_description === 'string' ? error_description : undefined,
    );
  }
  if (body === undefined) throw new ApiError(response.status, 'invalid_response', 'The server sent no JSON body');
  return body as T;
}
