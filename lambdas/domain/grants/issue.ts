/** Issuing the tokens of a customer grant (authorization_code, refresh_token): records first, then the values. */
import { InvalidClient, InvalidGrant } from '../../errors';
import type { KeyService } from '../../ports/keys';
import { type GrantAuthority, IssuanceRefused, type TokenStore } from '../../ports/store';
import { REPLAYED_ASSERTION } from '../client-auth';
import { mintIdToken } from '../id-token';
import type { Grant } from '../model';
import { mintToken } from '../token-issuer';
import { type GrantRequest, replayClaimOf, type TokenLifetimes, type TokenResponse } from './types';

export interface IssueDeps {
  readonly tokens: TokenStore;
  readonly keys: KeyService;
  readonly issuer: string;
  readonly lifetimes: TokenLifetimes;
}

export interface IssueInput {
  readonly scope: string;
  readonly grant: Grant;
  /** Issue a refresh token too (code exchange by a client registered for refresh_token). */
  readonly withRefreshToken: boolean;
  /** Expiry of the refresh token the client keeps (refresh grant: no rotation), for the ID token. */
  readonly keptRefreshTokenExpiresAt?: number;
  /** The authorization request's nonce (code exchange only). */
  readonly nonce?: string;
  /** Refresh grant: the presented refresh token, which must still be unrevoked when the tokens are written. */
  readonly refreshTokenHash?: string;
}

/** What the tokens of a customer grant depend on: its consent, or the consent-less grant in the registry. */
export function grantAuthority(clientId: string, grant: Grant): GrantAuthority {
  return grant.consentId !== undefined
    ? { kind: 'consent', consentId: grant.consentId, clientId, grantId: grant.grantId }
    : { kind: 'grant', clientId, subject: grant.subject, grantId: grant.grantId };
}

/**
 * Writes the tokens in one transaction conditional on the guard (`TokenStore.issue`); a failed condition
 * becomes the endpoint's error. `explainRevokedGrant` may throw a more precise invalid_grant.
 */
export async function writeTokens(
  tokens: TokenStore,
  records: Parameters<TokenStore['issue']>[0],
  guard: Parameters<TokenStore['issue']>[1],
  explainRevokedGrant: () => Promise<void> = async () => {},
): Promise<void> {
  try {
    await tokens.issue(records, guard);
  } catch (error) {
    if (!(error instanceof IssuanceRefused)) throw error;
    switch (error.reason) {
      case 'certificate_revoked':
        throw new InvalidClient('the client certificate has been revoked');
      case 'refresh_token_revoked':
        throw new InvalidGrant('refresh token has been revoked');
      case 'replayed':
        throw new InvalidClient(REPLAYED_ASSERTION);
      default:
        await explainRevokedGrant();
        throw new InvalidGrant('the grant has been revoked or replaced by a later authorisation');
    }
  }
}

export function hasOpenIdScope(scope: string): boolean {
  return scope.split(' ').includes('openid');
}

export async function issueCustomerTokens(
  request: GrantRequest,
  input: IssueInput,
  deps: IssueDeps,
  explainRevokedGrant?: () => Promise<void>,
): Promise<TokenResponse> {
  const { client, certThumbprint, now } = request;
  const { tokenSettings } = client;
  const access = mintToken({
    kind: 'access',
    client,
    scope: input.scope,
    certThumbprint,
    now,
    ttl: tokenSettings.accessTokenTtl ?? deps.lifetimes.accessTokenTtl,
    maxUses: tokenSettings.accessTokenMaxUses ?? 0,
    grant: input.grant,
  });
  const refresh = input.withRefreshToken
    ? mintToken({
        kind: 'refresh',
        client,
        scope: input.scope,
        certThumbprint,
        now,
        ttl: tokenSettings.refreshTokenTtl ?? deps.lifetimes.refreshTokenTtl,
        maxUses: tokenSettings.refreshTokenMaxUses ?? 0,
        grant: input.grant,
      })
    : undefined;

  const signIdToken = () =>
    mintIdToken(deps.keys, {
      issuer: deps.issuer,
      clientId: client.clientId,
      subject: input.grant.subject,
      now,
      nonce: input.nonce,
      authTime: input.grant.authTime,
      acr: input.grant.acr,
      consentId: input.grant.consentId,
      accessToken: access.value,
      refreshTokenExpiresAt: refresh?.record.expiresAt ?? input.keptRefreshTokenExpiresAt,
    });
  const records = refresh ? [access.record, refresh.record] : [access.record];
  const guard = {
    grant: grantAuthority(client.clientId, input.grant),
    refreshTokenHash: input.refreshTokenHash,
    certificate: request.certificateKeys,
    replayClaim: replayClaimOf(request),
  };
  // Every step must succeed before any value is returned: no token leaves without its stored record.
  const [idToken] = await Promise.all([
    hasOpenIdScope(input.scope) ? signIdToken() : undefined,
    writeTokens(deps.tokens, records, guard, explainRevokedGrant),
  ]);

  return {
    access_token: access.value,
    token_type: 'Bearer',
    expires_in: access.record.expiresAt - now,
    ...(refresh ? { refresh_token: refresh.value } : {}),
    ...(idToken ? { id_token: idToken } : {}),
    scope: input.scope,
  };
}
