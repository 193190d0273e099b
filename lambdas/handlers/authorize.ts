/**
 * GET|POST /authorize (browser origin). Resolves the request (a pushed request_uri, or a signed request
 * object for FAPI 1.0 Advanced), checks the client, redirect_uri, PKCE and the consent, then starts the
 * customer's login at the bank's identity provider with a login session bound to an HttpOnly cookie.
 */

import { idpLoginParameters } from '../domain/authentication-requirements';
import {
  type AuthorizationRequest,
  LOGIN_TTL,
  type LoginSessionRecord,
  type PushedRequestRecord,
  REQUEST_URI_PREFIX,
} from '../domain/authorization';
import {
  authorizationResponseUrl,
  checkConsentForAuthorization,
  parseAuthorizationRequest,
  verifyRequestObject,
} from '../domain/authorization-request';
import type { Client } from '../domain/client';
import { hashSecret, newIdentifier, newOpaqueValue } from '../domain/tokens';
import { AuthorizationRequestError } from '../errors';
import { type HttpRequest, type HttpResponse, httpHandler, redirect } from '../http/handler';
import { loginCookie } from '../http/login-session';
import { formBody } from '../http/request';
import { runSteps } from '../http/steps';
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

async function identifyClient(auth: Authorization) {
  const clientId = auth.params.get('client_id');
  if (!clientId) throw new AuthorizationRequestError('invalid_request', 'client_id is required', false);
  const client = await wiring.stores.clients.get(clientId);
  if (!client) throw new AuthorizationRequestError('invalid_client', 'unknown client', false);
  auth.client = client;
}

/** Only pushed parameters or request-object claims count; outer query parameters are ignored. */
async function resolveRequest(auth: Authorization) {
  const requestUri = auth.params.get('request_uri');
  if (requestUri) {
    if (!requestUri.startsWith(REQUEST_URI_PREFIX))
      throw new AuthorizationRequestError('invalid_request_uri', 'request_uri is not a pushed request', false);
    const handle = requestUri.slice(REQUEST_URI_PREFIX.length);
    // Single use at the moment of authorization: one conditional write.
    const pushed = await wiring.stores.authorizations.consume<PushedRequestRecord>(
      `par:${hashSecret(handle)}`,
      auth.now,
    );
    if (!pushed.ok || pushed.record.clientId !== auth.client.clientId) {
      throw new AuthorizationRequestError(
        'invalid_request_uri',
        'request_uri is unknown, expired, already used or not for this client',
        false,
      );
    }
    auth.authorization = pushed.record.request;
    return;
  }
  if (auth.client.profile === 'fapi2') {
    throw new AuthorizationRequestError(
      'invalid_request',
      'this client must use pushed authorization requests (PAR)',
      false,
    );
  }
  const requestObject = auth.params.get('request');
  if (!requestObject)
    throw new AuthorizationRequestError('invalid_request', 'a signed request object is required', false);
  const claims = await verifyRequestObject(requestObject, auth.client, { issuer: wiring.config.issuer, now: auth.now });
  auth.authorization = parseAuthorizationRequest(claims, auth.client);
  // OIDC: the outer response_type and scope must match what the request object says.
  const outerType = auth.params.get('response_type');
  if (outerType !== undefined && outerType !== auth.authorization.responseType) {
    throw new AuthorizationRequestError('invalid_request', 'response_type differs from the request object', true);
  }
}

async function checkConsent(auth: Authorization) {
  const { consentId } = auth.authorization;
  const consent = consentId ? await wiring.stores.consents.get(consentId) : undefined;
  checkConsentForAuthorization(consent, auth.authorization, new Date(auth.now * 1000));
}

async function startLogin(auth: Authorization) {
  const { issuer } = wiring.config;
  const login = await wiring.identityProvider.startLogin({
    redirectUri: `${issuer}/login/callback`,
    ...idpLoginParameters(auth.authorization),
  });
  const loginId = newIdentifier();
  const secret = newOpaqueValue();
  const record: LoginSessionRecord = {
    id: `login:${loginId}`,
    kind: 'login',
    clientId: auth.client.clientId,
    status: 'authenticating',
    request: auth.authorization,
    sessionHash: hashSecret(secret),
    idp: { state: login.state, nonce: login.nonce, codeVerifier: login.codeVerifier },
    startedAt: auth.now,
    expiresAt: auth.now + LOGIN_TTL,
  };
  await wiring.stores.authorizations.put(record);
  auth.request.log.info('login started', { clientId: auth.client.clientId, consentId: auth.authorization.consentId });
  auth.response = redirect(login.url, 303, { 'set-cookie': loginCookie(loginId, secret) });
}

export const handler = httpHandler({ errors: 'html' }, async (request) => {
  const auth = { request, now: systemClock() } as Authorization;
  try {
    await runSteps(auth, [readParameters, identifyClient, resolveRequest, checkConsent, startLogin]);
    return auth.response;
  } catch (error) {
    if (!(error instanceof AuthorizationRequestError)) throw error;
    const target = error.target ?? (error.redirectable ? auth.authorization : undefined);
    // Never redirect to an unverified redirect_uri: the error page shows it to the customer instead.
    if (!target) throw error;
    const location = authorizationResponseUrl(target, wiring.config.issuer, {
      error: error.error,
      error_description: error.description,
    });
    return redirect(location);
  }
});
