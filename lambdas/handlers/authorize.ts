/**
 * GET|POST /authorize (browser origin). Resolves the request (a pushed request_uri, or a signed request
 * object for FAPI 1.0 Advanced), checks the client, redirect_uri, PKCE and the consent, then starts the
 * customer's login at the bank's identity provider with a login session bound to an HttpOnly cookie
 * (`domain/journey/authorization-requests.ts`, `domain/journey/login.ts`).
 */
import type { AuthorizationRequest } from '../domain/authorization';
import { authorizationResponseUrl } from '../domain/authorization-request';
import type { Client } from '../domain/client';
import { resolveAuthorizationRequest } from '../domain/journey/authorization-requests';
import { startLogin } from '../domain/journey/login';
import { AuthorizationRequestError } from '../errors';
import { type HttpRequest, type HttpResponse, httpHandler, redirect } from '../http/handler';
import { loginCookie } from '../http/login-session';
import { formBody } from '../http/request';
import { runSteps } from '../http/steps';
import { identityWiring } from '../identity-wiring';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

interface Authorization {
  readonly request: HttpRequest;
  readonly now: number;
  params: Map<string, string>;
  client: Client;
  authorization: AuthorizationRequest;
  response: HttpResponse;
}

function readParameters(auth: Authorization) {
  const { event } = auth.request;
  if (event.httpMethod === 'POST') {
    auth.params = formBody(event);
    return;
  }
  auth.params = new Map();
  for (const [key, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    if ((values?.length ?? 0) > 1)
      throw new AuthorizationRequestError('invalid_request', `parameter ${key} must not be repeated`, false);
  }
  for (const [key, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value) auth.params.set(key, value);
  }
}

async function resolveRequest(auth: Authorization) {
  const { clients, consents, authorizations } = wiring.stores;
  const resolved = await resolveAuthorizationRequest(
    { params: auth.params, now: auth.now },
    { clients, consents, authorizations, issuer: wiring.config.issuer, fetchJwks: wiring.jwksFetch },
  );
  auth.client = resolved.client;
  auth.authorization = resolved.request;
}

async function beginLogin(auth: Authorization) {
  const login = await startLogin(
    { clientId: auth.client.clientId, clientName: auth.client.clientName, request: auth.authorization, now: auth.now },
    {
      authorizations: wiring.stores.authorizations,
      identityProvider: identityWiring.identityProvider,
      issuer: wiring.config.issuer,
    },
  );
  auth.request.log.info('login started', { clientId: auth.client.clientId, consentId: auth.authorization.consentId });
  auth.response = redirect(login.url, 303, { 'set-cookie': loginCookie(login.loginId, login.secret) });
}

export const handler = httpHandler({ errors: 'html' }, async (request) => {
  try {
    const auth = await runSteps({ request, now: systemClock() } as Authorization, [
      readParameters,
      resolveRequest,
      beginLogin,
    ]);
    return auth.response;
  } catch (error) {
    // Never redirect to an unverified redirect_uri: without a target the error page shows it to the customer.
    if (!(error instanceof AuthorizationRequestError) || !error.target) throw error;
    return redirect(
      authorizationResponseUrl(error.target, wiring.config.issuer, {
        error: error.error,
        error_description: error.description,
      }),
    );
  }
});
