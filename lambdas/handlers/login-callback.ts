/**
 * GET /login/callback (browser origin): the bank's identity provider returns the customer here. The
 * login session must match the browser's cookie; the IdP response is verified by the OIDC relying party
 * (state, nonce, PKCE, ID token); then the customer goes on to the consent page
 * (`domain/journey/login.ts`).
 */
import { type FinishedLogin, finishLogin, loginFailed } from '../domain/journey/login';
import { type HttpRequest, type HttpResponse, httpHandler, redirect } from '../http/handler';
import { readLoginCookie } from '../http/login-session';
import { runSteps } from '../http/steps';
import { identityWiring } from '../identity-wiring';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

interface Callback {
  readonly request: HttpRequest;
  readonly now: number;
  finished: FinishedLogin;
  response: HttpResponse;
}

async function finish(callback: Callback) {
  const { request, now } = callback;
  callback.finished = await finishLogin(
    { cookie: readLoginCookie(request.event), callbackParameters: request.event.queryStringParameters ?? {}, now },
    {
      authorizations: wiring.stores.authorizations,
      identityProvider: identityWiring.identityProvider,
      issuer: wiring.config.issuer,
    },
  );
}

function answer(callback: Callback) {
  const { finished, request } = callback;
  if (finished.outcome === 'failed') {
    request.log.info('bank login failed', { reason: finished.failure.message, idpError: finished.failure.error });
    if (!finished.redirectTo) throw loginFailed();
    callback.response = redirect(finished.redirectTo);
    return;
  }
  if (finished.outcome === 'unmet') {
    request.log.info('authentication requirements not met', {
      clientId: finished.login.clientId,
      error: finished.error.error,
    });
    callback.response = redirect(finished.redirectTo);
    return;
  }
  request.log.info('customer signed in', {
    clientId: finished.login.clientId,
    consentId: finished.login.request.consentId,
  });
  const { issuer, consentPageUrl } = wiring.config;
  const consentPage = new URL(consentPageUrl ?? `${issuer}/consent/`);
  consentPage.searchParams.set('login_id', finished.loginId);
  // The fragment never leaves the browser (no access log, no Referer); the page moves it out of the address bar.
  consentPage.hash = new URLSearchParams({ login_state: finished.loginState }).toString();
  callback.response = redirect(consentPage.toString());
}

export const handler = httpHandler({ errors: 'html' }, async (request) => {
  const callback = await runSteps({ request, now: systemClock() } as Callback, [finish, answer]);
  return callback.response;
});
