/** Issuing the tokens of a customer grant (authorization_code, refresh_token): records first, then the values. */
import type { KeyService } from '../../ports/keys';
import type { TokenStore } from '../../ports/store';
import { mintIdToken } from '../id-token';
import type { Grant } from '../model';
import { mintToken } from '../token-issuer';
import type { GrantRequest, TokenLifetimes, TokenResponse } from './types';

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
}

export function hasOpenIdScope(scope: string): boolean {
  return scope.split(' ').includes('openid');
}

export async function issueCustomerTokens(
  request: GrantRequest,
  input: IssueInput,
  deps: IssueDeps,
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
  // Every step must succeed before any value is returned: no token leaves without its stored record.
  const [idToken] = await Promise.all([
    hasOpenIdScope(input.scope) ? signIdToken() : undefined,
    deps.tokens.put(access.record),
    refresh ? deps.tokens.put(refresh.record) : undefined,
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
