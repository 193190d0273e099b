/**
 * The tenant's certificate revocation list. API Gateway's mTLS checks the truststore but not CRLs or OCSP,
 * so the bank lists revoked client certificates here, by `x5t#S256` thumbprint or by issuer DN + serial
 * number (RFC 5280 §5.3.1 reasons). Each entry has one lookup key; the presented certificate has one of
 * each kind. Client authentication reads them; token issuance ConditionChecks them; listing a certificate
 * sweeps the tokens bound to it (their collections carry the same keys).
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../ports/admin';
import type { CertificateKeys } from '../ports/store';
import { certificateIdentity } from './certificate';
import type { ClientCertificate } from './client-auth';
import { type DistinguishedName, parseDn } from './dn';

/** RFC 5280 §5.3.1 CRLReason, without removeFromCRL (an entry is removed by deleting it). */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
] as const;

export type RevocationReason = (typeof REVOCATION_REASONS)[number];

/** Which certificate an entry revokes. */
export type RevokedCertificateRef =
  | { readonly thumbprint: string }
  | { readonly issuerDn: string; readonly serialNumber: string };

export interface RevokedCertificate {
  readonly entryId: string;
  readonly certificate: RevokedCertificateRef;
  readonly reason: RevocationReason;
  /** Who listed it (the admin client, or a staff member) and when (ISO 8601). */
  readonly revokedBy: Actor;
  readonly revokedAt: string;
  /** Set when an administrator removed the entry (kept as a record; the certificate is accepted again). */
  readonly lifted?: { readonly by: Actor; readonly at: string };
}

/** A serial number as lower-case hex without leading zeros or separators; undefined when it is not hex. */
export function canonicalSerial(serial: string): string | undefined {
  const hex = serial.replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]{1,80}$/.test(hex)) return undefined;
  return hex.replace(/^0+(?=.)/, '');
}

const thumbprintKey = (thumbprint: string) => `x5t#S256:${thumbprint}`;

/**
 * Issuer + serial, the issuer by the hash of its structure (RDNs in DER order, each a sorted set of
 * (type OID, RFC 4518-prepared value)): equal names (`dnEquals`) give equal keys, however either was spelled.
 */
function issuerSerialKey(issuer: DistinguishedName, serial: string): string {
  const structure = JSON.stringify(issuer.map((rdn) => rdn.map((ava) => [ava.type, ava.value, ava.ber === true])));
  const hash = createHash('sha256').update(structure, 'utf8').digest('base64url');
  return `issuer-serial:${hash}:${canonicalSerial(serial) ?? serial}`;
}

/** The lookup key of an entry (its issuer DN is validated by `parseDn` on input). */
export function revocationKey(ref: RevokedCertificateRef): string {
  return 'thumbprint' in ref ? thumbprintKey(ref.thumbprint) : issuerSerialKey(parseDn(ref.issuerDn), ref.serialNumber);
}

/**
 * Both lookup keys of a presented certificate: its thumbprint, and its issuer and serial number read from
 * the DER (`certificate.ts`). A certificate that does not parse has no issuer key that any entry could match.
 */
export function presentedCertificateKeys(certificate: ClientCertificate): CertificateKeys {
  const identity = certificateIdentity(certificate.pem);
  return {
    thumbprint: thumbprintKey(certificate.thumbprint),
    issuerSerial: identity ? issuerSerialKey(identity.issuer, identity.serialNumber) : 'issuer-serial:unparsed',
  };
}
