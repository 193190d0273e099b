import { ApiError, requestJson } from './http';

/** The customer's view of one pending account-access consent, as `GET .../account-access-consent/{login_id}` returns it. */
export interface ConsentSession {
  readonly login_id: string;
  readonly consent_id: string;
  readonly status: 'AwaitingAuthorisation' | 'Authorised' | 'Rejected' | 'Revoked';
  readonly client: {
    readonly client_id: string;
    readonly client_name: string;
    readonly logo_uri: string | null;
    /** The agent the fintech acts for ("on behalf of"), when its registration names one. */
    readonly agent_name?: string | null;
  };
  readonly permissions: readonly string[];
  readonly requested_scopes: readonly string[];
  readonly expiration_date_time: string | null;
  readonly transaction_from_date_time: string | null;
  readonly transaction_to_date_time: string | null;
  readonly subject: string;
  readonly customer_name: string;
  readonly accounts: readonly CustomerAccount[];
  /** Gateway API groups the customer may grant one by one; may be absent or empty. */
  readonly scope_groups?: readonly ScopeGroup[];
  /** When the login session ends (ISO 8601), from the server's session record. */
  readonly session_expires_at?: string | null;
  /** Where the browser goes back to the fintech if the session ends unanswered (error=access_denied, state). */
  readonly return_on_expiry?: string | null;
}

export interface CustomerAccount {
  readonly account_id: string;
  readonly nickname: string;
  readonly masked_number: string;
  readonly currency: string;
  readonly account_type: string;
  readonly account_sub_type: string;
  /** The bank's product name, e.g. "12-month time deposit". */
  readonly description?: string | null;
  /** Only accounts identified by sort code and account number have a sort code to speak of. */
  readonly has_sort_code?: boolean;
}

export interface ScopeGroup {
  readonly id: string;
  readonly label: string;
  readonly description: string;
}

export interface Decision {
  readonly redirect_to: string;
}

export interface ConsentSessionApi {
  load(signal?: AbortSignal): Promise<ConsentSession>;
  accept(choice: { grantedScopes: readonly string[]; accountIds: readonly string[] }): Promise<Decision>;
  reject(): Promise<Decision>;
}

/** Client for one login's consent session; `loginState` binds every call to the authorization request. */
export function consentSessionApi(apiBaseUrl: string, loginId: string, loginState: string): ConsentSessionApi {
  const sessionUrl = `${apiBaseUrl}/consent-api/account-access-consent/${encodeURIComponent(loginId)}`;
  return {
    async load(signal) {
      // A header, not the query string: URLs end up in access logs.
      const headers = { 'x-login-state': loginState };
      return assertConsentSession(await requestJson<unknown>(sessionUrl, { method: 'GET', signal, headers }));
    },
    async accept({ grantedScopes, accountIds }) {
      const body = { granted_scopes: grantedScopes, account_ids: accountIds, login_state: loginState };
      return assertDecision(await requestJson<unknown>(`${sessionUrl}/accept`, { method: 'POST', body }));
    },
    async reject() {
      const body = { login_state: loginState, error: 'access_denied', error_description: 'The customer cancelled' };
      return assertDecision(await requestJson<unknown>(`${sessionUrl}/reject`, { method: 'POST', body }));
    },
  };
}

/** Checks the fields the page cannot render without, so a contract drift fails with a message, not a blank page. */
function assertConsentSession(value: unknown): ConsentSession {
  const session = value as Partial<ConsentSession> | null;
  if (
    typeof session?.client?.client_name !== 'string' ||
    !Array.isArray(session.permissions) ||
    !Array.isArray(session.requested_scopes) ||
    !Array.isArray(session.accounts)
  ) {
    throw new ApiError(200, 'invalid_response', 'The consent details are incomplete');
  }
  return session as ConsentSession;
}

/** Only web URLs: a `javascript:` or `data:` redirect from a compromised response must never run in the bank's origin. */
function assertDecision(value: unknown): Decision {
  const redirectTo = (value as Partial<Decision> | null)?.redirect_to;
  if (typeof redirectTo !== 'string' || !/^https?:$/.test(safeProtocol(redirectTo))) {
    throw new ApiError(200, 'invalid_response', 'The server sent no valid address to return to');
  }
  return { redirect_to: redirectTo };
}

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
}
