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
import { calculateJwkThumbprint, compactVerify, createLocalJWKSet, decodeProtectedHeader, type JWK } from 'jose';
import { createKmsKeyService } from '../../lambdas/adapters/kms-keys';
import { signDigest } from '../../sandbox/kms/digest-signing';

const SIGNING_KEY = 'alias/test-signing';
const ENCRYPTION_KEY = 'alias/test-encryption';

const rsaSigning = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ecSigning = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaEncryption = generateKeyPairSync('rsa', { modulusLength: 2048 });
const responseSigning = generateKeyPairSync('rsa', { modulusLength: 2048 });

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
    const keys = createKmsKeyService({ kms, signing: { 'id-token': { keyId: SIGNING_KEY, alg: alg } } });
    const payload = new TextEncoder().encode(JSON.stringify({ iss: 'https://bank.example', big: 'x'.repeat(10_000) }));

    // Act
    const jws = await keys.signJws('id-token', payload);

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
    const keys = createKmsKeyService({ kms, signing: { 'id-token': { keyId: SIGNING_KEY, alg: 'ES256' } } });

    // Act
    const jws = await keys.signJws('id-token', new TextEncoder().encode('{}'));

    // Assess
    expect(Buffer.from(jws.split('.')[2]!, 'base64url')).toHaveLength(64);
  });

  it('does not let the caller override alg or kid in the protected header', async () => {
    // Prepare
    fakeKms(rsaSigning, 'RSASSA_PSS_SHA_256');
    const keys = createKmsKeyService({ kms, signing: { 'id-token': { keyId: SIGNING_KEY, alg: 'PS256' } } });

    // Act
    const jws = await keys.signJws('id-token', new TextEncoder().encode('{}'), {
      alg: 'none',
      kid: 'attacker',
      typ: 'JOSE',
    });

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
      signing: { 'id-token': { keyId: SIGNING_KEY, alg: 'ES256' } },
      encryptionKeyId: ENCRYPTION_KEY,
    });

    // Act
    const jwks = await keys.publicJwks('id-token');

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
      signing: { 'id-token': { keyId: SIGNING_KEY, alg: 'PS256', publishedKeyIds: [retiring] } },
    });

    // Act
    const jwks = await keys.publicJwks('id-token');
    const jws = await keys.signJws('id-token', new TextEncoder().encode('{}'));

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
      signing: { 'id-token': { keyId: SIGNING_KEY, alg: 'PS256' } },
      encryptionKeyId: ENCRYPTION_KEY,
    });

    // Act
    await Promise.all([keys.publicJwks('id-token'), keys.publicJwks('id-token')]);
    await keys.signJws('id-token', new TextEncoder().encode('{}'));
    (await keys.publicJwks('id-token')).keys[0]!.kid = 'mutated by a caller';

    // Assess
    const fetched = kmsMock.commandCalls(GetPublicKeyCommand).map((call) => call.args[0].input.KeyId);
    expect(fetched.sort()).toEqual([ENCRYPTION_KEY, SIGNING_KEY]);
    expect((await keys.publicJwks('id-token')).keys[0]!.kid).not.toBe('mutated by a caller');
  });

  it('publishes only the signing key and refuses to unwrap when no encryption key is configured', async () => {
    // Prepare
    fakeKms(rsaSigning, 'RSASSA_PSS_SHA_256');
    const keys = createKmsKeyService({ kms, signing: { 'id-token': { keyId: SIGNING_KEY, alg: 'PS256' } } });

    // Act
    const jwks = await keys.publicJwks('id-token');
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
      signing: { 'id-token': { keyId: SIGNING_KEY, alg: 'PS256' } },
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
    const keys = createKmsKeyService({ kms, signing: { 'id-token': { keyId: SIGNING_KEY, alg: 'PS256' } } });

    // Act
    const signing = keys.signJws('id-token', new TextEncoder().encode('{}'));

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
    const keys = createKmsKeyService({ kms, signing: { 'id-token': { keyId: SIGNING_KEY, alg: 'PS256' } } });

    // Act
    const first = keys.publicJwks('id-token');
    await expect(first).rejects.toBe(throttled);
    const second = await keys.publicJwks('id-token');

    // Assess
    expect(second.keys).toHaveLength(1);
    expect(kmsMock.commandCalls(GetPublicKeyCommand)).toHaveLength(2);
  });

  it('refuses a signing key that cannot produce the configured algorithm', async () => {
    // Prepare: configured for PS256, but the key is ECC_NIST_P256.
    fakeKms(ecSigning, 'ECDSA_SHA_256');
    const keys = createKmsKeyService({ kms, signing: { 'id-token': { keyId: SIGNING_KEY, alg: 'PS256' } } });

    // Act
    const signing = keys.signJws('id-token', new TextEncoder().encode('{}'));

    // Assess
    await expect(signing).rejects.toThrow(`KMS key ${SIGNING_KEY} (ECC_NIST_P256 SIGN_VERIFY) cannot sign PS256`);
    expect(kmsMock.commandCalls(SignCommand)).toHaveLength(0);
  });
});

describe('one key, one purpose', () => {
  it('signs each purpose with its own KMS key and typ, and publishes each key only in its own set', async () => {
    // Prepare
    const RESPONSE_KEY = 'alias/test-gateway-response';
    fakeKms(rsaSigning, 'RSASSA_PSS_SHA_256');
    kmsMock
      .on(GetPublicKeyCommand, { KeyId: RESPONSE_KEY })
      .resolves(signingPublicKey(responseSigning.publicKey, 'RSASSA_PSS_SHA_256'));
    kmsMock.on(SignCommand).callsFake(async (input: { KeyId: string; Message: Uint8Array }) => {
      const key = input.KeyId === RESPONSE_KEY ? responseSigning : rsaSigning;
      return {
        Signature: new Uint8Array(signDigest(key.privateKey, 'RSASSA_PSS_SHA_256', Buffer.from(input.Message))),
      };
    });
    const keys = createKmsKeyService({
      kms,
      signing: {
        'id-token': { keyId: SIGNING_KEY, alg: 'PS256' },
        'gateway-response': { keyId: RESPONSE_KEY, alg: 'PS256' },
      },
      encryptionKeyId: ENCRYPTION_KEY,
    });
    const payload = new TextEncoder().encode(JSON.stringify({ iss: 'https://bank.example', sub: 'anne' }));

    // Act
    const idToken = await keys.signJws('id-token', payload, { typ: 'JOSE' });
    const response = await keys.signJws('gateway-response', payload, { typ: 'JWT' });
    const [idTokenSet, responseSet] = await Promise.all([
      keys.publicJwks('id-token'),
      keys.publicJwks('gateway-response'),
    ]);

    // Assess: the caller cannot choose typ; each JWS verifies with its own set only.
    expect(decodeProtectedHeader(idToken).typ).toBe('JWT');
    expect(decodeProtectedHeader(response).typ).toBe('JOSE');
    expect(kmsMock.commandCalls(SignCommand).map((call) => call.args[0].input.KeyId)).toEqual([
      SIGNING_KEY,
      RESPONSE_KEY,
    ]);
    expect(idTokenSet.keys.map((k) => k.use)).toEqual(['sig', 'enc']);
    expect(responseSet.keys.map((k) => [k.use, k.alg])).toEqual([['sig', 'PS256']]);
    await expect(compactVerify(response, createLocalJWKSet(idTokenSet))).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    await expect(compactVerify(idToken, createLocalJWKSet(responseSet))).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    await expect(compactVerify(response, createLocalJWKSet(responseSet))).resolves.toBeDefined();
    await expect(keys.signJws('upstream-caller', payload)).rejects.toThrow(
      'No upstream caller assertion signing key is configured',
    );
  });
});
