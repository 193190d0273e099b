/**
 * POST /par (mTLS origin) — Pushed Authorization Requests (RFC 9126). The client authenticates like at
 * the token endpoint; the request (a signed request object, or plain parameters for FAPI 2.0 clients)
 * is validated now and stored under a one-time request_uri.
 */

import { PAR_TTL, type PushedRequestRecord, REQUEST_URI_PREFIX } from '../domain/authorization';
import {
  checkConsentForAuthorization,
  parseAuthorizationRequest,
  verifyRequestObject,
} from '../domain/authorization-request';
import { type Client, requiresSignedRequestObject } from '../domain/client';
import { hashSecret, newOpaqueValue } from '../domain/tokens';
import { InvalidRequest, OAuthError } from '../errors';
import { authenticateRequestClient } from '../http/authenticate-client';
import { type HttpRequest, type HttpResponse, httpHandler, json } from '../http/handler';
import { formBody } from '../http/request';
import { runSteps } from '../http/steps';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

/** Parameters that authenticate the client, not part of the authorization request. */
const CLIENT_AUTH_PARAMS = new Set(['client_assertion', 'client_assertion_type', 'client_secret']);

interface PushedRequest {
  readonly request: HttpRequest;
  readonly now: number;
  params: Map<string, string>;
  client: Client;
  authorization: Record<string, unknown>;
  response: HttpResponse;
}

function parseParameters(par: PushedRequest) {
  par.params = formBody(par.request.event);
  if (par.params.has('request_uri')) throw new InvalidRequest('request_uri must not be pushed');
}

async function authenticate(par: PushedRequest) {
  par.client = await authenticateRequestClient(par.request, par.params, par.now);
}

/** Only the request object's claims count when one is pushed; FAPI 1.0 Advanced clients must push one. */
async function collectAuthorizationParameters(par: PushedRequest) {
  const requestObject = par.params.get('request');
  if (requestObject) {
    par.authorization = await verifyRequestObject(requestObject, par.client, {
      issuer: wiring.config.issuer,
      now: par.now,
    });
  } else if (requiresSignedRequestObject(par.client)) {
    throw new OAuthError('invalid_request', 'a signed request object is required for this client');
  } else {
    par.authorization = Object.fromEntries([...par.params].filter(([k]) => !CLIENT_AUTH_PARAMS.has(k)));
  }
  const outerClientId = par.params.get('client_id');
  if (outerClientId !== undefined && outerClientId !== par.client.clientId) {
    throw new InvalidRequest('client_id does not match the authenticated client');
  }
}

async function storeRequest(par: PushedRequest) {
  const authorization = parseAuthorizationRequest(par.authorization, par.client);
  const consent = authorization.consentId ? await wiring.stores.consents.get(authorization.consentId) : undefined;
  checkConsentForAuthorization(consent, authorization, new Date(par.now * 1000));

  const handle = newOpaqueValue();
  const record: PushedRequestRecord = {
    id: `par:${hashSecret(handle)}`,
    kind: 'par',
    clientId: par.client.clientId,
    request: authorization,
    used: false,
    expiresAt: par.now + PAR_TTL,
  };
  await wiring.stores.authorizations.put(record);
  par.response = json(201, { request_uri: `${REQUEST_URI_PREFIX}${handle}`, expires_in: PAR_TTL });
}

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  // At PAR every authorization request error is returned to the (authenticated) client as JSON.
  const par = await runSteps({ request, now: systemClock() } as PushedRequest, [
    parseParameters,
    authenticate,
    collectAuthorizationParameters,
    storeRequest,
  ]);
  return par.response;
});
