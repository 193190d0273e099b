/**
 * Open Banking UK account-access-consents (mTLS origin, client_credentials token with scope `accounts`):
 *   POST   /open-banking/v3.1/aisp/account-access-consents
 *   GET    /open-banking/v3.1/aisp/account-access-consents/{ConsentId}
 *   DELETE /open-banking/v3.1/aisp/account-access-consents/{ConsentId}
 */
import { createHash } from 'node:crypto';
import { consentResponse, newConsent, newConsentId, parseConsentRequest } from '../domain/consents';
import type { Consent, TokenRecord } from '../domain/model';
import { ObError } from '../errors';
import { authorizeBearer } from '../http/bearer';
import { type HttpRequest, type HttpResponse, httpHandler, json, noContent } from '../http/handler';
import { metrics } from '../http/observability';
import { header, jsonBody, rawBody } from '../http/request';
import { Metric } from '../metric-names';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

const BASE_PATH = '/open-banking/v3.1/aisp/account-access-consents';
const IDEMPOTENCY_WINDOW = 24 * 3600;

const selfUrl = (consentId: string) => `${wiring.config.mtlsBaseUrl}${BASE_PATH}/${encodeURIComponent(consentId)}`;

/** The TPP's client_credentials token: consents are managed by the TPP itself, not on a customer's behalf. */
async function tppToken(request: HttpRequest, now: number): Promise<TokenRecord> {
  const token = await authorizeBearer(request, { tokens: wiring.stores.tokens, now }, 'accounts');
  if (token.subject !== undefined) {
    throw ObError.forbidden('UK.OBIE.Unauthorised', 'account-access-consents require a client_credentials token');
  }
  return token;
}

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

/**
 * Creates a consent. With `x-idempotency-key`, the key is recorded first (one conditional write names the
 * consent id), then the consent: a replay — concurrent or after a crash between the two writes — finds the
 * record and returns (or completes) the same consent, so exactly one consent exists per key.
 */
async function createConsent(request: HttpRequest): Promise<HttpResponse> {
  const now = systemClock();
  const token = await tppToken(request, now);
  const key = idempotencyKey(request);
  const consentRequest = parseConsentRequest(jsonBody(request.event), new Date(now * 1000));
  const { consents, once } = wiring.stores;

  let consentId = newConsentId();
  if (key !== undefined) {
    const requestHash = createHash('sha256').update(rawBody(request.event)).digest('base64url');
    const record = {
      key: { purpose: 'idempotency', clientId: token.clientId, value: key } as const,
      expiresAt: now + IDEMPOTENCY_WINDOW,
      data: { consentId, requestHash },
    };
    if (!(await once.claim(record, now))) {
      const existing = await once.get(record.key, now);
      if (existing?.data?.requestHash !== requestHash) {
        throw ObError.field(
          'UK.OBIE.Header.Invalid',
          'x-idempotency-key was already used with a different request body',
          'x-idempotency-key',
        );
      }
      consentId = existing.data.consentId as string;
      const replayed = await consents.get(consentId);
      if (replayed) return json(201, consentResponse(replayed, selfUrl(consentId)));
    }
  }

  const consent = newConsent(consentId, token.clientId, consentRequest, new Date(now * 1000));
  try {
    await consents.create(consent);
  } catch (error) {
    // A concurrent replay of the same idempotency key created it first: answer with that one.
    const winner = key !== undefined ? await consents.get(consentId) : undefined;
    if (!winner) throw error;
    return json(201, consentResponse(winner, selfUrl(consentId)));
  }
  metrics.addMetric(Metric.ConsentsCreated, 'Count', 1);
  request.log.info('consent created', { consentId, clientId: token.clientId });
  return json(201, consentResponse(consent, selfUrl(consentId)));
}

async function ownConsent(request: HttpRequest, clientId: string): Promise<Consent> {
  const consentId = request.event.pathParameters?.ConsentId ?? '';
  if (!/^[\w-]{1,128}$/.test(consentId))
    throw ObError.field('UK.OBIE.Field.Invalid', 'ConsentId is malformed', 'ConsentId');
  const consent = await wiring.stores.consents.get(consentId);
  if (!consent) throw ObError.notFound('Consent not found');
  if (consent.clientId !== clientId) {
    throw ObError.forbidden('UK.OBIE.Resource.ConsentMismatch', 'The consent belongs to another client');
  }
  return consent;
}

async function readConsent(request: HttpRequest): Promise<HttpResponse> {
  const token = await tppToken(request, systemClock());
  const consent = await ownConsent(request, token.clientId);
  return json(200, consentResponse(consent, selfUrl(consent.consentId)));
}

/**
 * Deletes (revokes) a consent and makes its tokens inactive at once. Idempotent: repeating it re-sweeps
 * the tokens, which also completes a sweep interrupted by a crash.
 */
async function deleteConsent(request: HttpRequest): Promise<HttpResponse> {
  const now = systemClock();
  const token = await tppToken(request, now);
  const consent = await ownConsent(request, token.clientId);
  const { consents, tokens } = wiring.stores;
  if (consent.status === 'AwaitingAuthorisation' || consent.status === 'Authorised') {
    const revoked = await consents.transition(consent.consentId, [consent.status], {
      status: 'Revoked',
      statusUpdateDateTime: new Date(now * 1000).toISOString(),
    });
    if (revoked) metrics.addMetric(Metric.ConsentsRevoked, 'Count', 1);
  }
  const tokensRevoked = await tokens.revokeByConsent(consent.consentId);
  request.log.info('consent deleted', { consentId: consent.consentId, tokensRevoked });
  return noContent();
}

export const handler = httpHandler({ errors: 'openbanking' }, async (request) => {
  switch (request.event.httpMethod) {
    case 'POST':
      return createConsent(request);
    case 'GET':
      return readConsent(request);
    case 'DELETE':
      return deleteConsent(request);
    default:
      throw new ObError(405, 'Method not allowed', [
        { ErrorCode: 'UK.OBIE.NotSupported', Message: 'Method not allowed' },
      ]);
  }
});
