/**
 * Keys port: the platform's private keys never leave KMS. The KMS adapter implements it with
 * @aws-sdk/client-kms (AWS KMS in production, the sandbox's KMS-compatible endpoint locally).
 */
import type { JWK } from 'jose';

export type SigningAlg = 'PS256' | 'ES256';

export interface KeyService {
  readonly signingAlg: SigningAlg;
  /**
   * Signs a compact JWS with the platform signing key. `alg` and `kid` are set by the key service;
   * `header` adds the rest of the protected header (typ, crit, ...).
   */
  signJws(payload: Uint8Array, header?: Record<string, unknown>): Promise<string>;
  /** Public keys for the JWKS endpoint: the signing key (`use: sig`) and the JWE key (`use: enc`). */
  publicJwks(): Promise<{ keys: JWK[] }>;
  /** Unwraps a JWE content-encryption key (RSA-OAEP-256) with the platform decryption key. */
  unwrapKey(encryptedKey: Uint8Array): Promise<Uint8Array>;
}
