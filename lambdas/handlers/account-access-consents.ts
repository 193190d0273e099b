/**
 * Open Banking UK account-access-consents (mTLS origin, client_credentials token with scope `accounts`):
 *   POST   /open-banking/v3.1/aisp/account-access-consents
 *   GET    /open-banking/v3.1/aisp/account-access-consents/{ConsentId}
 *   DELETE /open-banking/v3.1/aisp/account-access-consents/{ConsentId}
 * The use-cases are `domain/journey/account-access-consents.ts`.
 */
import { consentResponse } from '../domain/consents';
import { createConsent, ownConsent } from '../domain/journey/account-access-consents';
import type { Consent, TokenRecord } from '../domain/model';
import { revokeConsent } from '../domain/revocation';
import { ObError } from '../errors';
import { bearerStep } from '../http/bearer';
import { type HttpRequest, type HttpResponse, httpHandler, json, noContent } from '../http/handler';
import { metrics } from '../http/observability';
import { header, jsonBody, rawBody } from '../http/request';
import { runSteps, type Step } from '../http/steps';
import { Metric } from '../metric-names';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

const BASE_PATH = '/open-banking/v3.1/aisp/account-access-consents';

const selfUrl = (consentId: string) => `${wiring.config.mtlsBaseUrl}${BASE_PATH}/${encodeURIComponent(consentId)}`;

interface ConsentCall {
  readonly request: HttpRequest;
  readonly now: number;
  token: TokenRecord;
  consent: Consent;
  response: HttpResponse;
}

/** The TPP's client_credentials token: consents are managed by the TPP itself, not on a customer's behalf. */
function tppToken(call: ConsentCall) {
  if (call.token.subject !== undefined) {
    throw ObError.forbidden('UK.OBIE.Unauthorised', 'account-access-consents require a client_credentials token');
  }
}

const bearer = bearerStep('accounts');

function idempotencyKey(request: HttpRequest): string | undefined {
  const key = header(request.event, 'x-idempotency-key');
  if (key === undefined) return undefined;
  if (!/^[\x21-\x7e]{1,40}$/.test(key)) {
    throw ObError.field(
      'UK.OBIE.Header.Invalid',
      'x-idempotency-key must be 1-40 visible ASCII characters',
      'x-idempotency-key',
    );
  }
  return key;
}

async function create(call: ConsentCall) {
  const { request, token, now } = call;
  const key = idempotencyKey(request);
  const body = jsonBody(request.event);
  const { consent, created } = await createConsent(
    {
      clientId: token.clientId,
      body,
      idempotency: key === undefined ? undefined : { key, rawBody: rawBody(request.event) },
      now,
    },
    wiring.stores,
  );
  if (created) {
    metrics.addMetric(Metric.ConsentsCreated, 'Count', 1);
    request.log.info('consent created', { consentId: consent.consentId, clientId: token.clientId });
  }
  call.response = json(201, consentResponse(consent, selfUrl(consent.consentId)));
}

async function findOwnConsent(call: ConsentCall) {
  const consentId = call.request.event.pathParameters?.ConsentId ?? '';
  call.consent = await ownConsent(wiring.stores.consents, consentId, call.token.clientId);
}

function read(call: ConsentCall) {
  call.response = json(200, consentResponse(call.consent, selfUrl(call.consent.consentId)));
}

/**
 * Deletes (revokes) a consent: Revoked first, then every token of it swept, then 204 (`revokeConsent`).
 * Idempotent: repeating it re-sweeps the tokens, which also completes a sweep interrupted by a crash.
 */
async function revoke(call: ConsentCall) {
  const { ended, tokensRevoked } = await revokeConsent(wiring.stores, call.consent.consentId, call.now);
  if (ended) metrics.addMetric(Metric.ConsentsRevoked, 'Count', 1);
  call.request.log.info('consent deleted', { consentId: call.consent.consentId, tokensRevoked });
  call.response = noContent();
}

const methods: Record<string, readonly Step<ConsentCall>[]> = {
  POST: [bearer, tppToken, create],
  GET: [bearer, tppToken, findOwnConsent, read],
  DELETE: [bearer, tppToken, findOwnConsent, revoke],
};

export const handler = httpHandler({ errors: 'openbanking' }, async (request) => {
  const { httpMethod } = request.event;
  const steps = Object.hasOwn(methods, httpMethod) ? methods[httpMethod] : undefined;
  if (!steps) {
    throw new ObError(405, 'Method not allowed', [
      { ErrorCode: 'UK.OBIE.NotSupported', Message: 'Method not allowed' },
    ]);
  }
  const call = await runSteps({ request, now: systemClock() } as ConsentCall, steps);
  return call.response;
});
