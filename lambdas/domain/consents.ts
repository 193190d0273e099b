/**
 * Open Banking UK account-access consents (v3.1): request validation (OBReadConsent1), the status
 * machine, and the OBReadConsentResponse1 view. Pure functions; persistence is the ConsentStore port.
 */
import { ObError } from '../errors';
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

const MAX_PATH = 200;

/** Validates an OBReadConsent1 body against the schema and the permission rules of OBUK v3.1. */
export function parseConsentRequest(body: unknown, now: Date): ConsentRequest {
  const parsed = ReadConsentSchema.safeParse(body);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => {
      const path = issue.path.join('.').slice(0, MAX_PATH);
      const missing = issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined;
      const unexpected = issue.code === 'unrecognized_keys';
      return {
        ErrorCode: missing
          ? 'UK.OBIE.Field.Missing'
          : unexpected
            ? 'UK.OBIE.Field.Unexpected'
            : 'UK.OBIE.Field.Invalid',
        Message: unexpected ? `${issue.message}` : `${path || 'body'}: ${issue.message}`,
        Path: path || undefined,
      };
    });
    throw new ObError(400, 'The consent request is invalid', errors);
  }
  const { Data, Risk } = parsed.data;
  const permissions = [...new Set(Data.Permissions)];
  const has = (p: Permission) => permissions.includes(p);

  if (!has('ReadAccountsBasic') && !has('ReadAccountsDetail')) {
    throw ObError.field(
      'UK.OBIE.Field.Invalid',
      'Permissions must include ReadAccountsBasic or ReadAccountsDetail',
      'Data.Permissions',
    );
  }
  const transactionDetail = has('ReadTransactionsBasic') || has('ReadTransactionsDetail');
  const transactionDirection = has('ReadTransactionsCredits') || has('ReadTransactionsDebits');
  if (transactionDetail !== transactionDirection) {
    throw ObError.field(
      'UK.OBIE.Field.Invalid',
      transactionDetail
        ? 'ReadTransactionsBasic/Detail requires ReadTransactionsCredits or ReadTransactionsDebits'
        : 'ReadTransactionsCredits/Debits requires ReadTransactionsBasic or ReadTransactionsDetail',
      'Data.Permissions',
    );
  }
  if (Data.ExpirationDateTime && Date.parse(Data.ExpirationDateTime) <= now.getTime()) {
    throw ObError.field(
      'UK.OBIE.Field.InvalidDate',
      'ExpirationDateTime must be in the future',
      'Data.ExpirationDateTime',
    );
  }
  if (
    Data.TransactionFromDateTime &&
    Data.TransactionToDateTime &&
    Date.parse(Data.TransactionFromDateTime) > Date.parse(Data.TransactionToDateTime)
  ) {
    throw ObError.field(
      'UK.OBIE.Field.InvalidDate',
      'TransactionFromDateTime must not be after TransactionToDateTime',
      'Data.TransactionFromDateTime',
    );
  }
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
