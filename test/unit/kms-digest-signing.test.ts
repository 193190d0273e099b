import { constants, createHash, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { type SigningAlgorithm, signDigest, verifyDigest } from '../../sandbox/kms/digest-signing';

const rsa2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsa3072 = generateKeyPairSync('rsa', { modulusLength: 3072 });
const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });

/** OpenSSL's own verification of a signature over `message` (it hashes; we signed the hash). */
function opensslVerifies(algorithm: SigningAlgorithm, publicKey: KeyObject, message: Buffer, signature: Buffer) {
  const key =
    algorithm === 'RSASSA_PSS_SHA_256'
      ? { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : publicKey;
  return verify('sha256', message, key, signature);
}

function opensslSigns(algorithm: SigningAlgorithm, privateKey: KeyObject, message: Buffer) {
  const key =
    algorithm === 'RSASSA_PSS_SHA_256'
      ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : privateKey;
  return sign('sha256', message, key);
}

const cases: [SigningAlgorithm, string, { privateKey: KeyObject; publicKey: KeyObject }][] = [
  ['RSASSA_PSS_SHA_256', 'RSA_2048', rsa2048],
  ['RSASSA_PSS_SHA_256', 'RSA_3072', rsa3072],
  ['RSASSA_PKCS1_V1_5_SHA_256', 'RSA_2048', rsa2048],
  ['ECDSA_SHA_256', 'ECC_NIST_P256', p256],
];

describe.each(cases)('%s with %s', (algorithm, _spec, keys) => {
  const message = Buffer.from('{"iss":"https://bank.example","sub":"psu-1"}');
  const digest = createHash('sha256').update(message).digest();

  it('signs a digest so that OpenSSL verifies it over the original message', () => {
    // Act
    const signature = signDigest(keys.privateKey, algorithm, digest);

    // Assess
    expect(opensslVerifies(algorithm, keys.publicKey, message, signature)).toBe(true);
  });

  it('verifies signatures OpenSSL made over the message', () => {
    // Prepare
    const signature = opensslSigns(algorithm, keys.privateKey, message);

    // Act
    const valid = verifyDigest(keys.publicKey, algorithm, digest, signature);

    // Assess
    expect(valid).toBe(true);
  });

  it('rejects a signature over another digest', () => {
    // Prepare
    const signature = signDigest(keys.privateKey, algorithm, digest);
    const otherDigest = createHash('sha256').update('something else').digest();

    // Act
    const valid = verifyDigest(keys.publicKey, algorithm, otherDigest, signature);

    // Assess
    expect(valid).toBe(false);
  });

  it('rejects a corrupted or malformed signature without throwing', () => {
    // Prepare
    const corrupted = signDigest(keys.privateKey, algorithm, digest);
    corrupted[corrupted.length - 5]! ^= 0x01;

    // Act
    const results = [corrupted, Buffer.alloc(0), Buffer.alloc(600, 0xff)].map((signature) =>
      verifyDigest(keys.publicKey, algorithm, digest, signature),
    );

    // Assess
    expect(results).toEqual([false, false, false]);
  });
});

describe('ECDSA_SHA_256', () => {
  it('uses a fresh nonce for every signature', () => {
    // Prepare
    const digest = createHash('sha256').update('nonce').digest();

    // Act
    const first = signDigest(p256.privateKey, 'ECDSA_SHA_256', digest);
    const second = signDigest(p256.privateKey, 'ECDSA_SHA_256', digest);

    // Assess
    expect(first.equals(second)).toBe(false);
  });
});
