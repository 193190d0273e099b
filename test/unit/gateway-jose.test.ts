/** JOSE policies of gateway APIs: request JWS / JWE / x-jws-signature, response JWS / JWE / x-jws-signature. */
import { constants, type KeyObject, privateDecrypt } from 'node:crypto';
import {
  CompactEncrypt,
  CompactSign,
  compactDecrypt,
  compactVerify,
  exportJWK,
  FlattenedSign,
  flattenedVerify,
  generateKeyPair,
  type JWK,
} from 'jose';
import { clientKeySet, signingKeysOf } from '../../lambdas/domain/client-keys';
import {
  decryptRequestJwe,
  detachedResponseSignature,
  encryptResponse,
  JoseError,
  OB_CRIT,
  OB_IAT,
  OB_ISS,
  OB_TAN,
  responseEncryptionKey,
  signResponse,
  verifyDetachedSignature,
  verifyRequestJws,
} from '../../lambdas/domain/gateway/jose-policy';
import { type KeyService, SIGNING_PURPOSES } from '../../lambdas/ports/keys';

const NOW = 1_800_000_000;
/** jose signs an extension header parameter marked critical only when told it is understood. */
const CRIT = { crit: Object.fromEntries(OB_CRIT.map((claim) => [claim, true])) };
const payload = new TextEncoder().encode(JSON.stringify({ cardNumber: '4111111111111111', plateNumber: 'ABC-1234' }));

async function keyPair(alg: string, kid: string, use: 'sig' | 'enc') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, use, alg };
  return { publicKey, privateKey, publicJwk };
}

/** The platform's keys as KMS would hold them: signJws and unwrapKey only. */
async function fakePlatform() {
  const signing = await keyPair('PS256', 'platform-sig', 'sig');
  const encryption = await keyPair('RSA-OAEP-256', 'platform-enc', 'enc');
  const keys: Pick<KeyService, 'signJws' | 'unwrapKey'> = {
    signJws: (purpose, bytes, header = {}) =>
      new CompactSign(bytes)
        .setProtectedHeader({ ...header, alg: 'PS256', kid: 'platform-sig', typ: SIGNING_PURPOSES[purpose].typ })
        .sign(signing.privateKey, CRIT),
    unwrapKey: async (encryptedKey) =>
      privateDecrypt(
        {
          key: encryption.privateKey as unknown as KeyObject,
          padding: constants.RSA_PKCS1_OAEP_PADDING,
          oaepHash: 'sha256',
        },
        encryptedKey,
      ),
  };
  return { signing, encryption, keys };
}

describe('request JWS', () => {
  it("returns the payload of a JWS signed with the client's registered key", async () => {
    // Prepare
    const client = await keyPair('PS256', 'tpp-sig', 'sig');
    const jws = await new CompactSign(payload)
      .setProtectedHeader({ alg: 'PS256', kid: 'tpp-sig' })
      .sign(client.privateKey);
    // Act
    const verified = await verifyRequestJws(jws, clientKeySet({ keys: [client.publicJwk] }));
    // Assess
    expect(Buffer.from(verified)).toEqual(Buffer.from(payload));
  });

  it('refuses a JWS signed with another key, a tampered payload and a body that is no JWS, with 400', async () => {
    // Prepare
    const client = await keyPair('PS256', 'tpp-sig', 'sig');
    const stranger = await keyPair('PS256', 'tpp-sig', 'sig');
    const foreign = await new CompactSign(payload)
      .setProtectedHeader({ alg: 'PS256', kid: 'tpp-sig' })
      .sign(stranger.privateKey);
    const genuine = await new CompactSign(payload)
      .setProtectedHeader({ alg: 'PS256', kid: 'tpp-sig' })
      .sign(client.privateKey);
    const [h, , s] = genuine.split('.');
    const tampered = `${h}.${Buffer.from('{"cardNumber":"0"}').toString('base64url')}.${s}`;
    const jwks = clientKeySet({ keys: [client.publicJwk] });
    // Act / Assess
    for (const body of [foreign, tampered]) {
      await expect(verifyRequestJws(body, jwks)).rejects.toMatchObject({
        status: 400,
        error: 'invalid_request',
        description: "the request JWS signature is not valid for the client's registered keys",
      });
    }
    await expect(verifyRequestJws('{"plain":"json"}', jwks)).rejects.toThrow('the request body must be a compact JWS');
    await expect(verifyRequestJws(genuine, undefined)).rejects.toBeInstanceOf(JoseError);
  });

  it('verifies with the keys a client publishes at its jwks_uri (its registered jwks holds encryption keys only)', async () => {
    // Prepare
    const client = await keyPair('PS256', 'tpp-sig', 'sig');
    const jws = await new CompactSign(payload)
      .setProtectedHeader({ alg: 'PS256', kid: 'tpp-sig' })
      .sign(client.privateKey);
    const fetchJwks = async () => Response.json({ keys: [client.publicJwk] });
    const keys = signingKeysOf({ jwksUri: 'https://tpp.example/published-jwks.json', jwks: { keys: [] } }, fetchJwks);
    // Act
    const verified = await verifyRequestJws(jws, keys);
    // Assess
    expect(Buffer.from(verified)).toEqual(Buffer.from(payload));
    expect(signingKeysOf({}, fetchJwks)).toBeUndefined();
  });
});

describe('request JWE', () => {
  it("round trip: a client encrypts to the platform's public key, the gateway decrypts through unwrapKey", async () => {
    // Prepare
    const platform = await fakePlatform();
    const jwe = await new CompactEncrypt(payload)
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'platform-enc' })
      .encrypt(platform.encryption.publicKey);
    // Act
    const plaintext = await decryptRequestJwe(jwe, platform.keys.unwrapKey);
    // Assess
    expect(Buffer.from(plaintext)).toEqual(Buffer.from(payload));
  });

  it('refuses other algorithms, a tampered ciphertext or header, and a key not wrapped for the platform', async () => {
    // Prepare
    const platform = await fakePlatform();
    const other = await fakePlatform();
    const encrypt = (header: Record<string, string>, key: unknown) =>
      new CompactEncrypt(payload).setProtectedHeader(header as never).encrypt(key as CryptoKey);
    const genuine = await encrypt({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }, platform.encryption.publicKey);
    const parts = genuine.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0]! ^= 1;
    const tamperedCiphertext = [...parts.slice(0, 3), flipped.toString('base64url'), parts[4]].join('.');
    const tamperedHeader = [
      Buffer.from(JSON.stringify({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'x' })).toString('base64url'),
      ...parts.slice(1),
    ].join('.');
    const cbc = await encrypt({ alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256' }, platform.encryption.publicKey);
    const sha1 = [
      Buffer.from(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A256GCM' })).toString('base64url'),
      ...parts.slice(1),
    ].join('.');
    const unwrapFails = async () => {
      throw Object.assign(new Error('bad'), { name: 'InvalidCiphertextException' });
    };
    const foreign = await encrypt({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }, other.encryption.publicKey);
    // Act / Assess
    await expect(decryptRequestJwe(cbc, platform.keys.unwrapKey)).rejects.toThrow(
      'the request JWE enc must be A256GCM',
    );
    await expect(decryptRequestJwe(sha1, platform.keys.unwrapKey)).rejects.toThrow('alg must be RSA-OAEP-256');
    await expect(decryptRequestJwe(tamperedCiphertext, platform.keys.unwrapKey)).rejects.toThrow('cannot be decrypted');
    await expect(decryptRequestJwe(tamperedHeader, platform.keys.unwrapKey)).rejects.toThrow('cannot be decrypted');
    await expect(decryptRequestJwe(foreign, unwrapFails)).rejects.toMatchObject({
      status: 400,
      description: 'the request JWE was not encrypted to the platform key',
    });
    await expect(decryptRequestJwe('a.b.c', platform.keys.unwrapKey)).rejects.toThrow('must be a compact JWE');
  });
});

describe('response JWE', () => {
  it.each([
    ['RSA-OAEP-256', 'RSA-OAEP-256'],
    ['ECDH-ES', 'ECDH-ES'],
  ])(
    'encrypts to the client’s %s key, which the client decrypts with its own private key',
    async (alg, expectedAlg) => {
      // Prepare
      const signing = await keyPair('PS256', 'tpp-sig', 'sig');
      const encryption = await keyPair(alg, 'tpp-enc', 'enc');
      const key = responseEncryptionKey({ keys: [signing.publicJwk, encryption.publicJwk] });
      // Act
      const jwe = await encryptResponse(payload, key);
      // Assess
      const { plaintext, protectedHeader } = await compactDecrypt(jwe, encryption.privateKey);
      expect(Buffer.from(plaintext)).toEqual(Buffer.from(payload));
      expect(protectedHeader).toMatchObject({ alg: expectedAlg, enc: 'A256GCM', kid: 'tpp-enc' });
    },
  );

  it('never uses RSA1_5 or RSA-OAEP (SHA-1), and needs a key registered for encryption', async () => {
    // Prepare
    const encryption = await keyPair('RSA-OAEP-256', 'tpp-enc', 'enc');
    const signing = await keyPair('PS256', 'tpp-sig', 'sig');
    // Act / Assess
    for (const alg of ['RSA1_5', 'RSA-OAEP']) {
      expect(() => responseEncryptionKey({ keys: [{ ...encryption.publicJwk, alg }] })).toThrow(JoseError);
    }
    expect(() => responseEncryptionKey({ keys: [signing.publicJwk] })).toThrow('no registered encryption key');
    expect(() => responseEncryptionKey(undefined)).toThrow(JoseError);
  });
});

describe('response JWS and x-jws-signature', () => {
  it('signs the response body with the platform key', async () => {
    // Prepare
    const platform = await fakePlatform();
    // Act
    const jws = await signResponse(payload, platform.keys);
    // Assess
    const { payload: signed, protectedHeader } = await compactVerify(jws, platform.signing.publicKey);
    expect(Buffer.from(signed)).toEqual(Buffer.from(payload));
    expect(protectedHeader).toMatchObject({ alg: 'PS256', typ: 'JOSE', cty: 'application/json' });
  });

  it('produces a detached OBUK signature that verifies over the body with the critical claims', async () => {
    // Prepare
    const platform = await fakePlatform();
    // Act
    const signature = await detachedResponseSignature(payload, platform.keys, {
      issuer: 'https://auth.bank.test',
      trustAnchor: 'auth.bank.test',
      now: NOW,
    });
    // Assess
    const [protectedHeader, detached, sig] = signature.split('.');
    expect(detached).toBe('');
    const { protectedHeader: header } = await flattenedVerify(
      { protected: protectedHeader!, payload: Buffer.from(payload).toString('base64url'), signature: sig! },
      platform.signing.publicKey,
      CRIT,
    );
    expect(header).toMatchObject({ [OB_IAT]: NOW, [OB_ISS]: 'https://auth.bank.test', [OB_TAN]: 'auth.bank.test' });
    expect(header?.crit).toEqual([...OB_CRIT]);
  });

  it('verifies a client’s detached x-jws-signature and refuses a changed body, a wrong iss or missing crit', async () => {
    // Prepare
    const client = await keyPair('ES256', 'tpp-es', 'sig');
    const jwks = clientKeySet({ keys: [client.publicJwk] });
    const sign = async (header: Record<string, unknown>, body = payload) => {
      const { protected: h, signature } = await new FlattenedSign(body)
        .setProtectedHeader({ alg: 'ES256', kid: 'tpp-es', ...header } as never)
        .sign(client.privateKey, CRIT);
      return `${h}..${signature}`;
    };
    const claims = { [OB_IAT]: NOW - 5, [OB_ISS]: 'tsp2', [OB_TAN]: 'openbanking.org.uk', crit: [...OB_CRIT] };
    const valid = await sign(claims);
    const expected = { clientId: 'tsp2', now: NOW };
    // Act / Assess
    await expect(verifyDetachedSignature(valid, payload, jwks, expected)).resolves.toBeUndefined();
    await expect(verifyDetachedSignature(valid, new TextEncoder().encode('{}'), jwks, expected)).rejects.toThrow(
      'not a valid signature of the request body',
    );
    await expect(
      verifyDetachedSignature(await sign({ ...claims, [OB_ISS]: 'other' }), payload, jwks, expected),
    ).rejects.toThrow('must be the client id');
    const { crit: _crit, ...noCrit } = claims;
    await expect(verifyDetachedSignature(await sign(noCrit), payload, jwks, expected)).rejects.toThrow('critical');
    await expect(
      verifyDetachedSignature(await sign({ ...claims, [OB_IAT]: NOW - 3600 }), payload, jwks, expected),
    ).rejects.toThrow('recent time');
    await expect(verifyDetachedSignature(undefined, payload, jwks, expected)).rejects.toThrow(
      'x-jws-signature header is required',
    );
  });
});
