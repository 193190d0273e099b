/**
 * Identity provider port: Bankgate authenticates the bank's customers by federating, as an OpenID Connect
 * relying party, to the bank's own identity provider. The OIDC adapter implements it with openid-client
 * (the bank's IdP in production, the sandbox's demo IdP locally).
 */

/**
 * The name of the app the customer signs in for, sent to the IdP only inside a pushed authorization request
 * (RFC 9126: authenticated by the client, so the browser cannot change it); a vendor-prefixed extension
 * parameter (RFC 6749 §8.2), which an IdP that does not know it ignores.
 */
export const APP_NAME_PARAMETER = 'bankgate_app_name';

export interface LoginRequest {
  readonly url: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export interface AuthenticatedCustomer {
  readonly subject: string;
  readonly name?: string;
  readonly acr?: string;
  /** Epoch seconds at which the customer authenticated at the identity provider. */
  readonly authTime: number;
  /** Every verified ID token claim, for admission rules that need more (e.g. a staff IdP's role claim). */
  readonly claims: Readonly<Record<string, unknown>>;
}

export interface IdentityProvider {
  /** Where to send the browser; the caller stores state/nonce/codeVerifier with its login session. */
  /** `acrValues`, `prompt`, `maxAge`: the client's requirements, forwarded as OIDC Core §3.1.2.1 parameters. */
  startLogin(input: {
    redirectUri: string;
    loginHint?: string;
    acrValues?: string;
    prompt?: string;
    maxAge?: number;
    /** The app (the TPP's registered name) the customer signs in for; reaches the IdP only if it takes PAR. */
    appName?: string;
  }): Promise<LoginRequest>;
  /** Exchanges the callback for the authenticated customer; verifies state, nonce, PKCE, ID token. Throws IdentityProviderError. */
  completeLogin(input: {
    callbackUrl: string;
    redirectUri: string;
    expected: { state: string; nonce: string; codeVerifier: string };
  }): Promise<AuthenticatedCustomer>;
}

/** A login that did not succeed. The message is safe to log and to show; it never carries secrets or tokens. */
export class IdentityProviderError extends Error {
  override readonly name = 'IdentityProviderError';
  /** The OAuth `error` code the identity provider answered with (e.g. `access_denied`), when it answered one. */
  readonly error?: string;

  constructor(message: string, options: { error?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.error = options.error;
  }
}
