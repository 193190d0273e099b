/**
 * The composition root's identity providers (the bank's customer IdP and its staff IdP), in a module of their
 * own so that only the handlers with a federated sign-in bundle the OIDC relying party (openid-client,
 * oauth4webapi) and the Secrets Manager parameter it reads its secret with; built once per process by
 * `wiring.ts`'s `part`, replaced and reset by its `replaceWiring` / `resetWiring` like every other part.
 */
import { createOidcIdentityProvider, secretFromSecretsManager } from './adapters/oidc-identity-provider';
import type { IdentityProvider } from './ports/identity-provider';
import { part, wiring } from './wiring';

export interface IdentityWiring {
  /** From `BANKGATE_IDP_*`: the client secret as a value (sandbox) or as a Secrets Manager ARN (AWS). */
  readonly identityProvider: IdentityProvider;
  /** The bank's staff IdP (staff sign-in to the admin console), from `BANKGATE_STAFF_IDP_*`. */
  readonly staffIdentityProvider: IdentityProvider;
}

/** An OIDC relying party of the configuration; `variables` names its environment variables in the error. */
function relyingParty(
  rp: { issuer: string; clientId: string; clientSecret?: string; clientSecretArn?: string } | undefined,
  variables: string,
): IdentityProvider {
  const clientSecret =
    rp?.clientSecret ?? (rp?.clientSecretArn && (() => secretFromSecretsManager(rp.clientSecretArn!)));
  if (!rp || !clientSecret) {
    throw new Error(
      `No identity provider configured: set ${variables}_ISSUER, ${variables}_CLIENT_ID and ${variables}_CLIENT_SECRET or ${variables}_CLIENT_SECRET_ARN`,
    );
  }
  return createOidcIdentityProvider({ issuer: rp.issuer, clientId: rp.clientId, clientSecret });
}

export const identityWiring: IdentityWiring = {
  get identityProvider() {
    return part('identityProvider', () => relyingParty(wiring.config.idp, 'BANKGATE_IDP'));
  },
  get staffIdentityProvider() {
    return part('staffIdentityProvider', () => relyingParty(wiring.config.staffIdp, 'BANKGATE_STAFF_IDP'));
  },
};
