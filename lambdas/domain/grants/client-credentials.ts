/** `client_credentials` grant: a certificate-bound access token for the TPP itself (no customer, no consent). */
import { InvalidScope } from '../../errors';
import type { TokenStore } from '../../ports/store';
import { clientCredentialsScope, mintToken } from '../token-issuer';
import { writeTokens } from './issue';
import type { GrantRequest, TokenResponse } from './types';

export interface ClientCredentialsDeps {
  readonly tokens: TokenStore;
  /** Default lifetime where the client's tokenSettings set none. */
  readonly defaultTtl: number;
}

export async function clientCredentialsGrant(
  { client, params, certThumbprint, certificateKeys, now }: GrantRequest,
  deps: ClientCredentialsDeps,
): Promise<TokenResponse> {
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
  // Conditional on the certificate not being on the revocation list (no customer grant to check).
  await writeTokens(deps.tokens, [token.record], { certificate: certificateKeys });
  return { access_token: token.value, token_type: 'Bearer', expires_in: token.record.expiresAt - now, scope };
}
