/**
 * The platform's private keys, which never leave KMS: one asymmetric signing key per configured key
 * generation (ID tokens, JWKS, response JWS) and one RSA key that unwraps JWE content keys.
 *
 * Key policies let the account administer the keys but not use them: only the function roles named
 * in a key's policy (through `allow`) can sign, decrypt or read public keys. Rotation with overlap is
 * driven by `signing.keys` / `signing.activeKey` in the tenant configuration (see the README).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AccountRootPrincipal, Grant, type IGrantable, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { KeyUse } from '../../lambdas/routes';
import type { SigningAlgorithmName, TenantConfig } from '../tenant-config';

/**
 * Administration without use: the account (its IAM administrators) can manage, describe and delete the keys.
 * `kms:CreateAlias` rather than `kms:Create*`, which includes `kms:CreateGrant`: a grant would let any principal
 * with that IAM permission sign or decrypt with the key without the key policy naming it.
 */
const ADMIN_ACTIONS = [
  'kms:CreateAlias',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

const KEY_SPEC: Record<SigningAlgorithmName, KeySpec> = {
  PS256: KeySpec.RSA_2048,
  ES256: KeySpec.ECC_NIST_P256,
};

export interface PlatformKeysProps {
  readonly tenant: TenantConfig;
}

export class PlatformKeys extends Construct {
  /** Signs now: `signing.activeKey`. */
  readonly activeSigningKey: Key;
  readonly activeSigningAlgorithm: SigningAlgorithmName;
  /** Published in the JWKS but no longer (or not yet) signing: the other side of a rotation overlap. */
  readonly publishedSigningKeys: readonly Key[];
  /** RSA key whose public half clients encrypt request objects to (RSA-OAEP-256). */
  readonly encryptionKey: Key;

  constructor(scope: Construct, id: string, props: PlatformKeysProps) {
    super(scope, id);
    const { name, signing } = props.tenant;
    const signingKeys = signing.keys.map((config) => ({
      config,
      key: this.asymmetricKey(`SigningKey-${config.id}`, {
        alias: `alias/bankgate/${name}/signing/${config.id}`,
        description: `Bankgate ${name}: ${config.algorithm} signing key ${config.id} (ID tokens, JWKS, response JWS)`,
        keySpec: KEY_SPEC[config.algorithm],
        keyUsage: KeyUsage.SIGN_VERIFY,
      }),
    }));
    const active = signingKeys.find(({ config }) => config.id === signing.activeKey)!;
    this.activeSigningKey = active.key;
    this.activeSigningAlgorithm = active.config.algorithm;
    this.publishedSigningKeys = signingKeys.filter((entry) => entry !== active).map(({ key }) => key);
    this.encryptionKey = this.asymmetricKey('EncryptionKey', {
      alias: `alias/bankgate/${name}/encryption`,
      description: `Bankgate ${name}: RSA-OAEP-256 key that unwraps request-object JWE content keys`,
      keySpec: KeySpec.RSA_2048,
      keyUsage: KeyUsage.ENCRYPT_DECRYPT,
    });
  }

  /** Lets `grantee` use the keys as a handler's manifest entry says, in the key policy and the role policy. */
  allow(grantee: IGrantable, use: KeyUse): void {
    switch (use) {
      case 'sign':
        this.grant(grantee, this.activeSigningKey, ['kms:Sign', 'kms:GetPublicKey']);
        return;
      case 'publicKeys':
        for (const key of [this.activeSigningKey, ...this.publishedSigningKeys, this.encryptionKey]) {
          this.grant(grantee, key, ['kms:GetPublicKey']);
        }
        return;
      case 'decrypt':
        this.grant(grantee, this.encryptionKey, ['kms:Decrypt', 'kms:GetPublicKey']);
        return;
    }
  }

  private grant(grantee: IGrantable, key: Key, actions: string[]): void {
    Grant.addToPrincipalAndResource({
      grantee,
      actions,
      resourceArns: [key.keyArn],
      resource: key,
      resourceSelfArns: ['*'],
    });
  }

  private asymmetricKey(
    id: string,
    options: { alias: string; description: string; keySpec: KeySpec; keyUsage: KeyUsage },
  ): Key {
    return new Key(this, id, {
      ...options,
      // Asymmetric KMS keys cannot rotate automatically; rotation is a new key generation (README).
      enableKeyRotation: false,
      policy: new PolicyDocument({
        statements: [
          new PolicyStatement({
            sid: 'AdministrationByAccount',
            principals: [new AccountRootPrincipal()],
            actions: ADMIN_ACTIONS,
            resources: ['*'],
          }),
        ],
      }),
      // A retired signing key must outlive the tokens it signed; schedule its deletion by hand.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
