/**
 * IdentityProvider adapter: an OpenID Connect relying party built on openid-client (a certified RP library).
 * Authorization code flow with PKCE (S256), state and nonce; the ID token is verified by openid-client
 * against the IdP's discovered issuer and JWKS.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import * as oidc from 'openid-client';
import {
  APP_NAME_PARAMETER,
  type AuthenticatedCustomer,
  type IdentityProvider,
  IdentityProviderError,
  type LoginRequest,
} from '../ports/identity-provider';

export interface OidcIdentityProviderOptions {
  readonly issuer: string;
  readonly clientId: string;
  /** The client secret, or how to fetch it (Secrets Manager in AWS); resolved once with discovery. */
  readonly clientSecret: string | (() => Promise<string>);
  /**
   * Replaces the global fetch for every call to the IdP. Production and the sandbox leave it out (the sandbox
   * trusts its CA through undici's global dispatcher); jest needs it, because its VM context hides undici's
   * global dispatcher from Node's built-in fetch.
   */
  readonly customFetch?: oidc.CustomFetch;
  /** @default 'openid profile' (a staff IdP may need a scope that releases its role claim) */
  readonly scope?: string;
}

const DEFAULT_SCOPE = 'openid profile';

export function createOidcIdentityProvider(opts: OidcIdentityProviderOptions): IdentityProvider {
  let discovered: Promise<oidc.Configuration> | undefined;

  /** Discovery runs on first use and is kept for the life of the process; a failed attempt is retried next time. */
  const configuration = (): Promise<oidc.Configuration> => {
    discovered ??= (typeof opts.clientSecret === 'string' ? Promise.resolve(opts.clientSecret) : opts.clientSecret())
      .then((clientSecret) =>
        oidc.discovery(
          new URL(opts.issuer),
          opts.clientId,
          // require_auth_time makes openid-client reject an ID token without auth_time.
          { client_secret: clientSecret, require_auth_time: true },
          oidc.ClientSecretBasic(clientSecret),
          opts.customFetch && { [oidc.customFetch]: opts.customFetch },
        ),
      )
      .catch((error: unknown) => {
        discovered = undefined;
        throw asIdentityProviderError(error);
      });
    return discovered;
  };

  return {
    async startLogin({ redirectUri, loginHint, acrValues, prompt, maxAge, appName }): Promise<LoginRequest> {
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const parameters: Record<string, string> = {
        redirect_uri: redirectUri,
        scope: opts.scope ?? DEFAULT_SCOPE,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      };
      if (loginHint) parameters.login_hint = loginHint;
      if (acrValues) parameters.acr_values = acrValues;
      if (prompt) parameters.prompt = prompt;
      if (maxAge !== undefined) parameters.max_age = String(maxAge);
      const idp = await configuration();
      // An IdP that takes pushed requests gets them (the browser carries only request_uri), and with them the
      // app's name; in a URL the browser could change it, so without PAR the name is not sent at all.
      if (!idp.serverMetadata().pushed_authorization_request_endpoint) {
        return { url: oidc.buildAuthorizationUrl(idp, parameters).href, state, nonce, codeVerifier };
      }
      if (appName) parameters[APP_NAME_PARAMETER] = appName;
      const url = await oidc.buildAuthorizationUrlWithPAR(idp, parameters).catch((error: unknown) => {
        throw asIdentityProviderError(error);
      });
      return { url: url.href, state, nonce, codeVerifier };
    },

    async completeLogin({ callbackUrl, redirectUri, expected }): Promise<AuthenticatedCustomer> {
      // openid-client sends the callback URL without its query as redirect_uri; rebuild it on the registered
      // redirect URI so the token request matches the authorization request whatever host the callback arrived on.
      const currentUrl = new URL(redirectUri);
      currentUrl.search = new URL(callbackUrl, redirectUri).search;
      const idp = await configuration();
      let claims: oidc.IDToken | undefined;
      try {
        const tokens = await oidc.authorizationCodeGrant(idp, currentUrl, {
          pkceCodeVerifier: expected.codeVerifier,
          expectedState: expected.state,
          expectedNonce: expected.nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims();
      } catch (error) {
        throw asIdentityProviderError(error);
      }
      if (!claims || typeof claims.auth_time !== 'number') {
        throw new IdentityProviderError('The identity provider returned no ID token with auth_time');
      }
      return {
        subject: claims.sub,
        name: typeof claims.name === 'string' ? claims.name : undefined,
        acr: typeof claims.acr === 'string' ? claims.acr : undefined,
        authTime: claims.auth_time,
        claims: { ...claims },
      };
    },
  };
}

/**
 * openid-client's messages name the failed check (e.g. an unexpected "state"), never token or secret values, so
 * they are safe to keep. Its ClientError says only "invalid response encountered"; the check is in its cause.
 */
function asIdentityProviderError(error: unknown): IdentityProviderError {
  if (error instanceof IdentityProviderError) return error;
  if (error instanceof oidc.AuthorizationResponseError || error instanceof oidc.ResponseBodyError) {
    return new IdentityProviderError(`The identity provider answered ${error.error}`, {
      error: error.error,
      cause: error,
    });
  }
  const messages = [error, (error as Error | undefined)?.cause]
    .filter((e): e is Error => e instanceof Error)
    .map((e) => e.message);
  const detail = messages.join(': ') || String(error);
  return new IdentityProviderError(`Login at the identity provider failed: ${detail}`, { cause: error });
}

/** Reads the client secret from Secrets Manager (the ARN CDK passes); a rotated secret applies at the next cold start. */
export async function secretFromSecretsManager(arn: string): Promise<string> {
  const secret = await getSecret<string>(arn);
  if (typeof secret !== 'string' || secret === '')
    throw new IdentityProviderError('The identity provider client secret is empty');
  return secret;
}
