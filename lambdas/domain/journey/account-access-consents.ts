/**
 * The TPP's side of an Open Banking UK account-access consent: create it (idempotently per
 * `x-idempotency-key`) and read its own. Deleting (revoking) it is `revokeConsent` of `domain/revocation.ts`,
 * the one revocation mechanism.
 */
import { ObError } from '../../errors';
import type { ConsentStore, OnceStore } from '../../ports/store';
import { newConsent, newConsentId, parseConsentRequest } from '../consents';
import type { Consent } from '../model';
import { hashSecret } from '../tokens';

const IDEMPOTENCY_WINDOW = 24 * 3600;

export interface CreateConsentInput {
  readonly clientId: string;
  /** The parsed JSON body (OBReadConsent1). */
  readonly body: unknown;
  /** With an idempotency key: the key and the raw body it was sent with. */
  readonly idempotency?: { readonly key: string; readonly rawBody: string };
  readonly now: number;
}

/**
 * Creates a consent. With an idempotency key, the key is recorded first (one conditional write names the
 * consent id), then the consent: a replay — concurrent or after a crash between the two writes — finds the
 * record and returns (or completes) the same consent, so exactly one consent exists per key.
 * `created` is false when an earlier request's consent is returned.
 */
export async function createConsent(
  input: CreateConsentInput,
  deps: { readonly consents: ConsentStore; readonly once: OnceStore },
): Promise<{ readonly consent: Consent; readonly created: boolean }> {
  const { clientId, idempotency, now } = input;
  const consentRequest = parseConsentRequest(input.body, new Date(now * 1000));
  const { consents, once } = deps;

  let consentId = newConsentId();
  if (idempotency !== undefined) {
    const requestHash = hashSecret(idempotency.rawBody);
    const record = {
      key: { purpose: 'idempotency', clientId, value: idempotency.key } as const,
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
      if (replayed) return { consent: replayed, created: false };
    }
  }

  const consent = newConsent(consentId, clientId, consentRequest, new Date(now * 1000));
  try {
    await consents.create(consent);
  } catch (error) {
    // A concurrent replay of the same idempotency key created it first: answer with that one.
    const winner = idempotency !== undefined ? await consents.get(consentId) : undefined;
    if (!winner) throw error;
    return { consent: winner, created: false };
  }
  return { consent, created: true };
}

/** The client's own consent, by the id in the path. */
export async function ownConsent(consents: ConsentStore, consentId: string, clientId: string): Promise<Consent> {
  if (!/^[\w-]{1,128}$/.test(consentId))
    throw ObError.field('UK.OBIE.Field.Invalid', 'ConsentId is malformed', 'ConsentId');
  const consent = await consents.get(consentId);
  if (!consent) throw ObError.notFound('Consent not found');
  if (consent.clientId !== clientId) {
    throw ObError.forbidden('UK.OBIE.Resource.ConsentMismatch', 'The consent belongs to another client');
  }
  return consent;
}
