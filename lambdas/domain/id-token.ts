/**
 * OpenID Connect ID tokens, signed by the platform key through the KeyService port (the key stays in KMS).
 * Used by the token endpoint and by the hybrid `code id_token` front channel (detached-signature hashes).
 */
import { createHash } from 'node:crypto';
import type { KeyService } from '../ports/keys';

export const ID_TOKEN_TTL = 300;

/** OBUK claim telling the TPP when the refresh token stops working. */
export const REFRESH_TOKEN_EXPIRES_AT_CLAIM = 'http://openbanking.org.uk/refresh_token_expires_at';

export interface IdTokenInput {
  readonly issuer: string;
  /** `aud`. */
  readonly clientId: string;
  readonly subject: string;
  /** Epoch seconds: `iat`. */
  readonly now: number;
  /** Seconds until `exp`. @default 300 */
  readonly ttl?: number;
  /** Returned intact: FAPI requires nonces up to 64 characters (and longer ones are not cut). */
  readonly nonce?: string;
  /** Epoch seconds of the customer's authentication. */
  readonly authTime: number;
  readonly acr?: string;
  /** The Open Banking consent id: `openbanking_intent_id`. */
  readonly consentId?: string;
  /** Front channel (hybrid flow): `c_hash`. */
  readonly code?: string;
  /** Front channel (hybrid flow, FAPI 1.0 Advanced): `s_hash`. */
  readonly state?: string;
  /** Token endpoint: `at_hash`. */
  readonly accessToken?: string;
  /** Epoch seconds the refresh token expires at, when one was issued. */
  readonly refreshTokenExpiresAt?: number;
}

/**
 * OIDC Core §3.1.3.6 / §3.3.2.11 hash: base64url of the left-most half of the hash of the ASCII value.
 * The hash is the one of the ID token's `alg`; PS256 and ES256 both use SHA-256.
 */
export function halfHash(value: string): string {
  const digest = createHash('sha256').update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** The claim set, in the order a reader expects; absent inputs give absent claims. */
export function idTokenClaims(input: IdTokenInput): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    iss: input.issuer,
    sub: input.subject,
    aud: input.clientId,
    exp: input.now + (input.ttl ?? ID_TOKEN_TTL),
    iat: input.now,
    auth_time: input.authTime,
  };
  if (input.nonce !== undefined) claims.nonce = input.nonce;
  if (input.acr !== undefined) claims.acr = input.acr;
  if (input.consentId !== undefined) claims.openbanking_intent_id = input.consentId;
  if (input.code !== undefined) claims.c_hash = halfHash(input.code);
  if (input.state !== undefined) claims.s_hash = halfHash(input.state);
  if (input.accessToken !== undefined) claims.at_hash = halfHash(input.accessToken);
  if (input.refreshTokenExpiresAt !== undefined) claims[REFRESH_TOKEN_EXPIRES_AT_CLAIM] = input.refreshTokenExpiresAt;
  return claims;
}

/** A signed ID token: compact JWS with the ID-token key (`alg`, `kid` and `typ: JWT` come from the key service). */
export function mintIdToken(keys: Pick<KeyService, 'signJws'>, input: IdTokenInput): Promise<string> {
  return keys.signJws('id-token', new TextEncoder().encode(JSON.stringify(idTokenClaims(input))));
}
