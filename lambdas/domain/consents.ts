/**
 * Open Banking UK account-access consents (v3.1): request validation (OBReadConsent1), the status
 * machine, and the OBReadConsentResponse1 view. Pure functions; persistence is the ConsentStore port.
 */
import { fieldError, ObError, type ObErrorDetail } from '../errors';
import * as z from '../validation';
import type { Consent } from './model';
import { newIdentifier } from './tokens';

export const PERMISSIONS = [
  'ReadAccountsBasic',
  'ReadAccountsDetail',
  'ReadBalances',
  'ReadBeneficiariesBasic',
  'ReadBeneficiariesDetail',
  'ReadDirectDebits',
  'ReadOffers',
  'ReadPAN',
  'ReadParty',
  'ReadPartyPSU',
  'ReadProducts',
  'ReadScheduledPaymentsBasic',
  'ReadScheduledPaymentsDetail',
  'ReadStandingOrdersBasic',
  'ReadStandingOrdersDetail',
  'ReadStatementsBasic',
  'ReadStatementsDetail',
  'ReadTransactionsBasic',
  'ReadTransactionsCredits',
  'ReadTransactionsDebits',
  'ReadTransactionsDetail',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** ISO 8601 date-time with an explicit zone, as OBUK requires. */
const isoDateTime = z.string().check(
  z.regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/,
    'must be an ISO 8601 date-time with a time zone',
  ),
  z.refine((s) => !Number.isNaN(Date.parse(s)), 'is not a valid date'),
);

const ReadConsentSchema = z.strictObject({
  Data: z.strictObject({
    Permissions: z.array(z.enum(PERMISSIONS)).check(z.minLength(1, 'must contain at least one permission')),
    ExpirationDateTime: z.optional(isoDateTime),
    TransactionFromDateTime: z.optional(isoDateTime),
    TransactionToDateTime: z.optional(isoDateTime),
  }),
  Risk: z.record(z.string(), z.unknown()),
});

export interface ConsentRequest {
  readonly permissions: Permission[];
  readonly expirationDateTime?: string;
  readonly transactionFromDateTime?: string;
  readonly transactionToDateTime?: string;
  readonly risk: Record<string, unknown>;
}

/** Validates an OBReadConsent1 body against the schema and the permission rules of OBUK v3.1: every problem at once. */
export function parseConsentRequest(body: unknown, now: Date): ConsentRequest {
  const parsed = z.validate(ReadConsentSchema, body, { subject: 'The request body' });
  if (!parsed.ok) throw ObError.fields('The consent request is invalid', parsed.problems);
  const { Data, Risk } = parsed.data;
  const permissions = [...new Set(Data.Permissions)];
  const has = (p: Permission) => permissions.includes(p);

  const wrong: ObErrorDetail[] = [];
  const rule = (path: string, text: string, errorCode = 'UK.OBIE.Field.Invalid') =>
    wrong.push(fieldError({ path, kind: 'invalid', message: `${path} ${text}` }, errorCode));
  if (!has('ReadAccountsBasic') && !has('ReadAccountsDetail')) {
    rule('Data.Permissions', 'must include ReadAccountsBasic or ReadAccountsDetail');
  }
  const transactionDetail = has('ReadTransactionsBasic') || has('ReadTransactionsDetail');
  const transactionDirection = has('ReadTransactionsCredits') || has('ReadTransactionsDebits');
  if (transactionDetail !== transactionDirection) {
    rule(
      'Data.Permissions',
      transactionDetail
        ? 'with ReadTransactionsBasic/Detail must include ReadTransactionsCredits or ReadTransactionsDebits'
        : 'with ReadTransactionsCredits/Debits must include ReadTransactionsBasic or ReadTransactionsDetail',
    );
  }
  if (Data.ExpirationDateTime && Date.parse(Data.ExpirationDateTime) <= now.getTime()) {
    rule('Data.ExpirationDateTime', 'must be in the future', 'UK.OBIE.Field.InvalidDate');
  }
  if (
    Data.TransactionFromDateTime &&
    Data.TransactionToDateTime &&
    Date.parse(Data.TransactionFromDateTime) > Date.parse(Data.TransactionToDateTime)
  ) {
    rule('Data.TransactionFromDateTime', 'must not be after Data.TransactionToDateTime', 'UK.OBIE.Field.InvalidDate');
  }
  if (wrong.length > 0) throw new ObError(400, 'The consent request is invalid', wrong);
  return {
    permissions,
    expirationDateTime: Data.ExpirationDateTime,
    transactionFromDateTime: Data.TransactionFromDateTime,
    transactionToDateTime: Data.TransactionToDateTime,
    risk: Risk,
  };
}

/** A new consent id: "aac-" + 128 random bits. */
export function newConsentId(): string {
  return `aac-${newIdentifier()}`;
}

export function newConsent(consentId: string, clientId: string, request: ConsentRequest, now: Date): Consent {
  const at = now.toISOString();
  return {
    consentId,
    clientId,
    status: 'AwaitingAuthorisation',
    permissions: request.permissions,
    expirationDateTime: request.expirationDateTime,
    transactionFromDateTime: request.transactionFromDateTime,
    transactionToDateTime: request.transactionToDateTime,
    creationDateTime: at,
    statusUpdateDateTime: at,
    risk: request.risk,
  };
}

/** True when the consent's ExpirationDateTime has passed. */
export function isExpired(consent: Pick<Consent, 'expirationDateTime'>, now: Date): boolean {
  return consent.expirationDateTime !== undefined && Date.parse(consent.expirationDateTime) <= now.getTime();
}

/** OBReadConsentResponse1. */
export function consentResponse(consent: Consent, selfUrl: string) {
  return {
    Data: {
      ConsentId: consent.consentId,
      Status: consent.status,
      CreationDateTime: consent.creationDateTime,
      StatusUpdateDateTime: consent.statusUpdateDateTime,
      Permissions: consent.permissions,
      ...(consent.expirationDateTime ? { ExpirationDateTime: consent.expirationDateTime } : {}),
      ...(consent.transactionFromDateTime ? { TransactionFromDateTime: consent.transactionFromDateTime } : {}),
      ...(consent.transactionToDateTime ? { TransactionToDateTime: consent.transactionToDateTime } : {}),
    },
    Risk: consent.risk,
    Links: { Self: selfUrl },
    Meta: { TotalPages: 1 },
  };
}
