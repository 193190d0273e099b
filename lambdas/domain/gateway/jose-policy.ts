/**
 * The JOSE policies of gateway APIs (JWS RFC 7515, detached RFC 7797, JWE RFC 7516), as plain functions over keys:
 *   request  JWS: verified with the calling client's registered signing keys;
 *   request  JWE: RSA-OAEP-256 + A256GCM, the CEK unwrapped by the platform key (KMS, via KeyService);
 *   response JWS: signed by the platform key (KMS);
 *   response JWE: encrypted to the client's registered `use: enc` key (RSA-OAEP-256 or ECDH-ES, A256GCM);
 *   x-jws-signature: Open Banking UK detached JWS with the critical claims iat, iss and tan.
 * Every refusal is a 400 with a message that says what was wrong.
 */
import { createDecipheriv } from 'node:crypto';
import { CompactEncrypt, compactVerify, flattenedVerify, importJWK, type JSONWebKeySet, type JWK } from 'jose';
import { InvalidRequest } from '../../errors';
import type { KeyService } from '../../ports/keys';
import { SIGNING_ALGS } from '../client';
import type { ClientKeys } from '../client-keys';

export const OB_IAT = 'http://openbanking.org.uk/iat';
export const OB_ISS = 'http://openbanking.org.uk/iss';
export const OB_TAN = 'http://openbanking.org.uk/tan';
export const OB_CRIT = [OB_IAT, OB_ISS, OB_TAN] as const;

/** Allowed clock skew for `http://openbanking.org.uk/iat` in the future, seconds. */
const IAT_SKEW = 60;
/** A detached request signature older than this is refused (replay window), seconds. */
const IAT_MAX_AGE = 300;

export class JoseError extends InvalidRequest {}

const b64url = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');

function decodeHeader(segment: string | undefined): Record<string, unknown> {
  try {
    const header = JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as unknown;
    if (header && typeof header === 'object' && !Array.isArray(header)) return header as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new JoseError('the JOSE protected header is not valid');
}

// ---- Requests --------------------------------------------------------------------------------------

/**
 * A compact JWS request body signed (PS256 / ES256) with one of the client's signing keys (`signingKeysOf`:
 * registered or published at its jwks_uri): its payload.
 */
export async function verifyRequestJws(compact: string, clientKeys: ClientKeys | undefined): Promise<Uint8Array> {
  if (!clientKeys) throw new JoseError('the client has no registered keys to verify the request signature');
  if (compact.split('.').length !== 3) throw new JoseError('the request body must be a compact JWS');
  try {
    const { payload } = await compactVerify(compact, clientKeys, { algorithms: [...SIGNING_ALGS] });
    return payload;
  } catch {
    throw new JoseError("the request JWS signature is not valid for the client's registered keys");
  }
}

/**
 * A compact JWE request body encrypted to the platform's key (RSA-OAEP-256, A256GCM): its plaintext.
 * Done by hand rather than with jose's compactDecrypt because the private key never leaves KMS: only the
 * 32-byte CEK is unwrapped there, and AES-GCM runs here with AAD = ASCII(protected header).
 */
export async function decryptRequestJwe(compact: string, unwrapKey: KeyService['unwrapKey']): Promise<Uint8Array> {
  const parts = compact.split('.');
  if (parts.length !== 5) throw new JoseError('the request body must be a compact JWE');
  const [protectedHeader, encryptedKey, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  const header = decodeHeader(protectedHeader);
  if (header.alg !== 'RSA-OAEP-256') throw new JoseError('the request JWE alg must be RSA-OAEP-256');
  if (header.enc !== 'A256GCM') throw new JoseError('the request JWE enc must be A256GCM');
  if (header.zip !== undefined || header.crit !== undefined) {
    throw new JoseError('the request JWE must not use zip or crit');
  }
  const ivBytes = Buffer.from(iv, 'base64url');
  const tagBytes = Buffer.from(tag, 'base64url');
  if (ivBytes.length !== 12 || tagBytes.length !== 16) throw new JoseError('the request JWE iv or tag is malformed');

  let cek: Uint8Array;
  try {
    cek = await unwrapKey(Buffer.from(encryptedKey, 'base64url'));
  } catch (error) {
    if ((error as Error).name === 'InvalidCiphertextException') {
      throw new JoseError('the request JWE was not encrypted to the platform key');
    }
    throw error;
  }
  if (cek.length !== 32) throw new JoseError('the request JWE content encryption key is not an A256GCM key');
  try {
    const decipher = createDecipheriv('aes-256-gcm', cek, ivBytes, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]);
  } catch {
    throw new JoseError('the request JWE cannot be decrypted');
  }
}

/**
 * An `x-jws-signature` request header: a detached JWS over the exact body bytes, signed by the client,
 * with the Open Banking UK critical claims; `iss` must be the client and `iat` recent.
 */
export async function verifyDetachedSignature(
  signature: string | undefined,
  body: Uint8Array,
  clientKeys: ClientKeys | undefined,
  expected: { readonly clientId: string; readonly now: number },
): Promise<void> {
  if (!signature) throw new JoseError('the x-jws-signature header is required');
  if (!clientKeys) throw new JoseError('the client has no registered keys to verify x-jws-signature');
  const [protectedHeader, payload, sig, extra] = signature.split('.');
  if (extra !== undefined || payload !== '' || !protectedHeader || !sig) {
    throw new JoseError('x-jws-signature must be a detached compact JWS (header..signature)');
  }
  const header = decodeHeader(protectedHeader);
  const crit = header.crit;
  if (!Array.isArray(crit) || OB_CRIT.some((claim) => !crit.includes(claim))) {
    throw new JoseError(`x-jws-signature must mark ${OB_CRIT.join(', ')} critical`);
  }
  if (header.b64 === false) throw new JoseError('x-jws-signature with b64=false is not supported');
  if (header[OB_ISS] !== expected.clientId) throw new JoseError(`x-jws-signature ${OB_ISS} must be the client id`);
  const iat = header[OB_IAT];
  if (typeof iat !== 'number' || iat > expected.now + IAT_SKEW || iat < expected.now - IAT_MAX_AGE) {
    throw new JoseError(`x-jws-signature ${OB_IAT} must be a recent time`);
  }
  if (typeof header[OB_TAN] !== 'string' || header[OB_TAN] === '') {
    throw new JoseError(`x-jws-signature ${OB_TAN} is required`);
  }
  try {
    await flattenedVerify({ protected: protectedHeader, payload: b64url(body), signature: sig }, clientKeys, {
      algorithms: [...SIGNING_ALGS],
      crit: Object.fromEntries(OB_CRIT.map((claim) => [claim, true])),
    });
  } catch {
    throw new JoseError('x-jws-signature is not a valid signature of the request body');
  }
}

// ---- Responses -------------------------------------------------------------------------------------

const ENCRYPTION_ALGS: Record<string, string> = { RSA: 'RSA-OAEP-256', EC: 'ECDH-ES', OKP: 'ECDH-ES' };

/**
 * The client's registered encryption key for response JWE, with the algorithm to use. Only RSA-OAEP-256
 * and ECDH-ES are accepted (never RSA1_5, nor RSA-OAEP with SHA-1).
 */
export function responseEncryptionKey(clientJwks: JSONWebKeySet | undefined): { jwk: JWK; alg: string } {
  const candidates = (clientJwks?.keys ?? []).filter((key) => key.use === 'enc');
  for (const jwk of candidates) {
    const allowed = jwk.kty === undefined ? undefined : ENCRYPTION_ALGS[jwk.kty];
    if (allowed !== undefined && (jwk.alg ?? allowed) === allowed) return { jwk, alg: allowed };
  }
  throw new JoseError(
    'the client has no registered encryption key (use "enc", RSA-OAEP-256 or ECDH-ES) for the encrypted response',
  );
}

export async function encryptResponse(payload: Uint8Array, key: { jwk: JWK; alg: string }): Promise<string> {
  return new CompactEncrypt(payload)
    .setProtectedHeader({
      alg: key.alg,
      enc: 'A256GCM',
      cty: 'application/json',
      ...(key.jwk.kid ? { kid: key.jwk.kid } : {}),
    })
    .encrypt(await importJWK(key.jwk, key.alg));
}

export function signResponse(payload: Uint8Array, keys: Pick<KeyService, 'signJws'>): Promise<string> {
  return keys.signJws('gateway-response', payload, { cty: 'application/json' });
}

/** An Open Banking UK `x-jws-signature` for a response body: the platform's JWS with the payload removed. */
export async function detachedResponseSignature(
  payload: Uint8Array,
  keys: Pick<KeyService, 'signJws'>,
  claims: { readonly issuer: string; readonly trustAnchor: string; readonly now: number },
): Promise<string> {
  const jws = await keys.signJws('gateway-response', payload, {
    cty: 'application/json',
    [OB_IAT]: claims.now,
    [OB_ISS]: claims.issuer,
    [OB_TAN]: claims.trustAnchor,
    crit: [...OB_CRIT],
  });
  const [header, , signature] = jws.split('.');
  return `${header}..${signature}`;
}
