/** PKCE (RFC 7636) with S256, the only method FAPI allows. */
import { createHash } from 'node:crypto';
import { secretEquals } from '../tokens';

/** RFC 7636 §4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isWellFormedCodeVerifier(verifier: string): boolean {
  return CODE_VERIFIER.test(verifier);
}

/** BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge, compared in constant time. */
export function pkceMatches(verifier: string, codeChallenge: string): boolean {
  return secretEquals(createHash('sha256').update(verifier, 'ascii').digest('base64url'), codeChallenge);
}
