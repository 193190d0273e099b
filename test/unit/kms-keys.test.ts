import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  DecryptCommand,
  GetPublicKeyCommand,
  type GetPublicKeyCommandOutput,
  KMSClient,
  NotFoundException,
  SignCommand,
  type SigningAlgorithmSpec,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, type JWK } from 'jose';
import { createKmsKeyService } from '../../lambdas/adapters/kms-keys';
import { signDigest } from '../../sandbox/kms/digest-signing';

const SIGNING_KEY = 'alias/test-signing';
const ENCRYPTION_KEY = 'alias/test-encryption';

const rsaSigning = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ecSigning = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaEncryption = generateKeyPairSync('rsa', { modulusLength: 2048 });

const kms = new KMSClient({ region: 'eu-west-2' });
const kmsMock = mockClient(kms);

const spki = (key: KeyObject) => new Uint8Array(key.export({ format: 'der', type: 'spki' }));
const jwkOf = (key: KeyObject) => key.export({ format: 'jwk' }) as JWK;

/** GetPublicKey's answer for the signing key. */
function signingPublicKey(
  publicKey: KeyObject,
  algorithm: SigningAlgorithmSpec,
): Omit<GetPublicKeyCommandOutput, '$metadata'> {
  const ec = algorithm === 'ECDSA_SHA_256';
  return {
    KeyId: 'arn:aws:kms:eu-west-2:000000000000:key/signing',
    PublicKey: spki(publicKey),
    KeySpec: ec ? 'ECC_NIST_P256' : 'RSA_2048',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ec ? ['ECDSA_SHA_256'] : ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'],
  };
}

/** KMS as the adapter sees it: GetPublicKey for both keys and Sign over a digest with the given private key. */
function fakeKms(signing: { privateKey: KeyObject; publicKey: KeyObject }, algorithm: SigningAlgorithmSpec) {
  kmsMock.on(GetPublicKeyCommand, { KeyId: SIGNING_KEY }).resolves(signingPublicKey(signing.publicKey, algorithm));
  kmsMock.on(GetPublicKeyCommand, { KeyId: ENCRYPTION_KEY }).resolves({
    KeyId: 'arn:aws:kms:eu-west-2:000000000000:key/encryption',
    PublicKey: spki(rsaEncryption.publicKey),
    KeySpec: 'RSA_2048',
    KeyUsage: 'ENCRYPT_DECRYPT',
    EncryptionAlgorithms: ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'],
  });
  // KMS returns DER for ECDSA, exactly what signDigest produces.
  kmsMock.on(SignCommand).callsFake(async (input: { Message: Uint8Array; SigningAlgorithm: 'ECDSA_SHA_256' }) => ({
    Signature: new Uint8Array(signDigest(signing.privateKey, input.SigningAlgorithm, Buffer.from(input.Message))),
    SigningAlgorithm: input.SigningAlgorithm,
  }));
}

beforeEach(() => kmsMock.reset());

describe.each([
  ['PS256', rsaSigning, 'RSASSA_PSS_SHA_256'],
  ['ES256', ecSigning, 'ECDSA_SHA_256'],
] as const)('signJws with %s', (alg, signing, kmsAlgorithm) => {
  it('asks KMS to sign the SHA-256 digest of the signing input and returns a verifiable compact JWS', async () => {
    // Prepare
    fakeKms(signing, kmsAlgorithm);
    const keys = createKmsKeyService({ kms, signingKeyId: SIGNING_KEY, signingAlg: alg });
    const payload = new TextEncoder().encode(JSON.stringify({ iss: 'https://bank.example', big: 'x'.repeat(10_000) }));

    // Act
    const jws = await keys.signJws(payload, { typ: 'JWT' });

    // Assess
    const [header, body] = jws.split('.');
    const sign = kmsMock.commandCalls(SignCommand)[0]!.args[0].input;
    expect(sign).toEqual({
      KeyId: SIGNING_KEY,
      Message: createHash('sha256').update(`${header}.${body}`).digest(),
      MessageType: 'DIGEST',
      SigningAlgorithm: kmsAlgorithm,
    });
    const verified = await compactVerify(jws, signing.publicKey);
    expect(Buffer.from(verified.payload).equals(Buffer.from(payload))).toBe(true);
    expect(verified.protectedHeader).toEqual({
      alg,
      kid: await calculateJwkThumbprint(jwkOf(signing.publicKey)),
      typ: 'JWT',
    });
  });
});

describe('createKmsKeyService', () => {
  it('converts the DER ECDSA signature from KMS into the 64-byte JOSE form for ES256', async () => {
    // Prepare
    fakeKms(ecSigning, 'ECDSA_SHA_256');
    const keys = createKmsKeyService({ kms, signingKeyId: SIGNING_KEY, signingAlg: 'ES256' });

    // Act
    const jws = await keys.signJws(new TextEncoder().encode('{}'));

    // Assess
    expect(Buffer.from(jws.split('.')[2]!, 'base64url')).toHaveLength(64);
  });

  it('does not let the caller override alg or kid in the protected header', async () => {
    // Prepare
    fakeKms(rsaSigning, 'RSASSA_PSS_SHA_256');
    const keys = createKmsKeyService({ kms, signingKeyId: SIGNING_KEY, signingAlg: 'PS256' });

    // Act
    const jws = await keys.signJws(new TextEncoder().encode('{}'), { alg: 'none', kid: 'attacker', typ: 'JOSE' });

    // Assess
    const header = decodeProtectedHeader(jws);
    expect(Object.keys(header)).toEqual(['alg', 'kid', 'typ']);
    expect(header).toMatchObject({ alg: 'PS256', kid: await calculateJwkThumbprint(jwkOf(rsaSigning.publicKey)) });
  });

  it('publishes the signing and encryption keys with thumbprint kids', async () => {
    // Prepare
    fakeKms(ecSigning, 'ECDSA_SHA_256');
    const keys = createKmsKeyService({
      kms,
      signingKeyId: SIGNING_KEY,
      signingAlg: 'ES256',
      encryptionKeyId: ENCRYPTION_KEY,
    });

    // Act
    const jwks = await keys.publicJwks();

    // Assess
    const signingJwk = jwkOf(ecSigning.publicKey);
    const encryptionJwk = jwkOf(rsaEncryption.publicKey);
    expect(jwks.keys).toEqual([
      { ...signingJwk, kid: await calculateJwkThumbprint(signingJwk), use: 'sig', alg: 'ES256' },
      { ...encryptionJwk, kid: await calculateJwkThumbprint(encryptionJwk), use: 'enc', alg: 'RSA-OAEP-256' },
    ]);
  });

  it('publishes the retiring signing key during a rotation overlap but signs only with the active one', async () => {
    // Prepare
    fakeKms(rsaSigning, 'RSASSA_PSS_SHA_256');
    const retiring = 'alias/test-signing-previous';
    kmsMock
      .on(GetPublicKeyCommand, { KeyId: retiring })
      .resolves(signingPublicKey(ecSigning.publicKey, 'ECDSA_SHA_256'));
    const keys = createKmsKeyService({
      kms,
      signingKeyId: SIGNING_KEY,
      signingAlg: 'PS256',
      publishedSigningKeyIds: [retiring],
    });

    // Act
    const jwks = await keys.publicJwks();
    const jws = await keys.signJws(new TextEncoder().encode('{}'));

    // Assess
    const retiringJwk = jwkOf(ecSigning.publicKey);
    expect(jwks.keys).toHaveLength(2);
    expect(jwks.keys[1]).toEqual({
      ...retiringJwk,
      kid: await calculateJwkThumbprint(retiringJwk),
      use: 'sig',
      alg: 'ES256',
    });
    expect(decodeProtectedHeader(jws).kid).toBe(jwks.keys[0]!.kid);
    expect(kmsMock.commandCalls(SignCommand).map((call) => call.args[0].input.KeyId)).toEqual([SIGNING_KEY]);
  });

  it('fetches each public key from KMS once per instance', async () => {
    // Prepare
    fakeKms(rsaSigning, 'RSASSA_PSS_SHA_256');
    const keys = createKmsKeyService({
      kms,
      signingKeyId: SIGNING_KEY,
      signingAlg: 'PS256',
      encryptionKeyId: ENCRYPTION_KEY,
    });

    // Act
    await Promise.all([keys.publicJwks(), keys.publicJwks()]);
    await keys.signJws(new TextEncoder().encode('{}'));
    (await keys.publicJwks()).keys[0]!.kid = 'mutated by a caller';

    // Assess
    const fetched = kmsMock.commandCalls(GetPublicKeyCommand).map((call) => call.args[0].input.KeyId);
    expect(fetched.sort()).toEqual([ENCRYPTION_KEY, SIGNING_KEY]);
    expect((await keys.publicJwks()).keys[0]!.kid).not.toBe('mutated by a caller');
  });

  it('publishes only the signing key and refuses to unwrap when no encryption key is configured', async () => {
    // Prepare
    fakeKms(rsaSigning, 'RSASSA_PSS_SHA_256');
    const keys = createKmsKeyService({ kms, signingKeyId: SIGNING_KEY, signingAlg: 'PS256' });

    // Act
    const jwks = await keys.publicJwks();
    const unwrap = keys.unwrapKey(new Uint8Array(256));

    // Assess
    expect(jwks.keys.map((k) => k.use)).toEqual(['sig']);
    await expect(unwrap).rejects.toThrow('No JWE decryption key is configured');
    expect(kmsMock.commandCalls(DecryptCommand)).toHaveLength(0);
  });

  it('unwraps a JWE content-encryption key with KMS Decrypt (RSAES_OAEP_SHA_256)', async () => {
    // Prepare
    const cek = new Uint8Array(32).fill(7);
    kmsMock.on(DecryptCommand).resolves({ Plaintext: cek, EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' });
    const keys = createKmsKeyService({
      kms,
      signingKeyId: SIGNING_KEY,
      signingAlg: 'PS256',
      encryptionKeyId: ENCRYPTION_KEY,
    });
    const encryptedKey = new Uint8Array(256).fill(1);

    // Act
    const unwrapped = await keys.unwrapKey(encryptedKey);

    // Assess
    expect(unwrapped).toEqual(cek);
    expect(kmsMock.commandCalls(DecryptCommand)[0]!.args[0].input).toEqual({
      KeyId: ENCRYPTION_KEY,
      CiphertextBlob: encryptedKey,
      EncryptionAlgorithm: 'RSAES_OAEP_SHA_256',
    });
  });

  it('propagates KMS errors from Sign', async () => {
    // Prepare
    fakeKms(rsaSigning, 'RSASSA_PSS_SHA_256');
    kmsMock
      .on(SignCommand)
      .rejects(new NotFoundException({ message: 'Key does not exist', $metadata: { httpStatusCode: 400 } }));
    const keys = createKmsKeyService({ kms, signingKeyId: SIGNING_KEY, signingAlg: 'PS256' });

    // Act
    const signing = keys.signJws(new TextEncoder().encode('{}'));

    // Assess
    await expect(signing).rejects.toBeInstanceOf(NotFoundException);
  });

  it('propagates a failed public-key fetch and retries it on the next call', async () => {
    // Prepare
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    kmsMock
      .on(GetPublicKeyCommand, { KeyId: SIGNING_KEY })
      .rejectsOnce(throttled)
      .resolves(signingPublicKey(rsaSigning.publicKey, 'RSASSA_PSS_SHA_256'));
    const keys = createKmsKeyService({ kms, signingKeyId: SIGNING_KEY, signingAlg: 'PS256' });

    // Act
    const first = keys.publicJwks();
    await expect(first).rejects.toBe(throttled);
    const second = await keys.publicJwks();

    // Assess
    expect(second.keys).toHaveLength(1);
    expect(kmsMock.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
  });

  it('refuses a signing key that cannot produce the configured algorithm', async () => {
    // Prepare: configured for PS256, but the key is ECC_NIST_P256.
    fakeKms(ecSigning, 'ECDSA_SHA_256');
    const keys = createKmsKeyService({ kms, signingKeyId: SIGNING_KEY, signingAlg: 'PS256' });

    // Act
    const signing = keys.signJws(new TextEncoder().encode('{}'));

    // Assess
    await expect(signing).rejects.toThrow(`KMS key ${SIGNING_KEY} (ECC_NIST_P256 SIGN_VERIFY) cannot sign PS256`);
    expect(kmsMock.commandCalls(SignCommand)).toHaveLength(0);
  });
});
