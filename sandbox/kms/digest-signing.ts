/**
 * Signing and verifying a precomputed SHA-256 digest, as KMS does for `MessageType: DIGEST`.
 * node:crypto only signs messages (it always hashes), so the padding (PKCS#1 v1.5, PSS) is built here
 * around the raw RSA operation, and ECDSA P-256 is done in BigInt arithmetic with the ephemeral point
 * from a native ECDH key pair. Sandbox only: the arithmetic is not constant-time.
 */
import {
  constants,
  createECDH,
  createHash,
  type KeyObject,
  privateEncrypt,
  publicDecrypt,
  randomBytes,
} from 'node:crypto';
import { derToJose, joseToDer } from '../../lambdas/domain/jose-signature';

export type SigningAlgorithm = 'RSASSA_PSS_SHA_256' | 'RSASSA_PKCS1_V1_5_SHA_256' | 'ECDSA_SHA_256';

export const DIGEST_LENGTH = 32;

/** DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

export function signDigest(key: KeyObject, algorithm: SigningAlgorithm, digest: Buffer): Buffer {
  switch (algorithm) {
    case 'RSASSA_PKCS1_V1_5_SHA_256':
      return privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.concat([SHA256_DIGEST_INFO, digest]));
    case 'RSASSA_PSS_SHA_256':
      return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, pssEncode(digest, modulusBits(key)));
    case 'ECDSA_SHA_256':
      return Buffer.from(joseToDer(ecdsaSign(privateScalar(key), digest)));
  }
}

export function verifyDigest(key: KeyObject, algorithm: SigningAlgorithm, digest: Buffer, signature: Buffer): boolean {
  try {
    switch (algorithm) {
      case 'RSASSA_PKCS1_V1_5_SHA_256':
        return publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature).equals(
          Buffer.concat([SHA256_DIGEST_INFO, digest]),
        );
      case 'RSASSA_PSS_SHA_256':
        return pssVerify(
          digest,
          publicDecrypt({ key, padding: constants.RSA_NO_PADDING }, signature),
          modulusBits(key),
        );
      case 'ECDSA_SHA_256':
        return ecdsaVerify(publicPoint(key), digest, derToJose(signature, 32));
    }
  } catch {
    // Malformed signatures (wrong length, >= modulus, bad DER) are invalid, not errors.
    return false;
  }
}

// ---- RSASSA-PSS (RFC 8017 §9.1), SHA-256, MGF1-SHA-256, salt length 32 as KMS uses -------------------

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

function modulusBits(key: KeyObject): number {
  return key.asymmetricKeyDetails!.modulusLength!;
}

function mgf1(seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * DIGEST_LENGTH < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(sha256(seed, c));
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** EMSA-PSS-ENCODE, left-padded to the modulus length for the raw RSA operation. */
function pssEncode(digest: Buffer, bits: number): Buffer {
  const emBits = bits - 1;
  const emLength = Math.ceil(emBits / 8);
  const salt = randomBytes(DIGEST_LENGTH);
  const h = sha256(Buffer.alloc(8), digest, salt);
  const db = Buffer.concat([Buffer.alloc(emLength - 2 * DIGEST_LENGTH - 2), Buffer.of(1), salt]);
  const maskedDb = xor(db, mgf1(h, db.length));
  maskedDb[0]! &= 0xff >> (8 * emLength - emBits);
  return Buffer.concat([Buffer.alloc(Math.ceil(bits / 8) - emLength), maskedDb, h, Buffer.of(0xbc)]);
}

/** EMSA-PSS-VERIFY on the output of the raw RSA public operation. */
function pssVerify(digest: Buffer, decrypted: Buffer, bits: number): boolean {
  const emBits = bits - 1;
  const emLength = Math.ceil(emBits / 8);
  const lead = decrypted.length - emLength;
  if (lead < 0 || decrypted.subarray(0, lead).some((b) => b !== 0)) return false;
  const em = decrypted.subarray(lead);
  const topMask = 0xff >> (8 * emLength - emBits);
  if (em[em.length - 1] !== 0xbc || (em[0]! & ~topMask) !== 0) return false;
  const maskedDb = em.subarray(0, emLength - DIGEST_LENGTH - 1);
  const h = em.subarray(maskedDb.length, maskedDb.length + DIGEST_LENGTH);
  const db = xor(maskedDb, mgf1(h, maskedDb.length));
  db[0]! &= topMask;
  const separator = db.length - DIGEST_LENGTH - 1;
  if (db.subarray(0, separator).some((b) => b !== 0) || db[separator] !== 1) return false;
  return sha256(Buffer.alloc(8), digest, db.subarray(separator + 1)).equals(h);
}

function xor(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((byte, i) => byte ^ b[i]!));
}

// ---- ECDSA over NIST P-256 (FIPS 186-5 §6.4) ------------------------------------------------------------

type Point = { x: bigint; y: bigint } | null; // null = point at infinity

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const G: Point = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};

const toBigInt = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const toBytes = (value: bigint) => Buffer.from(value.toString(16).padStart(64, '0'), 'hex');
const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

function invert(a: bigint, m: bigint): bigint {
  let [r0, r1, t0, t1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, t0, t1] = [r1, r0 - q * r1, t1, t0 - q * t1];
  }
  return mod(t0, m);
}

function add(p: Point, q: Point): Point {
  if (!p) return q;
  if (!q) return p;
  let slope: bigint;
  if (p.x === q.x) {
    if (mod(p.y + q.y, P) === 0n) return null;
    slope = mod((3n * p.x * p.x - 3n) * invert(2n * p.y, P), P);
  } else {
    slope = mod((q.y - p.y) * invert(q.x - p.x, P), P);
  }
  const x = mod(slope * slope - p.x - q.x, P);
  return { x, y: mod(slope * (p.x - x) - p.y, P) };
}

function multiply(k: bigint, point: Point): Point {
  let result: Point = null;
  for (let addend = point; k > 0n; k >>= 1n, addend = add(addend, addend)) {
    if (k & 1n) result = add(result, addend);
  }
  return result;
}

function privateScalar(key: KeyObject): bigint {
  return toBigInt(Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url'));
}

function publicPoint(key: KeyObject): Point {
  const jwk = key.export({ format: 'jwk' });
  return { x: toBigInt(Buffer.from(jwk.x!, 'base64url')), y: toBigInt(Buffer.from(jwk.y!, 'base64url')) };
}

/** Returns r || s. The nonce k and k·G come from a fresh native ECDH key pair (uniform in [1, n-1]). */
function ecdsaSign(d: bigint, digest: Buffer): Buffer {
  const e = toBigInt(digest);
  for (;;) {
    const ephemeral = createECDH('prime256v1');
    const kG = ephemeral.generateKeys(); // uncompressed: 04 || x || y
    const k = toBigInt(ephemeral.getPrivateKey());
    const r = mod(toBigInt(kG.subarray(1, 33)), N);
    const s = mod(invert(k, N) * (e + r * d), N);
    if (r !== 0n && s !== 0n) return Buffer.concat([toBytes(r), toBytes(s)]);
  }
}

function ecdsaVerify(q: Point, digest: Buffer, signature: Uint8Array): boolean {
  const r = toBigInt(signature.subarray(0, 32));
  const s = toBigInt(signature.subarray(32));
  if (r <= 0n || r >= N || s <= 0n || s >= N) return false;
  const w = invert(s, N);
  const point = add(multiply(mod(toBigInt(digest) * w, N), G), multiply(mod(r * w, N), q));
  return point !== null && mod(point.x, N) === r;
}
