/**
 * `refresh_token` grant (RFC 6749 §6): ONE conditional use of the refresh token checks expiry, revocation,
 * the certificate binding and the usage quota atomically; the access token is then written in one
 * transaction conditional on the refresh token still being unrevoked and its consent (or consent-less
 * grant) still being the authorisation it came from — a re-authorisation revokes the earlier grant's
 * refresh tokens, so the token's own grant facts are the consent's current ones. The refresh token is not
 * rotated (FAPI 2.0).
 */
import { InvalidGrant, InvalidRequest, InvalidScope } from '../../errors';
import type { ConsentStore, TokenRejection } from '../../ports/store';
import { grantOf } from '../grant';
import type { Grant, TokenRecord } from '../model';
import { hashSecret, tokenRefusal } from '../tokens';
import { requireActiveConsent } from './consent';
import { type IssueDeps, issueCustomerTokens } from './issue';
import type { GrantRequest, TokenResponse } from './types';

export interface RefreshTokenDeps extends IssueDeps {
  readonly consents: ConsentStore;
}

/**
 * Refused because the refresh token's usage quota is spent (the endpoint counts these in a metric): 403 like
 * every usage-quota refusal, in the token endpoint's OAuth format (`invalid_grant`: this grant is spent).
 */
export class RefreshQuotaExceeded extends InvalidGrant {
  constructor() {
    super('refresh token usage quota exceeded', 403);
  }
}

const INVALID = 'refresh token is invalid';

export async function refreshTokenGrant(request: GrantRequest, deps: RefreshTokenDeps): Promise<TokenResponse> {
  const refreshToken = request.params.get('refresh_token');
  if (!refreshToken) throw new InvalidRequest('refresh_token is required');

  const tokenHash = hashSecret(refreshToken);
  const token = await redeemRefreshToken(tokenHash, request, deps);
  const scope = narrowedScope(token.scope, request.params.get('scope'));
  const { consentId } = token;
  // Read only to explain a refusal: the issuance's ConditionCheck is the check.
  const explainRevokedGrant = async () => {
    if (consentId !== undefined) {
      await requireActiveConsent(deps.consents, consentId, request.client.clientId, request.now);
    }
  };

  return issueCustomerTokens(
    request,
    {
      scope,
      grant: grantOf(token),
      withRefreshToken: false,
      keptRefreshTokenExpiresAt: token.expiresAt,
      refreshTokenHash: tokenHash,
    },
    deps,
    explainRevokedGrant,
  );
}

/** A token of a customer grant (every refresh token is one). */
type CustomerGrantToken = TokenRecord & Grant;

const isCustomerGrantToken = (token: TokenRecord): token is CustomerGrantToken =>
  token.grantId !== undefined && token.subject !== undefined && token.authTime !== undefined;

async function redeemRefreshToken(
  tokenHash: string,
  request: GrantRequest,
  deps: RefreshTokenDeps,
): Promise<CustomerGrantToken> {
  const use = await deps.tokens.use(tokenHash, {
    kind: 'refresh',
    now: request.now,
    certThumbprint: request.certThumbprint,
  });
  if (!use.ok) throw refusal(use.reason);
  // Same answer as for an unknown token: another client learns nothing about this one.
  if (use.token.clientId !== request.client.clientId || !isCustomerGrantToken(use.token)) {
    throw new InvalidGrant(INVALID);
  }
  return use.token;
}

function refusal(reason: TokenRejection): InvalidGrant {
  return tokenRefusal<InvalidGrant>(reason, {
    token: 'refresh token',
    unknown: INVALID,
    invalid: (description) => new InvalidGrant(description),
    quotaExceeded: () => new RefreshQuotaExceeded(),
  });
}

/** RFC 6749 §6: a requested scope must not include any scope the refresh token does not have. */
function narrowedScope(granted: string, requested: string | undefined): string {
  if (requested === undefined) return granted;
  const grantedScopes = granted.split(' ');
  const scopes = [...new Set(requested.split(' ').filter(Boolean))];
  const beyond = scopes.filter((s) => !grantedScopes.includes(s));
  if (scopes.length === 0 || beyond.length > 0) {
    throw new InvalidScope(`scope exceeds the refresh token's scope: ${beyond.join(' ') || '(empty)'}`);
  }
  return scopes.join(' ');
}
