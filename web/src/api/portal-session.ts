import { ApiError, type RequestOptions, requestJson } from './http';

/** `GET /{portal}/api/session` (lambdas/http/portal.ts). */
export interface PortalSession {
  readonly subject: string;
  readonly name: string | null;
  readonly roles: readonly string[];
  readonly csrf_token: string;
  /** When the session ends (ISO 8601), the earlier of its idle and absolute deadlines. */
  readonly expires_at: string;
}

/** The API of one portal (`/{portal}/api`): session calls plus `call` for the portal's own routes. */
export interface PortalApi {
  readonly signInUrl: string;
  /** The session, or undefined when nobody is signed in (401). */
  session(signal?: AbortSignal): Promise<PortalSession | undefined>;
  signOut(session: PortalSession): Promise<void>;
  /** A call below `/{portal}/api`; POSTs carry the session's CSRF token. */
  call<T>(path: string, init: Omit<RequestOptions, 'csrfToken'> & { session?: PortalSession }): Promise<T>;
}

export function portalApi(apiBaseUrl: string, portal: string): PortalApi {
  const base = `${apiBaseUrl}/${portal}/api`;
  const call = <T>(path: string, init: Omit<RequestOptions, 'csrfToken'> & { session?: PortalSession }) =>
    requestJson<T>(`${base}${path}`, { ...init, csrfToken: init.session?.csrf_token });
  return {
    signInUrl: `${base}/sign-in`,
    async session(signal) {
      try {
        return await call<PortalSession>('/session', { method: 'GET', signal });
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return undefined;
        throw error;
      }
    },
    async signOut(session) {
      await call('/sign-out', { method: 'POST', body: {}, session });
    },
    call,
  };
}

/** What the sign-in callback reported (`?sign_in=` on the portal page), in plain words; undefined if nothing. */
export function signInOutcome(search: string): string | undefined {
  switch (new URLSearchParams(search).get('sign_in')) {
    case 'expired':
      return 'Your sign-in took too long or was interrupted. Please sign in again.';
    case 'cancelled':
      return 'You did not finish signing in.';
    case 'refused':
      return 'You cannot use this service with the account you signed in with.';
    case 'failed':
      return 'Signing in did not work. Please try again.';
    default:
      return undefined;
  }
}
