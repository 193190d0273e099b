/**
 * The local KMS endpoint driven by the real @aws-sdk/client-kms, and the production KMS adapter on top:
 * JWTs signed through KMS verify with jose, JWEs encrypted to the published key decrypt, keys survive a restart.
 */
import { createDecipheriv } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateKeyCommand,
  DescribeKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  KMSInvalidSignatureException,
  ListAliasesCommand,
  NotFoundException,
  SignCommand,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { CompactEncrypt, createLocalJWKSet, importJWK, type JWK, jwtVerify } from 'jose';
import { createKmsKeyService, kmsDerivedMacKey } from '../../lambdas/adapters/kms-keys';
import type { KeyService } from '../../lambdas/ports/keys';
import { ensureTenantKeys, keyEnvironment, keyServiceOptions } from '../../sandbox/kms/bootstrap';
import { type LocalKms, startLocalKms } from '../../sandbox/kms/server';

const REGION = 'eu-west-2';
/** Each tenant bootstrap creates four RSA or EC key pairs (three signing purposes and the JWE key). */
jest.setTimeout(30_000);
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

let dataDir: string;
let server: LocalKms;
let kms: KMSClient;

function clientFor(url: string) {
  return new KMSClient({ endpoint: url, region: REGION, credentials: CREDENTIALS });
}

async function signJwt(keys: KeyService, claims: Record<string, unknown>) {
  return keys.signJws('id-token', new TextEncoder().encode(JSON.stringify(claims)), { typ: 'JWT' });
}

/** Decrypts a compact A256GCM JWE whose CEK the key service unwraps (the request-object path). */
async function decryptJwe(keys: KeyService, jwe: string): Promise<string> {
  const [protectedHeader, encryptedKey, iv, ciphertext, tag] = jwe.split('.') as [
    string,
    string,
    string,
    string,
    string,
  ];
  const cek = await keys.unwrapKey(Buffer.from(encryptedKey, 'base64url'));
  const decipher = createDecipheriv('aes-256-gcm', cek, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(protectedHeader, 'ascii'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bankgate-kms-'));
  server = await startLocalKms({ dataDir, port: 0 });
  kms = clientFor(server.url);
});

afterAll(async () => {
  kms.destroy();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe.each(['PS256', 'ES256'] as const)('tenant keys for %s', (signingAlg) => {
  const prefix = `tenant-${signingAlg.toLowerCase()}`;
  let keys: KeyService;

  beforeAll(async () => {
    const ids = await ensureTenantKeys(kms, { signingAlg, prefix });
    keys = createKmsKeyService({ kms, ...keyServiceOptions(ids) });
  });

  it('signs a JWT through KMS that jose verifies against the published JWKS', async () => {
    // Prepare
    const jwks = createLocalJWKSet(await keys.publicJwks('id-token'));

    // Act
    const jwt = await signJwt(keys, { iss: 'https://bank.example', aud: 'tpp', sub: 'psu-1' });

    // Assess
    const { payload, protectedHeader } = await jwtVerify(jwt, jwks, {
      issuer: 'https://bank.example',
      audience: 'tpp',
      algorithms: [signingAlg],
    });
    expect(payload.sub).toBe('psu-1');
    expect(protectedHeader).toMatchObject({ alg: signingAlg, typ: 'JWT' });
  });

  it('unwraps the CEK of an RSA-OAEP-256 JWE encrypted to the published encryption key', async () => {
    // Prepare
    const encryptionJwk = (await keys.publicJwks('id-token')).keys.find((k) => k.use === 'enc') as JWK;
    const jwe = await new CompactEncrypt(new TextEncoder().encode('{"scope":"accounts"}'))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: encryptionJwk.kid })
      .encrypt(await importJWK(encryptionJwk, 'RSA-OAEP-256'));

    // Act
    const plaintext = await decryptJwe(keys, jwe);

    // Assess
    expect(plaintext).toBe('{"scope":"accounts"}');
  });

  it('derives one paging-cursor key from the HMAC key, the same in every instance', async () => {
    // Prepare
    const ids = await ensureTenantKeys(kms, { signingAlg, prefix });
    const otherKey = await kms.send(new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }));
    // Act
    const derived = await kmsDerivedMacKey(kms, ids.macKeyIds['paging-cursor'], 'paging-cursor')();
    const again = await kmsDerivedMacKey(kms, ids.macKeyIds['paging-cursor'], 'paging-cursor')();
    const other = await kmsDerivedMacKey(kms, otherKey.KeyMetadata!.KeyId!, 'paging-cursor')();
    // Assess
    expect(derived).toHaveLength(32);
    expect(Buffer.from(again)).toEqual(Buffer.from(derived));
    expect(Buffer.from(other)).not.toEqual(Buffer.from(derived));
  });

  it('keeps the existing keys when bootstrapped again', async () => {
    // Prepare
    const before = await kms.send(new ListAliasesCommand({}));
    const send = jest.spyOn(kms, 'send');

    // Act
    const ids = await ensureTenantKeys(kms, { signingAlg, prefix });

    // Assess
    const after = await kms.send(new ListAliasesCommand({}));
    expect(ids).toEqual({
      signingAlg,
      signingKeyIds: {
        'id-token': `alias/${prefix}-id-token`,
        'gateway-response': `alias/${prefix}-gateway-response`,
        'upstream-caller': `alias/${prefix}-upstream-caller`,
      },
      encryptionKeyId: `alias/${prefix}-encryption`,
      macKeyIds: { 'paging-cursor': `alias/${prefix}-paging-cursor` },
    });
    expect(send.mock.calls.map(([command]) => command.constructor.name)).not.toContain('CreateKeyCommand');
    expect(after.Aliases).toEqual(before.Aliases);
    send.mockRestore();
  });

  it('refuses to reuse the prefix for the other signing algorithm', async () => {
    // Act
    const bootstrapping = ensureTenantKeys(kms, { signingAlg: signingAlg === 'PS256' ? 'ES256' : 'PS256', prefix });

    // Assess
    await expect(bootstrapping).rejects.toThrow(`alias/${prefix}-id-token is a `);
  });
});

describe('local KMS endpoint', () => {
  it('keeps keys and aliases across a restart on the same data dir', async () => {
    // Prepare
    const ids = await ensureTenantKeys(kms, { signingAlg: 'ES256', prefix: 'restart' });
    const before = createKmsKeyService({ kms, ...keyServiceOptions(ids) });
    const jwksBefore = await before.publicJwks('id-token');
    const encryptionJwk = jwksBefore.keys.find((k) => k.use === 'enc') as JWK;
    const jwe = await new CompactEncrypt(new TextEncoder().encode('kept'))
      .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM' })
      .encrypt(await importJWK(encryptionJwk, 'RSA-OAEP-256'));
    const cursorKeyId = ids.macKeyIds['paging-cursor'];
    const cursorKeyBefore = await kmsDerivedMacKey(kms, cursorKeyId, 'paging-cursor')();

    // Act
    const restarted = await startLocalKms({ dataDir, port: 0 });
    const restartedKms = clientFor(restarted.url);
    try {
      const after = createKmsKeyService({ kms: restartedKms, ...keyServiceOptions(ids) });
      const jwt = await signJwt(after, { sub: 'after-restart' });
      const cursorKeyAfter = await kmsDerivedMacKey(restartedKms, cursorKeyId, 'paging-cursor')();

      // Assess
      expect(restarted.url).not.toBe(server.url);
      expect(await after.publicJwks('id-token')).toEqual(jwksBefore);
      expect((await jwtVerify(jwt, createLocalJWKSet(jwksBefore))).payload.sub).toBe('after-restart');
      expect(await decryptJwe(after, jwe)).toBe('kept');
      expect(Buffer.from(cursorKeyAfter)).toEqual(Buffer.from(cursorKeyBefore));
    } finally {
      restartedKms.destroy();
      await restarted.close();
    }
  });

  it('surfaces an unknown key as the SDK NotFoundException', async () => {
    // Prepare
    const keys = createKmsKeyService({ kms, signing: { 'id-token': { keyId: 'alias/does-not-exist', alg: 'PS256' } } });

    // Act
    const signing = signJwt(keys, { sub: 'x' });
    const describing = kms.send(new DescribeKeyCommand({ KeyId: '6f1c2ae4-7d0b-4f1a-9d59-0a7a1d1f0e11' }));

    // Assess
    await expect(signing).rejects.toBeInstanceOf(NotFoundException);
    await expect(describing).rejects.toBeInstanceOf(NotFoundException);
  });

  it('resolves a key by id, key ARN, alias name and alias ARN', async () => {
    // Prepare
    const signingKeyId = (await ensureTenantKeys(kms, { signingAlg: 'PS256', prefix: 'tenant-ps256' })).signingKeyIds[
      'id-token'
    ];
    const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: signingKeyId }));
    const { Aliases } = await kms.send(new ListAliasesCommand({ KeyId: KeyMetadata!.KeyId }));
    const forms = [KeyMetadata!.KeyId!, KeyMetadata!.Arn!, signingKeyId, Aliases![0]!.AliasArn!];

    // Act
    const resolved = await Promise.all(
      forms.map(async (KeyId) => (await kms.send(new GetPublicKeyCommand({ KeyId }))).KeyId),
    );

    // Assess
    expect(Aliases!.map((a) => a.AliasName)).toEqual([signingKeyId]);
    expect(resolved).toEqual(forms.map(() => KeyMetadata!.Arn));
  });

  it('signs RAW messages and verifies them, rejecting a tampered message', async () => {
    // Prepare
    const KeyId = 'alias/tenant-es256-id-token';
    const Message = new TextEncoder().encode('payment 100.00 GBP');
    const { Signature } = await kms.send(
      new SignCommand({ KeyId, Message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
    );

    // Act
    const verified = await kms.send(
      new VerifyCommand({ KeyId, Message, Signature, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    const tampered = kms.send(
      new VerifyCommand({
        KeyId,
        Message: new TextEncoder().encode('payment 900.00 GBP'),
        Signature,
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );

    // Assess
    expect(verified.SignatureValid).toBe(true);
    await expect(tampered).rejects.toBeInstanceOf(KMSInvalidSignatureException);
  });

  it.each([
    [
      'an ECC_NIST_P256 encryption key',
      { KeySpec: 'ECC_NIST_P256', KeyUsage: 'ENCRYPT_DECRYPT' },
      'ValidationException',
    ],
    ['a symmetric key', { KeyUsage: 'ENCRYPT_DECRYPT' }, 'UnsupportedOperationException'],
  ] as const)('refuses to create %s', async (_, input, errorName) => {
    // Act
    const creating = kms.send(new CreateKeyCommand(input));

    // Assess
    await expect(creating).rejects.toMatchObject({ name: errorName, $metadata: { httpStatusCode: 400 } });
  });

  it('serves GET /jwks through wiring.keys with the endpoint taken from AWS_ENDPOINT_URL_KMS', async () => {
    // Prepare: the handler module builds its KMSClient({}) from the environment, as on Lambda.
    const ids = await ensureTenantKeys(kms, { signingAlg: 'PS256', prefix: 'tenant-ps256' });
    const expected = await createKmsKeyService({ kms, ...keyServiceOptions(ids) }).publicJwks('id-token');
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_KMS: server.url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      BANKGATE_ISSUER: 'https://bank.example',
      BANKGATE_MTLS_BASE_URL: 'https://mtls.bank.example',
      ...keyEnvironment(ids),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
    });
    const { handler } = await import('../../lambdas/handlers/jwks');
    const event = { httpMethod: 'GET', resource: '/jwks', path: '/jwks', headers: {}, body: null };

    // Act
    const response = await handler(event as unknown as APIGatewayProxyEvent, { awsRequestId: 'local' } as Context);

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'application/jwk-set+json',
      'cache-control': 'public, max-age=300',
    });
    expect(JSON.parse(response.body)).toEqual(expected);
  });
});
