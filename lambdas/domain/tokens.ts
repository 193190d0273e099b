/** Opaque tokens and codes: 256 bits of randomness, stored only as sha256 hashes. */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

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
