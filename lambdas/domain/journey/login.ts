/**
 * The customer's sign-in at the bank's identity provider (Bankgate is its OpenID Connect relying party):
 * start a login session for a resolved authorization request, then finish it when the IdP sends the
 * customer back. The session is bound to the browser by the hash of a cookie secret.
 */
import { AuthorizationRequestError, OAuthError } from '../../errors';
import { type IdentityProvider, IdentityProviderError } from '../../ports/identity-provider';
import type { AuthorizationStore } from '../../ports/store';
import { checkAuthentication, clientErrorForIdpError, idpLoginParameters } from '../authentication-requirements';
import { type AuthorizationRequest, LOGIN_TTL, type LoginSessionRecord } from '../authorization';
import { authorizationResponseUrl } from '../authorization-request';
import { hashSecret, matchesHash, newIdentifier, newOpaqueValue } from '../tokens';

export interface LoginDeps {
  readonly authorizations: AuthorizationStore;
  readonly identityProvider: IdentityProvider;
  readonly issuer: string;
}

/** Where the bank's identity provider returns the customer. */
export const loginCallbackUrl = (issuer: string) => `${issuer}/login/callback`;

export interface StartedLogin {
  /** The bank's sign-in page. */
  readonly url: string;
  /** The browser's session cookie: `<loginId>.<secret>`; only sha256(secret) is stored. */
  readonly loginId: string;
  readonly secret: string;
}

export async function startLogin(
  input: {
    readonly clientId: string;
    /** The client's registered name: the bank's sign-in page says which app the customer signs in for. */
    readonly clientName: string;
    readonly request: AuthorizationRequest;
    readonly now: number;
  },
  deps: LoginDeps,
): Promise<StartedLogin> {
  const login = await deps.identityProvider.startLogin({
    redirectUri: loginCallbackUrl(deps.issuer),
    ...idpLoginParameters(input.request),
    appName: input.clientName,
  });
  const loginId = newIdentifier();
  const secret = newOpaqueValue();
  const record: LoginSessionRecord = {
    id: loginId,
    kind: 'login',
    clientId: input.clientId,
    status: 'authenticating',
    request: input.request,
    sessionHash: hashSecret(secret),
    idp: { state: login.state, nonce: login.nonce, codeVerifier: login.codeVerifier },
    startedAt: input.now,
    expiresAt: input.now + LOGIN_TTL,
  };
  await deps.authorizations.put(record);
  return { url: login.url, loginId, secret };
}

export const sessionExpired = () =>
  new OAuthError(
    'login_required',
    'Your sign-in session has expired or is not valid. Please start again from the app.',
    400,
  );

export const loginFailed = () =>
  new OAuthError('login_failed', 'Signing in at the bank did not succeed. Please start again from the app.', 400);

export interface FinishLoginInput {
  /** The browser's session cookie. */
  readonly cookie: { readonly loginId: string; readonly secret: string } | undefined;
  /** The IdP's callback parameters as received. */
  readonly callbackParameters: Readonly<Record<string, string | undefined>>;
  readonly now: number;
}

export type FinishedLogin =
  /** Signed in: the consent page gets the login id and its CSRF token `loginState`. */
  | {
      readonly outcome: 'consenting';
      readonly login: LoginSessionRecord;
      readonly loginId: string;
      readonly loginState: string;
    }
  /** Not signed in: `redirectTo` tells the client (the IdP answered with an error for it), otherwise `loginFailed()`. */
  | {
      readonly outcome: 'failed';
      readonly login: LoginSessionRecord;
      readonly failure: IdentityProviderError;
      readonly redirectTo?: string;
    }
  /** Signed in, but not as the request requires (acr, max_age, prompt): the client hears why. */
  | {
      readonly outcome: 'unmet';
      readonly login: LoginSessionRecord;
      readonly error: AuthorizationRequestError;
      readonly redirectTo: string;
    };

export async function finishLogin(input: FinishLoginInput, deps: LoginDeps): Promise<FinishedLogin> {
  const { cookie, now } = input;
  if (!cookie) throw sessionExpired();
  const login = await deps.authorizations.get('login', cookie.loginId, now);
  if (login?.kind !== 'login' || login.status !== 'authenticating' || !matchesHash(cookie.secret, login.sessionHash)) {
    throw sessionExpired();
  }

  const callbackUrl = new URL(loginCallbackUrl(deps.issuer));
  for (const [key, value] of Object.entries(input.callbackParameters)) {
    if (value !== undefined) callbackUrl.searchParams.set(key, value);
  }
  let customer: Awaited<ReturnType<IdentityProvider['completeLogin']>>;
  try {
    customer = await deps.identityProvider.completeLogin({
      callbackUrl: callbackUrl.toString(),
      redirectUri: loginCallbackUrl(deps.issuer),
      expected: login.idp,
    });
  } catch (error) {
    if (!(error instanceof IdentityProviderError)) throw error;
    const clientError = clientErrorForIdpError(error.error, login.request);
    return {
      outcome: 'failed',
      login,
      failure: error,
      // The IdP answered (the customer did not sign in, or prompt=none could not be honoured): tell the client.
      redirectTo: clientError
        ? authorizationResponseUrl(login.request, deps.issuer, {
            error: clientError.error,
            error_description: clientError.description,
          })
        : undefined,
    };
  }

  try {
    checkAuthentication(login.request, customer, { startedAt: login.startedAt, now });
  } catch (error) {
    if (!(error instanceof AuthorizationRequestError)) throw error;
    const redirectTo = authorizationResponseUrl(login.request, deps.issuer, {
      error: error.error,
      error_description: error.description,
    });
    return { outcome: 'unmet', login, error, redirectTo };
  }

  const loginState = newOpaqueValue();
  const advanced = await deps.authorizations.advanceLogin(
    login.id,
    'authenticating',
    {
      status: 'consenting',
      subject: customer.subject,
      customerName: customer.name,
      authTime: customer.authTime,
      acr: customer.acr,
      loginStateHash: hashSecret(loginState),
    },
    now,
  );
  if (!advanced) throw sessionExpired();
  return { outcome: 'consenting', login: advanced, loginId: cookie.loginId, loginState };
}
