/**
 * Creates a tenant's KMS keys the way the CDK stack declares them (one asymmetric signing key per signing
 * purpose + RSA key for request-object JWE + one HMAC key per MAC purpose), through the real SDK, so the
 * sandbox exercises the same KMS calls as AWS.
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
import type { KmsKeyServiceOptions } from '../../lambdas/adapters/kms-keys';
import {
  MAC_PURPOSE_NAMES,
  MAC_PURPOSES,
  type MacPurpose,
  SIGNING_PURPOSE_NAMES,
  SIGNING_PURPOSES,
  type SigningAlg,
  type SigningPurpose,
} from '../../lambdas/ports/keys';

export interface TenantKeyOptions {
  readonly signingAlg: SigningAlg;
  /** Alias prefix: the keys become `alias/<prefix>-<signing purpose>` and `alias/<prefix>-encryption`. */
  readonly prefix: string;
}

export interface TenantKeys {
  readonly signingAlg: SigningAlg;
  /** Alias names, usable as KMS KeyIds: one signing key per purpose, and the JWE key. */
  readonly signingKeyIds: Readonly<Record<SigningPurpose, string>>;
  readonly encryptionKeyId: string;
  /** Alias names of the HMAC keys, one per MAC purpose. */
  readonly macKeyIds: Readonly<Record<MacPurpose, string>>;
}

export async function ensureTenantKeys(kms: KMSClient, options: TenantKeyOptions): Promise<TenantKeys> {
  const signingKeyIds = Object.fromEntries(
    SIGNING_PURPOSE_NAMES.map((purpose) => [purpose, `alias/${options.prefix}-${purpose}`]),
  ) as Record<SigningPurpose, string>;
  const encryptionKeyId = `alias/${options.prefix}-encryption`;
  const signingSpec: KeySpec = options.signingAlg === 'ES256' ? 'ECC_NIST_P256' : 'RSA_2048';
  // One after another: the local KMS persists its alias table with each CreateAlias.
  for (const keyId of Object.values(signingKeyIds)) await ensureKey(kms, keyId, signingSpec, 'SIGN_VERIFY');
  await ensureKey(kms, encryptionKeyId, 'RSA_2048', 'ENCRYPT_DECRYPT');
  const macKeyIds = Object.fromEntries(
    MAC_PURPOSE_NAMES.map((purpose) => [purpose, `alias/${options.prefix}-${purpose}`]),
  ) as Record<MacPurpose, string>;
  for (const keyId of Object.values(macKeyIds)) await ensureKey(kms, keyId, 'HMAC_256', 'GENERATE_VERIFY_MAC');
  return { signingAlg: options.signingAlg, signingKeyIds, encryptionKeyId, macKeyIds };
}

/** The handler environment of these keys, the variables CDK sets (lambdas/config.ts). */
export function keyEnvironment(keys: TenantKeys): Record<string, string> {
  return {
    BANKGATE_SIGNING_ALG: keys.signingAlg,
    BANKGATE_ENCRYPTION_KEY_ID: keys.encryptionKeyId,
    ...Object.fromEntries(
      SIGNING_PURPOSE_NAMES.map((purpose) => [
        `BANKGATE_${SIGNING_PURPOSES[purpose].env}_KEY_ID`,
        keys.signingKeyIds[purpose],
      ]),
    ),
    ...Object.fromEntries(
      MAC_PURPOSE_NAMES.map((purpose) => [`BANKGATE_${MAC_PURPOSES[purpose].env}_KEY_ID`, keys.macKeyIds[purpose]]),
    ),
  };
}

/** KMS key service options for these keys (tests and tools that sign outside a handler). */
export function keyServiceOptions(keys: TenantKeys): Pick<KmsKeyServiceOptions, 'signing' | 'encryptionKeyId'> {
  return {
    signing: Object.fromEntries(
      SIGNING_PURPOSE_NAMES.map((purpose) => [purpose, { keyId: keys.signingKeyIds[purpose], alg: keys.signingAlg }]),
    ),
    encryptionKeyId: keys.encryptionKeyId,
  };
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
