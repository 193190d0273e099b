/**
 * A local KMS-compatible endpoint for the sandbox: the AWS KMS JSON 1.1 protocol (`X-Amz-Target:
 * TrentService.<Op>`, base64 blobs, `{__type, message}` errors) over plain HTTP on loopback, so the real
 * `@aws-sdk/client-kms` runs unchanged against it. Asymmetric keys (RSA_2048, RSA_3072, ECC_NIST_P256) and
 * HMAC_256 keys (GenerateMac, VerifyMac), kept as PKCS#8 PEM (HMAC: base64 raw key) + metadata JSON under
 * `dataDir` so a restart keeps them.
 * SigV4 is not checked; the region in the credential scope only names the ARNs.
 */
import {
  constants,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPair,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DIGEST_LENGTH, type SigningAlgorithm, signDigest, verifyDigest } from './digest-signing';

export interface LocalKmsOptions {
  readonly dataDir: string;
  /** 0 = an ephemeral port. */
  readonly port: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
}

export interface LocalKms {
  /** Endpoint for `new KMSClient({ endpoint })` or `AWS_ENDPOINT_URL_KMS`. */
  readonly url: string;
  close(): Promise<void>;
}

type KeySpec = 'RSA_2048' | 'RSA_3072' | 'ECC_NIST_P256' | 'HMAC_256';
type KeyUsage = 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT' | 'GENERATE_VERIFY_MAC';
type EncryptionAlgorithm = 'RSAES_OAEP_SHA_1' | 'RSAES_OAEP_SHA_256';

const ACCOUNT_ID = '000000000000';
const DEFAULT_REGION = 'us-east-1';
const MAX_RAW_MESSAGE = 4096;

const RSA_SIGNING: SigningAlgorithm[] = ['RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PSS_SHA_256'];
const RSA_ENCRYPTION: EncryptionAlgorithm[] = ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256'];

const KEY_SPECS: Record<KeySpec, { usages: KeyUsage[]; signing: SigningAlgorithm[]; generate(): Promise<KeyObject> }> =
  {
    RSA_2048: { usages: ['SIGN_VERIFY', 'ENCRYPT_DECRYPT'], signing: RSA_SIGNING, generate: () => rsaKey(2048) },
    RSA_3072: { usages: ['SIGN_VERIFY', 'ENCRYPT_DECRYPT'], signing: RSA_SIGNING, generate: () => rsaKey(3072) },
    ECC_NIST_P256: { usages: ['SIGN_VERIFY'], signing: ['ECDSA_SHA_256'], generate: () => ecKey() },
    HMAC_256: { usages: ['GENERATE_VERIFY_MAC'], signing: [], generate: async () => createSecretKey(randomBytes(32)) },
  };

const MAC_ALGORITHM = 'HMAC_SHA_256';

const generate = promisify(generateKeyPair);
const rsaKey = async (modulusLength: number) => (await generate('rsa', { modulusLength })).privateKey;
const ecKey = async () => (await generate('ec', { namedCurve: 'P-256' })).privateKey;

/** A KMS error as the SDK reads it: HTTP 400 with `__type` = the exception name. */
class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

interface KeyMetadataFile {
  readonly KeyId: string;
  readonly Arn: string;
  readonly KeySpec: KeySpec;
  readonly KeyUsage: KeyUsage;
  readonly Description: string;
  /** Epoch seconds, as the JSON protocol carries timestamps. */
  readonly CreationDate: number;
}

interface StoredKey {
  readonly meta: KeyMetadataFile;
  /** The private key, or an HMAC key's secret. */
  readonly privateKey: KeyObject;
  /** Absent for HMAC keys. */
  readonly publicKey?: KeyObject;
}

interface StoredAlias {
  readonly AliasName: string;
  readonly AliasArn: string;
  readonly TargetKeyId: string;
  readonly CreationDate: number;
}

type Input = Record<string, unknown>;
type Operation = (input: Input, region: string) => Promise<object> | object;

export async function startLocalKms(options: LocalKmsOptions): Promise<LocalKms> {
  const store = await KeyStore.open(options.dataDir);
  const operations = kmsOperations(store);
  const server = createServer((request, response) => {
    handle(operations, request, response).catch(() => response.destroy());
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // The SDK keeps connections alive; without this, close() waits for their idle timeout.
        server.closeAllConnections();
      }),
  };
}

async function handle(operations: Record<string, Operation>, request: IncomingMessage, response: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  let status = 200;
  let body: object;
  try {
    const target = request.headers['x-amz-target'];
    const operation = typeof target === 'string' && target.startsWith('TrentService.') ? target.slice(13) : '';
    if (!Object.hasOwn(operations, operation)) {
      throw new KmsError('UnknownOperationException', `Unknown operation ${target}`);
    }
    body = await operations[operation]!(parseBody(chunks), requestRegion(request));
  } catch (error) {
    status = error instanceof KmsError ? 400 : 500;
    body =
      error instanceof KmsError
        ? { __type: error.type, message: error.message }
        : { __type: 'KMSInternalException', message: (error as Error).message };
  }
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
  response.end(JSON.stringify(body));
}

function parseBody(chunks: Buffer[]): Input {
  try {
    const parsed: unknown = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Input;
  } catch {
    // fall through to the protocol error below
  }
  throw new KmsError('SerializationException', 'Request body must be a JSON object');
}

/** The region of the SigV4 credential scope (`Credential=AKID/20250101/eu-west-2/kms/aws4_request`). */
function requestRegion(request: IncomingMessage): string {
  return (
    /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/kms\//.exec(request.headers.authorization ?? '')?.[1] ?? DEFAULT_REGION
  );
}

// ---- Operations ------------------------------------------------------------------------------------------

function kmsOperations(store: KeyStore): Record<string, Operation> {
  return {
    CreateKey: async (input, region) => {
      const spec = optionalString(input, 'KeySpec') ?? optionalString(input, 'CustomerMasterKeySpec');
      if (!spec || !Object.hasOwn(KEY_SPECS, spec)) {
        throw new KmsError(
          'UnsupportedOperationException',
          `KeySpec ${spec ?? 'SYMMETRIC_DEFAULT'} is not supported by the local KMS (RSA_2048, RSA_3072, ECC_NIST_P256, HMAC_256)`,
        );
      }
      const usage = optionalString(input, 'KeyUsage');
      if (!usage) throw new KmsError('ValidationException', 'KeyUsage is required for asymmetric KMS keys');
      if (!KEY_SPECS[spec as KeySpec].usages.includes(usage as KeyUsage)) {
        throw new KmsError('ValidationException', `KeyUsage ${usage} is not compatible with KeySpec ${spec}`);
      }
      const key = await store.createKey(
        spec as KeySpec,
        usage as KeyUsage,
        optionalString(input, 'Description') ?? '',
        region,
      );
      return { KeyMetadata: keyMetadata(key) };
    },

    CreateAlias: async (input, region) => {
      const aliasName = requiredString(input, 'AliasName');
      const targetKeyId = requiredString(input, 'TargetKeyId');
      if (!/^alias\/[a-zA-Z0-9/_-]{1,250}$/.test(aliasName) || aliasName.startsWith('alias/aws/')) {
        throw new KmsError('InvalidAliasNameException', `Alias name ${aliasName} is not valid`);
      }
      if (targetKeyId.startsWith('alias/') || /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(targetKeyId)) {
        throw new KmsError('ValidationException', 'TargetKeyId must be a key ID or key ARN, not an alias');
      }
      await store.createAlias(aliasName, store.resolve(targetKeyId, region), region);
      return {};
    },

    ListAliases: (input, region) => {
      const keyId = optionalString(input, 'KeyId');
      const targetKeyId = keyId === undefined ? undefined : store.resolve(keyId, region).meta.KeyId;
      const limit = typeof input.Limit === 'number' ? input.Limit : 50;
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
        throw new KmsError('ValidationException', 'Limit must be between 1 and 100');
      }
      const marker = optionalString(input, 'Marker') ?? '0';
      if (!/^\d+$/.test(marker)) throw new KmsError('InvalidMarkerException', 'Marker is not valid');
      const start = Number(marker);
      const matching = store.aliasList().filter((a) => targetKeyId === undefined || a.TargetKeyId === targetKeyId);
      const page = matching.slice(start, start + limit);
      const truncated = start + limit < matching.length;
      return {
        Aliases: page.map((a) => ({ ...a, LastUpdatedDate: a.CreationDate })),
        Truncated: truncated,
        ...(truncated ? { NextMarker: String(start + limit) } : {}),
      };
    },

    DescribeKey: (input, region) => ({
      KeyMetadata: keyMetadata(store.resolve(requiredString(input, 'KeyId'), region)),
    }),

    GetPublicKey: (input, region) => {
      const key = store.resolve(requiredString(input, 'KeyId'), region);
      if (!key.publicKey) {
        throw new KmsError('UnsupportedOperationException', `${key.meta.Arn} is an HMAC key: it has no public key`);
      }
      return {
        KeyId: key.meta.Arn,
        PublicKey: key.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
        CustomerMasterKeySpec: key.meta.KeySpec,
        KeySpec: key.meta.KeySpec,
        KeyUsage: key.meta.KeyUsage,
        ...algorithms(key),
      };
    },

    Sign: (input, region) => {
      const { key, algorithm, digest } = signingRequest(store, input, region, 'Sign');
      const signature = signDigest(key.privateKey, algorithm, digest);
      return { KeyId: key.meta.Arn, Signature: signature.toString('base64'), SigningAlgorithm: algorithm };
    },

    Verify: (input, region) => {
      const { key, algorithm, digest } = signingRequest(store, input, region, 'Verify');
      if (!verifyDigest(key.publicKey!, algorithm, digest, requiredBlob(input, 'Signature'))) {
        throw new KmsError('KMSInvalidSignatureException', 'Signature is not valid');
      }
      return { KeyId: key.meta.Arn, SignatureValid: true, SigningAlgorithm: algorithm };
    },

    Encrypt: (input, region) => {
      const key = store.resolve(requiredString(input, 'KeyId'), region);
      const algorithm = encryptionAlgorithm(key, input, 'Encrypt');
      const plaintext = requiredBlob(input, 'Plaintext');
      if (plaintext.length < 1 || plaintext.length > MAX_RAW_MESSAGE) {
        throw new KmsError('ValidationException', 'Plaintext must be 1 to 4096 bytes');
      }
      let ciphertext: Buffer;
      try {
        ciphertext = publicEncrypt(oaep(key.publicKey!, algorithm), plaintext);
      } catch {
        throw new KmsError('ValidationException', `Plaintext is too long for ${key.meta.KeySpec} with ${algorithm}`);
      }
      return { KeyId: key.meta.Arn, CiphertextBlob: ciphertext.toString('base64'), EncryptionAlgorithm: algorithm };
    },

    GenerateMac: (input, region) => {
      const { key, mac } = macRequest(store, input, region, 'GenerateMac');
      return { KeyId: key.meta.Arn, Mac: mac.toString('base64'), MacAlgorithm: MAC_ALGORITHM };
    },

    VerifyMac: (input, region) => {
      const { key, mac } = macRequest(store, input, region, 'VerifyMac');
      const presented = requiredBlob(input, 'Mac');
      if (presented.length !== mac.length || !timingSafeEqual(presented, mac)) {
        throw new KmsError('KMSInvalidMacException', 'MAC verification failed');
      }
      return { KeyId: key.meta.Arn, MacValid: true, MacAlgorithm: MAC_ALGORITHM };
    },

    Decrypt: (input, region) => {
      const keyId = optionalString(input, 'KeyId');
      // Only symmetric ciphertexts name their key; every key here is asymmetric.
      if (!keyId)
        throw new KmsError('InvalidCiphertextException', 'KeyId is required to decrypt with an asymmetric key');
      const key = store.resolve(keyId, region);
      const algorithm = encryptionAlgorithm(key, input, 'Decrypt');
      let plaintext: Buffer;
      try {
        plaintext = privateDecrypt(oaep(key.privateKey, algorithm), requiredBlob(input, 'CiphertextBlob'));
      } catch {
        throw new KmsError('InvalidCiphertextException', 'The ciphertext cannot be decrypted with this key');
      }
      return { KeyId: key.meta.Arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: algorithm };
    },
  };
}

function keyMetadata(key: StoredKey) {
  return {
    AWSAccountId: ACCOUNT_ID,
    ...key.meta,
    Enabled: true,
    KeyState: 'Enabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.meta.KeySpec,
    MultiRegion: false,
    ...algorithms(key),
  };
}

function algorithms(key: StoredKey) {
  if (key.meta.KeyUsage === 'GENERATE_VERIFY_MAC') return { MacAlgorithms: [MAC_ALGORITHM] };
  return key.meta.KeyUsage === 'SIGN_VERIFY'
    ? { SigningAlgorithms: KEY_SPECS[key.meta.KeySpec].signing }
    : { EncryptionAlgorithms: RSA_ENCRYPTION };
}

/** HMAC-SHA-256 of the request's message (1 to 4096 bytes) with an HMAC key. */
function macRequest(store: KeyStore, input: Input, region: string, operation: 'GenerateMac' | 'VerifyMac') {
  const key = store.resolve(requiredString(input, 'KeyId'), region);
  requireUsage(key, 'GENERATE_VERIFY_MAC', operation);
  const algorithm = requiredString(input, 'MacAlgorithm');
  if (algorithm !== MAC_ALGORITHM) {
    throw new KmsError(
      'InvalidKeyUsageException',
      `Algorithm ${algorithm} is incompatible with key spec ${key.meta.KeySpec}`,
    );
  }
  const message = requiredBlob(input, 'Message');
  if (message.length < 1 || message.length > MAX_RAW_MESSAGE) {
    throw new KmsError('ValidationException', 'Message must be 1 to 4096 bytes');
  }
  return { key, mac: createHmac('sha256', key.privateKey).update(message).digest() };
}

function signingRequest(store: KeyStore, input: Input, region: string, operation: 'Sign' | 'Verify') {
  const key = store.resolve(requiredString(input, 'KeyId'), region);
  requireUsage(key, 'SIGN_VERIFY', operation);
  const algorithm = requiredString(input, 'SigningAlgorithm') as SigningAlgorithm;
  if (!KEY_SPECS[key.meta.KeySpec].signing.includes(algorithm)) {
    throw new KmsError(
      'InvalidKeyUsageException',
      `Algorithm ${algorithm} is incompatible with key spec ${key.meta.KeySpec}`,
    );
  }
  const message = requiredBlob(input, 'Message');
  const messageType = optionalString(input, 'MessageType') ?? 'RAW';
  if (messageType === 'RAW') {
    if (message.length < 1 || message.length > MAX_RAW_MESSAGE) {
      throw new KmsError('ValidationException', 'Message must be 1 to 4096 bytes; sign larger messages as a DIGEST');
    }
    return { key, algorithm, digest: createHash('sha256').update(message).digest() };
  }
  if (messageType !== 'DIGEST') throw new KmsError('ValidationException', `MessageType ${messageType} is not valid`);
  if (message.length !== DIGEST_LENGTH) {
    throw new KmsError('ValidationException', `Digest is invalid length for algorithm ${algorithm}`);
  }
  return { key, algorithm, digest: message };
}

function encryptionAlgorithm(key: StoredKey, input: Input, operation: 'Encrypt' | 'Decrypt'): EncryptionAlgorithm {
  requireUsage(key, 'ENCRYPT_DECRYPT', operation);
  const algorithm = optionalString(input, 'EncryptionAlgorithm') ?? 'SYMMETRIC_DEFAULT';
  if (!RSA_ENCRYPTION.includes(algorithm as EncryptionAlgorithm)) {
    throw new KmsError(
      'InvalidKeyUsageException',
      `Algorithm ${algorithm} is incompatible with key spec ${key.meta.KeySpec}`,
    );
  }
  return algorithm as EncryptionAlgorithm;
}

function requireUsage(key: StoredKey, usage: KeyUsage, operation: string) {
  if (key.meta.KeyUsage !== usage) {
    throw new KmsError(
      'InvalidKeyUsageException',
      `${key.meta.Arn} key usage is ${key.meta.KeyUsage} which is not valid for ${operation}`,
    );
  }
}

function oaep(key: KeyObject, algorithm: EncryptionAlgorithm) {
  // OpenSSL uses the OAEP hash for MGF1 too, as KMS does.
  return {
    key,
    padding: constants.RSA_PKCS1_OAEP_PADDING,
    oaepHash: algorithm === 'RSAES_OAEP_SHA_1' ? 'sha1' : 'sha256',
  };
}

function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new KmsError('ValidationException', `${name} must be a string`);
  return value;
}

function requiredString(input: Input, name: string): string {
  const value = optionalString(input, name);
  if (!value) throw new KmsError('ValidationException', `${name} is required`);
  return value;
}

function requiredBlob(input: Input, name: string): Buffer {
  return Buffer.from(requiredString(input, name), 'base64');
}

// ---- Persistence -----------------------------------------------------------------------------------------

/**
 * Keys and aliases in memory, written through to `dataDir` (keys/<id>.pem or, for HMAC keys, keys/<id>.key,
 * + keys/<id>.json, aliases.json).
 */
class KeyStore {
  private aliasWrites: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dataDir: string,
    private readonly keys: Map<string, StoredKey>,
    private readonly aliases: Map<string, StoredAlias>,
  ) {}

  static async open(dataDir: string): Promise<KeyStore> {
    const keyDir = join(dataDir, 'keys');
    await mkdir(keyDir, { recursive: true });
    const keys = new Map<string, StoredKey>();
    // The metadata file is written last, so it marks a complete key.
    for (const file of (await readdir(keyDir)).filter((f) => f.endsWith('.json'))) {
      const meta = JSON.parse(await readFile(join(keyDir, file), 'utf8')) as KeyMetadataFile;
      if (meta.KeySpec === 'HMAC_256') {
        const secret = Buffer.from(await readFile(join(keyDir, `${meta.KeyId}.key`), 'utf8'), 'base64');
        keys.set(meta.KeyId, { meta, privateKey: createSecretKey(secret) });
        continue;
      }
      const privateKey = createPrivateKey(await readFile(join(keyDir, `${meta.KeyId}.pem`), 'utf8'));
      keys.set(meta.KeyId, { meta, privateKey, publicKey: createPublicKey(privateKey) });
    }
    const aliasFile = join(dataDir, 'aliases.json');
    const aliasList = (await readOptional(aliasFile)) as StoredAlias[] | undefined;
    return new KeyStore(dataDir, keys, new Map((aliasList ?? []).map((a) => [a.AliasName, a])));
  }

  async createKey(spec: KeySpec, usage: KeyUsage, description: string, region: string): Promise<StoredKey> {
    const privateKey = await KEY_SPECS[spec].generate();
    const id = randomUUID();
    const meta: KeyMetadataFile = {
      KeyId: id,
      Arn: `arn:aws:kms:${region}:${ACCOUNT_ID}:key/${id}`,
      KeySpec: spec,
      KeyUsage: usage,
      Description: description,
      CreationDate: Math.floor(Date.now() / 1000),
    };
    const keyDir = join(this.dataDir, 'keys');
    const hmac = privateKey.type === 'secret';
    await writeFile(
      join(keyDir, hmac ? `${id}.key` : `${id}.pem`),
      hmac ? privateKey.export().toString('base64') : (privateKey.export({ format: 'pem', type: 'pkcs8' }) as string),
      { mode: 0o600 },
    );
    await writeAtomically(join(keyDir, `${id}.json`), meta);
    const key = hmac ? { meta, privateKey } : { meta, privateKey, publicKey: createPublicKey(privateKey) };
    this.keys.set(id, key);
    return key;
  }

  async createAlias(aliasName: string, target: StoredKey, region: string): Promise<void> {
    const aliasArn = `arn:aws:kms:${region}:${ACCOUNT_ID}:${aliasName}`;
    if (this.aliases.has(aliasName)) {
      throw new KmsError('AlreadyExistsException', `An alias with the name ${aliasArn} already exists`);
    }
    const alias = { AliasName: aliasName, AliasArn: aliasArn, TargetKeyId: target.meta.KeyId };
    this.aliases.set(aliasName, { ...alias, CreationDate: Math.floor(Date.now() / 1000) });
    try {
      await this.persistAliases();
    } catch (error) {
      this.aliases.delete(aliasName);
      throw error;
    }
  }

  aliasList(): StoredAlias[] {
    return [...this.aliases.values()].sort((a, b) => a.AliasName.localeCompare(b.AliasName));
  }

  /** KeyId as KMS accepts it: key id, key ARN, alias name or alias ARN. */
  resolve(keyId: string, region: string): StoredKey {
    const arn = /^arn:aws:kms:([^:]+):(\d{12}):(key|alias)\/(.+)$/.exec(keyId);
    const isAlias = arn ? arn[3] === 'alias' : keyId.startsWith('alias/');
    const ours = !arn || (arn[1] === region && arn[2] === ACCOUNT_ID);
    if (isAlias) {
      const alias = ours ? this.aliases.get(arn ? `alias/${arn[4]}` : keyId) : undefined;
      const key = alias && this.keys.get(alias.TargetKeyId);
      if (!key) throw new KmsError('NotFoundException', `Alias ${keyId} is not found.`);
      return key;
    }
    const key = ours ? this.keys.get(arn ? arn[4]! : keyId) : undefined;
    if (!key) throw new KmsError('NotFoundException', `Key '${keyId}' does not exist`);
    return key;
  }

  /** Serialised so concurrent CreateAlias calls never interleave their writes; each writes the latest map. */
  private persistAliases(): Promise<void> {
    const write = this.aliasWrites.then(() => writeAtomically(join(this.dataDir, 'aliases.json'), this.aliasList()));
    this.aliasWrites = write.catch(() => undefined);
    return write;
  }
}

async function readOptional(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function writeAtomically(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, JSON.stringify(value, null, 2));
  await rename(temporary, file);
}
