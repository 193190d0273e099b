/**
 * POST /par (mTLS origin) — Pushed Authorization Requests (RFC 9126). The client authenticates like at
 * the token endpoint; the request (a signed request object, or plain parameters for FAPI 2.0 clients)
 * is validated now and stored under a one-time request_uri (`domain/journey/authorization-requests.ts`).
 * Every authorization request error is returned to the (authenticated) client as JSON.
 *
 * Two store round trips: the client, the revocation list and the consent the parameters name are read at
 * once; then the request record and the assertion's jti claim are written at once.
 */
import { namedIntentId } from '../domain/authorization-request';
import { REPLAYED_ASSERTION } from '../domain/client-auth';
import { pushRequest } from '../domain/journey/authorization-requests';
import type { Consent } from '../domain/model';
import { InvalidClient, InvalidRequest } from '../errors';
import { authenticateDeferringClaimStep, claimUnusedAssertion, type DeferredClaimCall } from '../http/client-steps';
import { httpHandler, json } from '../http/handler';
import { formBody } from '../http/request';
import { runSteps } from '../http/steps';
import { systemClock } from '../ports/clock';
import type { AuthorizationStore, ConsentStore } from '../ports/store';
import { wiring } from '../wiring';

interface PushCall extends DeferredClaimCall {
  /** The consent the plain parameters name, read alongside the client. */
  named?: { readonly consentId: string; readonly consent: Promise<Consent | undefined> };
}

function parseParameters(par: PushCall) {
  par.params = formBody(par.request.event);
  if (par.params.has('request_uri')) throw new InvalidRequest('request_uri must not be pushed');
}

/**
 * Starts reading the consent the plain parameters name, alongside the client; it is used only once the client
 * is authenticated. A request object's claims are known only once it is verified: its consent is read then.
 */
function readNamedConsent(par: PushCall) {
  if (par.params.has('request')) return;
  const consentId = namedIntentId(Object.fromEntries(par.params));
  if (consentId === undefined) return;
  const consent = wiring.stores.consents.get(consentId);
  // Awaited by the consent check, or never when the request fails before it.
  consent.catch(() => undefined);
  par.named = { consentId, consent };
}

async function storeRequest(par: PushCall) {
  const { authorizations, consents, once } = wiring.stores;
  const { named, replayClaim, now } = par;
  const readConsents: ConsentStore = {
    ...consents,
    get: (consentId) => (named?.consentId === consentId ? named.consent : consents.get(consentId)),
  };
  // The jti claim beside the record: a replay's record is written but its request_uri never handed out.
  const writeWithClaim: AuthorizationStore = {
    ...authorizations,
    put: async (record) => {
      const [claimed] = await Promise.all([
        replayClaim ? once.claim(replayClaim, now) : true,
        authorizations.put(record),
      ]);
      if (!claimed) throw new InvalidClient(REPLAYED_ASSERTION);
    },
  };
  const pushed = await pushRequest(
    { client: par.client, params: par.params, now },
    {
      authorizations: writeWithClaim,
      consents: readConsents,
      issuer: wiring.config.issuer,
      fetchJwks: wiring.jwksFetch,
    },
  );
  par.response = json(201, { request_uri: pushed.requestUri, expires_in: pushed.expiresIn });
}

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  const par = { request, now: systemClock() } as PushCall;
  try {
    await runSteps(par, [parseParameters, readNamedConsent, authenticateDeferringClaimStep, storeRequest]);
  } catch (error) {
    await claimUnusedAssertion(par);
    throw error;
  }
  return par.response;
});
