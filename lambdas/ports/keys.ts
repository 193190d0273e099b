/**
 * Keys port: the platform's private keys never leave KMS. The KMS adapter implements it with
 * @aws-sdk/client-kms (AWS KMS in production, the sandbox's KMS-compatible endpoint locally).
 *
 * One key, one purpose (RFC 8725 §3.11-3.12): each kind of signature has its own KMS key (own `kid`), its
 * own explicit `typ` and its own published key set, so a signature made for one purpose never verifies
 * for another (a gateway response JWS over upstream JSON is not an ID token for any key set that
 * verifies ID tokens).
 */
import type { JWK } from 'jose';

export type SigningAlg = 'PS256' | 'ES256';

/** What a signature is for; names the KMS key, its environment variables and its JWKS. */
export type SigningPurpose = 'id-token' | 'gateway-response' | 'upstream-caller';

export interface SigningPurposeDefinition {
  /** `typ` of every JWS of this purpose, set by the key service. */
  readonly typ: string;
  /** Path (on the issuer origin) of the key set that verifies this purpose; `jwks_uri` for ID tokens. */
  readonly jwksPath: string;
  /** Infix of its environment variables: `BANKGATE_<env>_KEY_ID`, `BANKGATE_PUBLISHED_<env>_KEY_IDS`. */
  readonly env: string;
  readonly description: string;
}

export const SIGNING_PURPOSES: Readonly<Record<SigningPurpose, SigningPurposeDefinition>> = {
  // OIDC Core ID tokens: `typ: JWT`, which every relying-party library accepts.
  'id-token': { typ: 'JWT', jwksPath: '/jwks', env: 'ID_TOKEN', description: 'ID tokens' },
  // Open Banking UK message signing (x-jws-signature, and the signed response body) requires `typ: JOSE`.
  'gateway-response': {
    typ: 'JOSE',
    jwksPath: '/jwks/gateway-responses',
    env: 'GATEWAY_RESPONSE',
    description: 'gateway response JWS',
  },
  'upstream-caller': {
    typ: 'bankgate-caller+jwt',
    jwksPath: '/jwks/upstream-callers',
    env: 'UPSTREAM_CALLER',
    description: 'upstream caller assertion',
  },
};

export const SIGNING_PURPOSE_NAMES = Object.keys(SIGNING_PURPOSES) as SigningPurpose[];

/** The KMS keys of one signing purpose. */
export interface SigningKeyIds {
  /** Key id, key ARN or alias of the asymmetric SIGN_VERIFY key that signs now. */
  readonly keyId: string;
  readonly alg: SigningAlg;
  /**
   * Other keys of the same purpose whose public keys stay in its JWKS while a rotation overlaps (the next
   * key before it becomes active, the previous one until what it signed has expired). Never used to sign.
   */
  readonly publishedKeyIds?: readonly string[];
}

export interface KeyService {
  /**
   * Signs a compact JWS with the key of `purpose`. `alg`, `kid` and `typ` are set by the key service;
   * `header` adds the rest of the protected header (cty, crit, ...).
   */
  signJws(purpose: SigningPurpose, payload: Uint8Array, header?: Record<string, unknown>): Promise<string>;
  /**
   * The key set that verifies `purpose` (`use: sig` with its `alg`, the active key and any key of a rotation
   * overlap); the ID-token set (`jwks_uri`) also carries the request-object encryption key (`use: enc`).
   */
  publicJwks(purpose: SigningPurpose): Promise<{ keys: JWK[] }>;
  /** Unwraps a JWE content-encryption key (RSA-OAEP-256) with the platform decryption key. */
  unwrapKey(encryptedKey: Uint8Array): Promise<Uint8Array>;
}

/**
 * What a MAC key is for: values Bankgate hands out and must recognise unchanged (one key, one purpose).
 * Each is a KMS HMAC_256 key (GENERATE_VERIFY_MAC) that never leaves KMS; a function derives its working key
 * from it once per cold start (NIST SP 800-108 KDF in counter mode, KMS's HMAC-SHA-256 as the PRF, the purpose
 * as the label), so a request costs no KMS call and every instance derives the same key.
 */
export type MacPurpose = 'paging-cursor';

export const MAC_PURPOSES: Readonly<Record<MacPurpose, { readonly env: string; readonly description: string }>> = {
  'paging-cursor': { env: 'PAGING_CURSOR', description: 'transaction paging cursors' },
};

export const MAC_PURPOSE_NAMES = Object.keys(MAC_PURPOSES) as MacPurpose[];
