/**
 * The demo IdP's secrets, generated on first start and kept in `<dataDir>/idp/` so a restarted sandbox
 * keeps verifying the ID tokens and cookies it issued before (same JWKS `kid`, same cookie keys).
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

export interface IdpSecrets {
  /** Private signing keys (`{ keys: [...] }`) in the shape oidc-provider's `jwks` option takes. */
  readonly jwks: { keys: JWK[] };
  readonly cookieKeys: string[];
}

export async function loadOrCreateIdpSecrets(dataDir: string): Promise<IdpSecrets> {
  const dir = path.join(dataDir, 'idp');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const [jwks, cookieKeys] = await Promise.all([
    loadOrCreate(path.join(dir, 'jwks.json'), generateSigningJwks),
    loadOrCreate(path.join(dir, 'cookie-keys.json'), async () => [randomBytes(32).toString('base64url')]),
  ]);
  return { jwks, cookieKeys };
}

async function generateSigningJwks(): Promise<{ keys: JWK[] }> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { keys: [{ ...jwk, kid: await calculateJwkThumbprint(jwk), alg: 'RS256', use: 'sig' }] };
}

/**
 * Reads the JSON file, or publishes a freshly generated value. The value is written to a private temporary
 * file and hard-linked into place, which fails if the file exists: two first starts racing keep one complete value.
 */
async function loadOrCreate<T>(file: string, generate: () => Promise<T>): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
  const value = await generate();
  const temporary = `${file}.${randomBytes(8).toString('hex')}.tmp`;
  await writeFile(temporary, JSON.stringify(value, null, 2), { flag: 'wx', mode: 0o600 });
  try {
    await link(temporary, file);
    return value;
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } finally {
    await unlink(temporary);
  }
}

function isErrno(error: unknown, code: string): boolean {
  // Duck-typed: errors from node core may come from another realm (e.g. under jest's VM).
  return typeof error === 'object' && error !== null && (error as NodeJS.ErrnoException).code === code;
}
