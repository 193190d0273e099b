/**
 * Creates a tenant's KMS keys the way the CDK stack declares them (asymmetric signing key + RSA key for
 * request-object JWE), through the real SDK, so the sandbox exercises the same KMS calls as AWS.
 * Idempotent: keys found under their aliases are kept, so a restarted sandbox keeps its kids.
 */
import {
  AlreadyExistsException,
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  type KeySpec,
  type KeyUsageType,
  type KMSClient,
  NotFoundException,
} from '@aws-sdk/client-kms';

export interface TenantKeyOptions {
  readonly signingAlg: 'PS256' | 'ES256';
  /** Alias prefix: the keys become `alias/<prefix>-signing` and `alias/<prefix>-encryption`. */
  readonly prefix: string;
}

export interface TenantKeys {
  /** Alias names, usable as KMS KeyIds (BANKGATE_SIGNING_KEY_ID / BANKGATE_ENCRYPTION_KEY_ID). */
  readonly signingKeyId: string;
  readonly encryptionKeyId: string;
}

export async function ensureTenantKeys(kms: KMSClient, options: TenantKeyOptions): Promise<TenantKeys> {
  const signingKeyId = `alias/${options.prefix}-signing`;
  const encryptionKeyId = `alias/${options.prefix}-encryption`;
  const signingSpec: KeySpec = options.signingAlg === 'ES256' ? 'ECC_NIST_P256' : 'RSA_2048';
  await ensureKey(kms, signingKeyId, signingSpec, 'SIGN_VERIFY');
  await ensureKey(kms, encryptionKeyId, 'RSA_2048', 'ENCRYPT_DECRYPT');
  return { signingKeyId, encryptionKeyId };
}

async function ensureKey(kms: KMSClient, aliasName: string, keySpec: KeySpec, keyUsage: KeyUsageType): Promise<void> {
  const existing = await describe(kms, aliasName);
  if (existing) {
    // Switching PS256 <-> ES256 on an existing data dir would otherwise publish a JWKS that lies about the key.
    if (existing.KeySpec !== keySpec || existing.KeyUsage !== keyUsage) {
      throw new Error(
        `${aliasName} is a ${existing.KeySpec} ${existing.KeyUsage} key; expected ${keySpec} ${keyUsage}. Use another prefix or reset the KMS data.`,
      );
    }
    return;
  }
  const created = await kms.send(
    new CreateKeyCommand({ KeySpec: keySpec, KeyUsage: keyUsage, Description: `Bankgate ${aliasName}` }),
  );
  try {
    await kms.send(new CreateAliasCommand({ AliasName: aliasName, TargetKeyId: created.KeyMetadata!.KeyId! }));
  } catch (error) {
    // A concurrent bootstrap won the alias; its key is the one in use.
    if (!(error instanceof AlreadyExistsException)) throw error;
  }
}

async function describe(kms: KMSClient, keyId: string) {
  try {
    return (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  } catch (error) {
    if (error instanceof NotFoundException) return undefined;
    throw error;
  }
}
