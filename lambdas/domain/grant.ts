/** The one projection of a customer grant: from the consent, and from the record (code, token) that carries it. */
import type { Consent, Grant } from './model';

/** Consent ExpirationDateTime as epoch seconds (tokens are capped by it). */
export function consentExpiresAt(consent: Pick<Consent, 'expirationDateTime'>): number | undefined {
  return consent.expirationDateTime === undefined
    ? undefined
    : Math.floor(Date.parse(consent.expirationDateTime) / 1000);
}

/**
 * The grant as the consent stands: its accounts, permissions, scope groups, transaction window and expiry
 * on top of `base` (who, when, which grant). Without a consent (gateway scope groups only) the grant is `base`.
 * An expiry the consent does not have keeps the one of `base`.
 */
export function grantFromConsent(base: Grant, consent: Consent | undefined): Grant {
  if (!consent) return base;
  return {
    ...base,
    consentId: consent.consentId,
    accountIds: consent.accountIds,
    permissions: consent.permissions,
    grantedScopes: consent.grantedScopes,
    transactionFromDateTime: consent.transactionFromDateTime,
    transactionToDateTime: consent.transactionToDateTime,
    consentExpiresAt: consentExpiresAt(consent) ?? base.consentExpiresAt,
  };
}

/** The grant a code or token carries, without the record's own fields (a token copies only these). */
export function grantOf(record: Grant): Grant {
  return {
    grantId: record.grantId,
    subject: record.subject,
    authTime: record.authTime,
    acr: record.acr,
    consentId: record.consentId,
    accountIds: record.accountIds,
    permissions: record.permissions,
    grantedScopes: record.grantedScopes,
    transactionFromDateTime: record.transactionFromDateTime,
    transactionToDateTime: record.transactionToDateTime,
    consentExpiresAt: record.consentExpiresAt,
  };
}
