/** The tenant's certificate revocation list (entries managed by the admin API, each change audited). */
import type { RevokedCertificate } from '../domain/certificate-revocation';
import type { AuditEntry, Versioned } from './admin';
import type { CertificateKeys } from './store';

export interface CertificateRevocationList {
  /** Strongly consistent: is the certificate listed under either of its keys? */
  isRevoked(keys: CertificateKeys): Promise<boolean>;
  /** The entries in force. */
  list(): Promise<RevokedCertificate[]>;
  /** An entry, also a lifted one (its version is what a new PUT must find). */
  get(entryId: string): Promise<Versioned<RevokedCertificate> | undefined>;
  /**
   * Writes the entry, its lookup item and the audit entry in one transaction, on condition that the entry
   * is still as `current` was read (undefined: new) and no other entry lists the certificate.
   * ConflictingChange if not; nothing is written then.
   */
  put(entry: RevokedCertificate, current: Versioned<RevokedCertificate> | undefined, audit: AuditEntry): Promise<void>;
  /** Lifts an entry in force (kept, marked `lifted`) with the audit entry, in one transaction (ConflictingChange as above). */
  remove(
    current: Versioned<RevokedCertificate>,
    lifted: NonNullable<RevokedCertificate['lifted']>,
    audit: AuditEntry,
  ): Promise<void>;
}
