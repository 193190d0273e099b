/** Opaque tokens and codes: 256 bits of randomness, stored only as sha256 hashes. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenRejection } from '../ports/store';

/** A new opaque value (access/refresh token, code, request_uri handle): 32 random bytes, base64url. */
export function newOpaqueValue(): string {
  return randomBytes(32).toString('base64url');
}

/** A new random identifier with 128 bits of entropy, base64url (22 chars). */
export function newIdentifier(): string {
  return randomBytes(16).toString('base64url');
}

/** The store key of a secret value: base64url(sha256(value)). The raw value is never stored. */
export function hashSecret(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** Constant-time equality for secrets of any length (compares fixed-length digests). */
export function secretEquals(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/** Constant-time check of a presented secret (cookie, login_state) against its stored hash. */
export function matchesHash(secret: string, storedHash: string | undefined): boolean {
  return storedHash !== undefined && secretEquals(hashSecret(secret), storedHash);
}

/** Why the token store refused a presented token, as the end of the error description. */
const REFUSAL_REASONS: Record<Exclude<TokenRejection, 'quota_exceeded'>, string> = {
  expired: 'has expired',
  revoked: 'has been revoked',
  certificate_mismatch: 'is bound to a different client certificate',
  unknown: 'is not valid',
};

/**
 * The one mapping from a refused token use to the caller's error: `quotaExceeded()` when its usage quota is
 * spent, else `invalid('<token> <reason>')`, `unknown` describing a token that is not known (or not usable).
 */
export function tokenRefusal<E>(
  reason: TokenRejection,
  errors: {
    readonly token: string;
    readonly unknown?: string;
    invalid(description: string): E;
    quotaExceeded(): E;
  },
): E {
  if (reason === 'quota_exceeded') return errors.quotaExceeded();
  if (reason === 'unknown' && errors.unknown !== undefined) return errors.invalid(errors.unknown);
  return errors.invalid(`${errors.token} ${REFUSAL_REASONS[reason]}`);
}
