/**
 * A fintech's tokens for one bank connection, used as a careful fintech uses them: the access token until
 * it (nearly) expires or the bank refuses it, then ONE refresh (concurrent calls wait for it, so with
 * refresh-token rotation no call presents a spent refresh token), and the bank's refusals told apart —
 * withdrawn (reconnect), not authorised for this service, or the bank's own trouble (try again later).
 */
import type * as oidc from 'openid-client';

/** Refresh a little before the bank's expiry, so a call never leaves with a token about to lapse. */
export const EXPIRY_MARGIN_MS = 10_000;

export interface Connection<Item extends string = string> {
  readonly bank: string;
  items: Item[];
  consentId?: string;
  accessToken: string;
  refreshToken?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  status: 'connected' | 'revoked';
  /** One refresh at a time: with rotation, a second concurrent refresh would present a spent token. */
  refreshing?: Promise<void>;
}

/** The refresh_token grant at the bank (openid-client's `refreshTokenGrant` with the bank's configuration). */
export type RefreshGrant = (refreshToken: string) => Promise<oidc.TokenEndpointResponse>;

/** The bank withdrew the connection (consent revoked, tokens revoked): the customer has to reconnect. */
export class Revoked extends Error {}
/** The bank refused this call for this grant (e.g. a service outside the authorised items). */
export class NotAuthorized extends Error {}
/** The bank had a problem (5xx, server_error, temporarily_unavailable, no answer): try again later. */
export class BankUnavailable extends Error {}

const TRANSIENT = new Set(['server_error', 'temporarily_unavailable']);

/** OAuth `error` of an openid-client error (ResponseBodyError, AuthorizationResponseError), if any. */
function oauthErrorOf(error: unknown): string | undefined {
  const code = (error as { error?: unknown } | undefined)?.error;
  return typeof code === 'string' ? code : undefined;
}

/** What a refused bank response means for the app (OAuth JSON or OBErrorResponse1). */
export async function refusal(response: Response): Promise<Error> {
  const body = (await response.json().catch(() => ({}))) as {
    error?: string;
    error_description?: string;
    Errors?: { ErrorCode?: string; Message?: string }[];
  };
  const error = body.error ?? body.Errors?.[0]?.ErrorCode ?? `HTTP ${response.status}`;
  const description = body.error_description ?? body.Errors?.[0]?.Message ?? '';
  if (response.status >= 500 || TRANSIENT.has(error)) {
    return new BankUnavailable(`${error}${description ? `: ${description}` : ''}`);
  }
  if (response.status === 403) return new NotAuthorized(description || error);
  return new Error(`${error}${description ? `: ${description}` : ''}`);
}

export function tokensInto(connection: Connection, tokens: oidc.TokenEndpointResponse, now = Date.now()): void {
  connection.accessToken = tokens.access_token;
  // Rotation: a new refresh token replaces the old; none returned keeps the old one (RFC 6749 §6).
  connection.refreshToken = tokens.refresh_token ?? connection.refreshToken;
  connection.expiresAt = now + (tokens.expires_in ?? 300) * 1000;
}

export function refresh(connection: Connection, grant: RefreshGrant): Promise<void> {
  connection.refreshing ??= (async () => {
    if (!connection.refreshToken) throw new Revoked();
    try {
      tokensInto(connection, await grant(connection.refreshToken));
    } catch (error) {
      if (oauthErrorOf(error) === 'invalid_grant') {
        connection.status = 'revoked';
        throw new Revoked();
      }
      throw new BankUnavailable(oauthErrorOf(error) ?? String(error));
    }
  })().finally(() => {
    connection.refreshing = undefined;
  });
  return connection.refreshing;
}

/** A call with the connection's access token: refreshed first only if expired, and once more if refused as invalid. */
export async function withToken(
  connection: Connection,
  grant: RefreshGrant,
  call: (token: string) => Promise<Response>,
): Promise<Response> {
  if (connection.status === 'revoked') throw new Revoked();
  if (connection.refreshing) await connection.refreshing;
  if (connection.expiresAt - EXPIRY_MARGIN_MS < Date.now()) await refresh(connection, grant);
  const send = async (token: string) => {
    try {
      return await call(token);
    } catch (error) {
      throw new BankUnavailable(error instanceof Error ? error.message : String(error));
    }
  };
  const presented = connection.accessToken;
  let response = await send(presented);
  if (response.status === 401) {
    // Another call may have refreshed meanwhile: refresh only if the refused token is still the current one.
    if (connection.accessToken === presented) await refresh(connection, grant);
    response = await send(connection.accessToken);
    if (response.status === 401) {
      connection.status = 'revoked';
      throw new Revoked();
    }
  }
  return response;
}

/**
 * The customer's words for a connection that did not complete (the authorization response's or the token
 * endpoint's error): she said no, the bank had trouble, or the bank refused.
 */
export function connectFailure(bankName: string, app: string, error: unknown): string {
  const code = oauthErrorOf(error);
  if (code === 'access_denied') return `You did not give ${app} access at ${bankName}. Nothing was shared.`;
  if (code !== undefined && TRANSIENT.has(code)) {
    return `${bankName} had a problem (${code}). Please try again in a moment.`;
  }
  const description = (error as { error_description?: unknown } | undefined)?.error_description;
  const detail = code
    ? `${code}${typeof description === 'string' && description ? ` (${description})` : ''}`
    : String(error);
  return `${bankName} did not connect: ${detail}`;
}
