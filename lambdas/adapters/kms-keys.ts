/**
 * KeyService on AWS KMS: JWS signatures and JWE key unwrapping happen inside KMS; only public keys leave it.
 * Public keys are fetched once per instance (the process-wide instance lives for a cold start) and give
 * the `kid`s as RFC 7638 thumbprints, so a kid changes exactly when the key does.
 */
import { createHash, createPublicKey } from 'node:crypto';
import {
  DecryptCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  type GetPublicKeyCommandOutput,
  type KMSClient,
  SignCommand,
  type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { derToJose } from '../domain/jose-signature';
import {
  type KeyService,
  type MacPurpose,
  SIGNING_PURPOSES,
  type SigningAlg,
  type SigningKeyIds,
  type SigningPurpose,
} from '../ports/keys';

export interface KmsKeyServiceOptions {
  readonly kms: KMSClient;
  /** The keys of each purpose this process signs for or publishes; a purpose left out cannot be used. */
  readonly signing: Partial<Record<SigningPurpose, SigningKeyIds>>;
  /** Key id, key ARN or alias of the RSA ENCRYPT_DECRYPT key for request-object JWE; absent = no JWE. */
  readonly encryptionKeyId?: string;
}

const KMS_SIGNING_ALGORITHM: Record<SigningAlg, SigningAlgorithmSpec> = {
  PS256: 'RSASSA_PSS_SHA_256',
  ES256: 'ECDSA_SHA_256',
};
const KMS_KEY_WRAPPING_ALGORITHM = 'RSAES_OAEP_SHA_256';
/** ES256 r and s are 32 bytes each. */
const P256_INTEGER_LENGTH = 32;

export function createKmsKeyService(options: KmsKeyServiceOptions): KeyService {
  const { kms, encryptionKeyId } = options;

  const signingJwk = (keyId: string, alg: SigningAlg) =>
    cachedUntilFailure(async () => {
      const key = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
      if (!key.SigningAlgorithms?.includes(KMS_SIGNING_ALGORITHM[alg])) {
        throw new Error(`KMS key ${keyId} (${key.KeySpec} ${key.KeyUsage}) cannot sign ${alg}`);
      }
      return publicJwk(key, { use: 'sig', alg });
    });
  const publishedJwk = (keyId: string) =>
    cachedUntilFailure(async () => {
      const key = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
      return publicJwk(key, { use: 'sig', alg: key.KeySpec === 'ECC_NIST_P256' ? 'ES256' : 'PS256' });
    });
  const purposes = new Map(
    (Object.entries(options.signing) as [SigningPurpose, SigningKeyIds][]).map(([purpose, ids]) => [
      purpose,
      {
        ...ids,
        active: signingJwk(ids.keyId, ids.alg),
        published: (ids.publishedKeyIds ?? []).map(publishedJwk),
      },
    ]),
  );
  const keysOf = (purpose: SigningPurpose) => {
    const keys = purposes.get(purpose);
    if (!keys) throw new Error(`No ${SIGNING_PURPOSES[purpose].description} signing key is configured`);
    return keys;
  };

  const encryptionJwk =
    encryptionKeyId === undefined
      ? undefined
      : cachedUntilFailure(async () => {
          const key = await kms.send(new GetPublicKeyCommand({ KeyId: encryptionKeyId }));
          if (!key.EncryptionAlgorithms?.includes(KMS_KEY_WRAPPING_ALGORITHM)) {
            throw new Error(`KMS key ${encryptionKeyId} (${key.KeySpec} ${key.KeyUsage}) cannot unwrap RSA-OAEP-256`);
          }
          return publicJwk(key, { use: 'enc', alg: 'RSA-OAEP-256' });
        });

  return {
    async signJws(purpose, payload, header = {}) {
      const { keyId, alg, active } = keysOf(purpose);
      const { kid } = await active();
      const { typ } = SIGNING_PURPOSES[purpose];
      // Object.assign keeps alg, kid and typ first in the header and lets nothing in `header` replace them.
      const protectedHeader = Object.assign({ alg, kid, typ }, header, { alg, kid, typ });
      const signingInput = `${base64url(JSON.stringify(protectedHeader))}.${base64url(payload)}`;
      // DIGEST: KMS limits RAW messages to 4 KiB; a digest signs any payload size in one call.
      const { Signature } = await kms.send(
        new SignCommand({
          KeyId: keyId,
          Message: createHash('sha256').update(signingInput).digest(),
          MessageType: 'DIGEST',
          SigningAlgorithm: KMS_SIGNING_ALGORITHM[alg],
        }),
      );
      if (!Signature) throw new Error('KMS Sign returned no signature');
      const signature = alg === 'ES256' ? derToJose(Signature, P256_INTEGER_LENGTH) : Signature;
      return `${signingInput}.${base64url(signature)}`;
    },

    async publicJwks(purpose) {
      const { active, published } = keysOf(purpose);
      const keys = await Promise.all([
        active(),
        ...published.map((jwk) => jwk()),
        ...(purpose === 'id-token' && encryptionJwk ? [encryptionJwk()] : []),
      ]);
      // Copies, so no caller can alter the cached keys.
      return { keys: keys.map((jwk) => ({ ...jwk })) };
    },

    async unwrapKey(encryptedKey) {
      if (encryptionKeyId === undefined) throw new Error('No JWE decryption key is configured');
      const { Plaintext } = await kms.send(
        new DecryptCommand({
          KeyId: encryptionKeyId,
          CiphertextBlob: encryptedKey,
          EncryptionAlgorithm: KMS_KEY_WRAPPING_ALGORITHM,
        }),
      );
      if (!Plaintext) throw new Error('KMS Decrypt returned no plaintext');
      return Plaintext;
    },
  };
}

/**
 * The working key of a MAC purpose, derived from its KMS HMAC key once per cold start (failures are not
 * kept): NIST SP 800-108r1 KDF in counter mode with HMAC-SHA-256 as the PRF, one 256-bit block:
 * PRF(K, [1]_32 || Label || 0x00 || Context || [256]_32). The KMS key never leaves KMS; rotating it (a new
 * key) changes the derived key.
 */
export function kmsDerivedMacKey(kms: KMSClient, keyId: string, purpose: MacPurpose): () => Promise<Uint8Array> {
  const u32 = (value: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value);
    return bytes;
  };
  const input = Buffer.concat([
    u32(1),
    Buffer.from(`bankgate/${purpose}`),
    Buffer.from([0]),
    Buffer.from('v1'),
    u32(256),
  ]);
  return cachedUntilFailure(async () => {
    const { Mac } = await kms.send(
      new GenerateMacCommand({ KeyId: keyId, MacAlgorithm: 'HMAC_SHA_256', Message: input }),
    );
    if (Mac?.length !== 32) throw new Error(`KMS GenerateMac returned no HMAC-SHA-256 value for ${keyId}`);
    return Mac;
  });
}

async function publicJwk(key: GetPublicKeyCommandOutput, extra: { use: 'sig' | 'enc'; alg: string }): Promise<JWK> {
  if (!key.PublicKey) throw new Error(`KMS GetPublicKey returned no public key for ${key.KeyId}`);
  const jwk = createPublicKey({ key: Buffer.from(key.PublicKey), format: 'der', type: 'spki' }).export({
    format: 'jwk',
  }) as JWK;
  return { ...jwk, kid: await calculateJwkThumbprint(jwk, 'sha256'), ...extra };
}

/** Memoises a lookup; a failed lookup is forgotten so a transient KMS error does not stick for the cold start. */
function cachedUntilFailure<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

function base64url(value: string | Uint8Array): string {
  return Buffer.from(value).toString('base64url');
}
