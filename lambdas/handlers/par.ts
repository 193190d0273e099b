/**
 * POST /par (mTLS origin) — Pushed Authorization Requests (RFC 9126). The client authenticates like at
 * the token endpoint; the request (a signed request object, or plain parameters for FAPI 2.0 clients)
 * is validated now and stored under a one-time request_uri (`domain/journey/authorization-requests.ts`).
 * Every authorization request error is returned to the (authenticated) client as JSON.
 */
import { pushRequest } from '../domain/journey/authorization-requests';
import { InvalidRequest } from '../errors';
import { authenticateClientStep, type ClientCall } from '../http/client-steps';
import { httpHandler, json } from '../http/handler';
import { formBody } from '../http/request';
import { runSteps } from '../http/steps';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

function parseParameters(par: ClientCall) {
  par.params = formBody(par.request.event);
  if (par.params.has('request_uri')) throw new InvalidRequest('request_uri must not be pushed');
}

async function storeRequest(par: ClientCall) {
  const { authorizations, consents } = wiring.stores;
  const pushed = await pushRequest(
    { client: par.client, params: par.params, now: par.now },
    { authorizations, consents, issuer: wiring.config.issuer },
  );
  par.response = json(201, { request_uri: pushed.requestUri, expires_in: pushed.expiresIn });
}

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  const par = await runSteps({ request, now: systemClock() } as ClientCall, [
    parseParameters,
    authenticateClientStep,
    storeRequest,
  ]);
  return par.response;
});
