/**
 * GET /login/callback (browser origin): the bank's identity provider returns the customer here. The
 * login session must match the browser's cookie; the IdP response is verified by the OIDC relying party
 * (state, nonce, PKCE, ID token); then the customer goes on to the consent page.
 */

import { checkAuthentication, clientErrorForIdpError } from '../domain/authentication-requirements';
import type { LoginSessionRecord } from '../domain/authorization';
import { authorizationResponseUrl } from '../domain/authorization-request';
import { hashSecret, newOpaqueValue } from '../domain/tokens';
import { AuthorizationRequestError, OAuthError } from '../errors';
import { httpHandler, redirect } from '../http/handler';
import { matchesHash, readLoginCookie } from '../http/login-session';
import { systemClock } from '../ports/clock';
import { type IdentityProvider, IdentityProviderError } from '../ports/identity-provider';
import { wiring } from '../wiring';

const sessionExpired = () =>
  new OAuthError(
    'login_required',
    'Your sign-in session has expired or is not valid. Please start again from the app.',
    400,
  );

export const handler = httpHandler({ errors: 'html' }, async (request) => {
  const now = systemClock();
  const { issuer, consentPageUrl } = wiring.config;
  const cookie = readLoginCookie(request.event);
  if (!cookie) throw sessionExpired();
  const login = await wiring.stores.authorizations.get<LoginSessionRecord>(`login:${cookie.loginId}`, now);
  if (
    !login ||
    login.kind !== 'login' ||
    login.status !== 'authenticating' ||
    !matchesHash(cookie.secret, login.sessionHash, hashSecret)
  ) {
    throw sessionExpired();
  }

  const callbackUrl = new URL(`${issuer}/login/callback`);
  for (const [key, value] of Object.entries(request.event.queryStringParameters ?? {})) {
    if (value !== undefined) callbackUrl.searchParams.set(key, value);
  }
  let customer: Awaited<ReturnType<IdentityProvider['completeLogin']>>;
  try {
    customer = await wiring.identityProvider.completeLogin({
      callbackUrl: callbackUrl.toString(),
      redirectUri: `${issuer}/login/callback`,
      expected: login.idp,
    });
  } catch (error) {
    if (!(error instanceof IdentityProviderError)) throw error;
    request.log.info('bank login failed', { reason: error.message, idpError: error.error });
    const clientError = clientErrorForIdpError(error.error, login.request);
    if (clientError) {
      // The IdP answered (the customer did not sign in, or prompt=none could not be honoured): tell the client.
      return redirect(
        authorizationResponseUrl(login.request, issuer, {
          error: clientError.error,
          error_description: clientError.description,
        }),
      );
    }
    throw new OAuthError(
      'login_failed',
      'Signing in at the bank did not succeed. Please start again from the app.',
      400,
    );
  }

  try {
    checkAuthentication(login.request, customer, { startedAt: login.startedAt, now });
  } catch (error) {
    if (!(error instanceof AuthorizationRequestError)) throw error;
    request.log.info('authentication requirements not met', { clientId: login.clientId, error: error.error });
    return redirect(
      authorizationResponseUrl(login.request, issuer, { error: error.error, error_description: error.description }),
    );
  }

  const loginState = newOpaqueValue();
  const advanced = await wiring.stores.authorizations.advanceLogin(
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
  request.log.info('customer signed in', { clientId: login.clientId, consentId: login.request.consentId });

  const consentPage = new URL(consentPageUrl ?? `${issuer}/consent/`);
  consentPage.searchParams.set('login_id', cookie.loginId);
  // The fragment never leaves the browser (no access log, no Referer); the page moves it out of the address bar.
  consentPage.hash = new URLSearchParams({ login_state: loginState }).toString();
  return redirect(consentPage.toString());
});
