/**
 * The certificate revocation list's administration use-cases (mTLS admin API; the admin console can call
 * the same ones). Listing a certificate is step 1 of `domain/revocation.ts` — issuance ConditionChecks the
 * lookup item it writes — and the tokens bound to the certificate are swept before the use-case returns.
 */
import { InvalidRequest } from '../../errors';
import { ConflictingChange } from '../../ports/admin';
import type { CertificateRevocationList } from '../../ports/certificate-revocation';
import type { TokenStore } from '../../ports/store';
import * as z from '../../validation';
import {
  canonicalSerial,
  REVOCATION_REASONS,
  type RevokedCertificate,
  type RevokedCertificateRef,
  revocationKey,
} from '../certificate-revocation';
import { parseDn } from '../dn';
import { revokeCertificateTokens } from '../revocation';
import { type AdminCommand, ChangeConflict, notFound } from './changes';
import { parseBody } from './records';

export interface RevokedCertificateDeps {
  readonly revokedCertificates: CertificateRevocationList;
  readonly tokens: TokenStore;
}

const ENTRY_ID = /^[A-Za-z0-9._-]{1,64}$/;

const isDistinguishedName = (dn: string) => {
  try {
    return parseDn(dn).length > 0;
  } catch {
    return false;
  }
};

/** Wire form of an entry: one certificate, by thumbprint or by issuer DN + serial number, and the reason. */
export const RevokedCertificateBody = z.strictObject({
  thumbprint: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url SHA-256 thumbprint'))),
  issuer_dn: z.optional(
    z
      .string()
      .check(
        z.maxLength(1024),
        z.refine(isDistinguishedName, 'must be a distinguished name (RFC 4514, most specific RDN first)'),
      ),
  ),
  serial_number: z.optional(
    z
      .string()
      .check(z.refine((serial) => canonicalSerial(serial) !== undefined, 'must be a hexadecimal serial number')),
  ),
  reason: z.enum(REVOCATION_REASONS),
});
export type RevokedCertificateBody = z.output<typeof RevokedCertificateBody>;

export const revokedCertificateRecord = (entry: RevokedCertificate) => ({
  entry_id: entry.entryId,
  ...('thumbprint' in entry.certificate
    ? { thumbprint: entry.certificate.thumbprint }
    : { issuer_dn: entry.certificate.issuerDn, serial_number: entry.certificate.serialNumber }),
  reason: entry.reason,
  revoked_by: entry.revokedBy,
  revoked_at: entry.revokedAt,
});

export const parseRevokedCertificateBody = (body: unknown) => parseBody(body, RevokedCertificateBody);

function certificateOf(body: RevokedCertificateBody): RevokedCertificateRef {
  const byIssuer = body.issuer_dn !== undefined || body.serial_number !== undefined;
  if (body.thumbprint !== undefined && !byIssuer) return { thumbprint: body.thumbprint };
  if (body.thumbprint === undefined && body.issuer_dn !== undefined && body.serial_number !== undefined) {
    return { issuerDn: body.issuer_dn, serialNumber: canonicalSerial(body.serial_number)! };
  }
  throw new InvalidRequest('give either thumbprint, or issuer_dn and serial_number');
}

function entryIdOf(entryId: string): string {
  if (!ENTRY_ID.test(entryId)) throw new InvalidRequest('entryId must be 1-64 characters of A-Z a-z 0-9 . _ -');
  return entryId;
}

/** A lost race, or another entry in force already lists the certificate: nothing was written. */
async function committed(entity: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (error instanceof ConflictingChange) throw new ChangeConflict(entity);
    throw error;
  }
}

export async function listRevokedCertificates(deps: RevokedCertificateDeps) {
  return { entries: (await deps.revokedCertificates.list()).map(revokedCertificateRecord) };
}

export async function readRevokedCertificate(deps: RevokedCertificateDeps, entryId: string) {
  const current = await deps.revokedCertificates.get(entryIdOf(entryId));
  if (!current || current.value.lifted) throw notFound(`revocation entry ${entryId}`);
  return revokedCertificateRecord(current.value);
}

/**
 * Lists (or re-lists) a certificate as revoked with its audit record, then revokes every token bound to it
 * before returning: from the answer on, the certificate gets invalid_client and its tokens are refused.
 */
export async function putRevokedCertificate(
  deps: RevokedCertificateDeps,
  command: AdminCommand,
  entryId: string,
  body: RevokedCertificateBody,
) {
  const entity = `certificate:${entryIdOf(entryId)}`;
  const current = await deps.revokedCertificates.get(entryId);
  const inForce = current && !current.value.lifted ? current.value : undefined;
  if (command.ifVersion !== undefined && command.ifVersion !== current?.version) throw new ChangeConflict(entity);
  const entry: RevokedCertificate = {
    entryId,
    certificate: certificateOf(body),
    reason: body.reason,
    revokedBy: command.actor,
    revokedAt: command.at,
  };
  await committed(entity, () =>
    deps.revokedCertificates.put(entry, current, {
      entity,
      at: command.at,
      actor: command.actor,
      action: inForce ? 'revocation.replace' : 'revocation.create',
      before: inForce ? revokedCertificateRecord(inForce) : null,
      after: revokedCertificateRecord(entry),
    }),
  );
  const tokensRevoked = await revokeCertificateTokens(deps, revocationKey(entry.certificate));
  return { created: !inForce, value: { ...revokedCertificateRecord(entry), tokens_revoked: tokensRevoked } };
}

/** Lifts an entry (kept as a record): the certificate is accepted again; its revoked tokens stay revoked. */
export async function liftRevokedCertificate(deps: RevokedCertificateDeps, command: AdminCommand, entryId: string) {
  const entity = `certificate:${entryIdOf(entryId)}`;
  const current = await deps.revokedCertificates.get(entryId);
  if (!current || current.value.lifted) throw notFound(`revocation entry ${entryId}`);
  if (command.ifVersion !== undefined && command.ifVersion !== current.version) throw new ChangeConflict(entity);
  await committed(entity, () =>
    deps.revokedCertificates.remove(
      current,
      { by: command.actor, at: command.at },
      {
        entity,
        at: command.at,
        actor: command.actor,
        action: 'revocation.lift',
        before: revokedCertificateRecord(current.value),
        after: null,
      },
    ),
  );
}
