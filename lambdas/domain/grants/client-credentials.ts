/** `client_credentials` grant: a certificate-bound access token for the TPP itself (no customer, no consent). */
import { InvalidScope } from '../../errors';
import type { TokenStore } from '../../ports/store';
import { clientCredentialsScope, mintToken } from '../token-issuer';
import { writeTokens } from './issue';
import { type GrantRequest, replayClaimOf, type TokenResponse } from './types';

export interface ClientCredentialsDeps {
  readonly tokens: TokenStore;
  /** Default lifetime where the client's tokenSettings set none. */
  readonly defaultTtl: number;
}

export async function clientCredentialsGrant(
  request: GrantRequest,
  deps: ClientCredentialsDeps,
): Promise<TokenResponse> {
  const { client, params, certThumbprint, certificateKeys, now } = request;
  const scope = clientCredentialsScope(client, params.get('scope'));
  if (typeof scope !== 'string') throw new InvalidScope(scope.error);
  const token = mintToken({
    kind: 'access',
    client,
    scope,
    certThumbprint,
    now,
    ttl: client.tokenSettings.accessTokenTtl ?? deps.defaultTtl,
    maxUses: client.tokenSettings.accessTokenMaxUses ?? 0,
  });
  // Conditional on the certificate not being on the revocation list (no customer grant to check); the
  // assertion's jti is claimed by the same write.
  await writeTokens(deps.tokens, [token.record], { certificate: certificateKeys, replayClaim: replayClaimOf(request) });
  return { access_token: token.value, token_type: 'Bearer', expires_in: token.record.expiresAt - now, scope };
}
