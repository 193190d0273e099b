/**
 * The platform's private keys, which never leave KMS: per configured key generation, one asymmetric signing
 * key for each signing purpose (ID tokens, gateway response JWS, upstream caller assertion; one key, one
 * purpose), and one RSA key that unwraps JWE content keys; per tenant, one HMAC key per MAC purpose (paging
 * cursors), from which functions derive their working key (ports/keys.ts MAC_PURPOSES).
 *
 * Key policies let the account administer the keys but not use them: only the function roles named
 * in a key's policy (through `allow`, from the manifest's key uses) can sign, decrypt or read public keys.
 * Rotation with overlap is driven by `signing.keys` / `signing.activeKey` in the tenant configuration: a
 * generation rotates the keys of every purpose together (see the README).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AccountRootPrincipal, Grant, type IGrantable, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { HandlerEnvironment } from '../../lambdas/environment';
import {
  MAC_PURPOSE_NAMES,
  MAC_PURPOSES,
  type MacPurpose,
  SIGNING_PURPOSE_NAMES,
  SIGNING_PURPOSES,
  type SigningPurpose,
} from '../../lambdas/ports/keys';
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

/** The keys of one signing purpose. */
export interface PurposeKeys {
  /** Signs now: the key of `signing.activeKey`. */
  readonly active: Key;
  /** Published in the purpose's JWKS but no longer (or not yet) signing: the other side of a rotation overlap. */
  readonly published: readonly Key[];
}

/** ID-token keys keep the construct id they had before keys were split by purpose (same logical ids, same keys). */
const CONSTRUCT_PREFIX: Record<SigningPurpose, string> = {
  'id-token': 'SigningKey',
  'gateway-response': 'GatewayResponseKey',
  'upstream-caller': 'UpstreamCallerKey',
};

export class PlatformKeys extends Construct {
  readonly signing: Readonly<Record<SigningPurpose, PurposeKeys>>;
  readonly activeSigningAlgorithm: SigningAlgorithmName;
  /** RSA key whose public half clients encrypt request objects to (RSA-OAEP-256). */
  readonly encryptionKey: Key;
  /**
   * HMAC_256 keys, one per MAC purpose. Not in the key generations: what they authenticate lives minutes
   * (a cursor), so a rotation is a new key whose old values are refused (the TPP starts from the first page).
   */
  readonly mac: Readonly<Record<MacPurpose, Key>>;

  constructor(scope: Construct, id: string, props: PlatformKeysProps) {
    super(scope, id);
    const { name, signing } = props.tenant;
    this.activeSigningAlgorithm = signing.keys.find((config) => config.id === signing.activeKey)!.algorithm;
    const purposeKeys = (purpose: SigningPurpose): PurposeKeys => {
      const keys = signing.keys.map((config) => ({
        config,
        key: this.nonRotatingKey(`${CONSTRUCT_PREFIX[purpose]}-${config.id}`, {
          alias: `alias/bankgate/${name}/${purpose}/${config.id}`,
          description: `Bankgate ${name}: ${config.algorithm} key ${config.id} that signs ${SIGNING_PURPOSES[purpose].description} only`,
          keySpec: KEY_SPEC[config.algorithm],
          keyUsage: KeyUsage.SIGN_VERIFY,
        }),
      }));
      return {
        active: keys.find(({ config }) => config.id === signing.activeKey)!.key,
        published: keys.filter(({ config }) => config.id !== signing.activeKey).map(({ key }) => key),
      };
    };
    this.signing = Object.fromEntries(
      SIGNING_PURPOSE_NAMES.map((purpose) => [purpose, purposeKeys(purpose)]),
    ) as Record<SigningPurpose, PurposeKeys>;
    this.encryptionKey = this.nonRotatingKey('EncryptionKey', {
      alias: `alias/bankgate/${name}/encryption`,
      description: `Bankgate ${name}: RSA-OAEP-256 key that unwraps request-object JWE content keys`,
      keySpec: KeySpec.RSA_2048,
      keyUsage: KeyUsage.ENCRYPT_DECRYPT,
    });
    this.mac = Object.fromEntries(
      MAC_PURPOSE_NAMES.map((purpose) => [
        purpose,
        this.nonRotatingKey(`MacKey-${purpose}`, {
          alias: `alias/bankgate/${name}/${purpose}`,
          description: `Bankgate ${name}: HMAC key from which ${MAC_PURPOSES[purpose].description} keys are derived`,
          keySpec: KeySpec.HMAC_256,
          keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
        }),
      ]),
    ) as Record<MacPurpose, Key>;
  }

  /** Lets `grantee` use the keys as a handler's manifest entry says, in the key policy and the role policy. */
  allow(grantee: IGrantable, use: KeyUse): void {
    if (use === 'publicKeys') {
      for (const { active, published } of Object.values(this.signing)) {
        for (const key of [active, ...published]) this.grant(grantee, key, ['kms:GetPublicKey']);
      }
      this.grant(grantee, this.encryptionKey, ['kms:GetPublicKey']);
    } else if (use === 'decrypt') {
      this.grant(grantee, this.encryptionKey, ['kms:Decrypt', 'kms:GetPublicKey']);
    } else if ('mac' in use) {
      this.grant(grantee, this.mac[use.mac], ['kms:GenerateMac']);
    } else {
      this.grant(grantee, this.signing[use.sign].active, ['kms:Sign', 'kms:GetPublicKey']);
    }
  }

  /** The key environment of a function with these uses (lambdas/config.ts): only the keys it may use. */
  environment(uses: readonly KeyUse[]): Partial<HandlerEnvironment> {
    const env: Record<string, string> = { BANKGATE_SIGNING_ALG: this.activeSigningAlgorithm };
    for (const use of uses) {
      if (use === 'decrypt') {
        env.BANKGATE_ENCRYPTION_KEY_ID = this.encryptionKey.keyArn;
      } else if (use === 'publicKeys') {
        env.BANKGATE_ENCRYPTION_KEY_ID = this.encryptionKey.keyArn;
        for (const purpose of SIGNING_PURPOSE_NAMES) {
          const { active, published } = this.signing[purpose];
          env[`BANKGATE_${SIGNING_PURPOSES[purpose].env}_KEY_ID`] = active.keyArn;
          if (published.length > 0) {
            env[`BANKGATE_PUBLISHED_${SIGNING_PURPOSES[purpose].env}_KEY_IDS`] = published
              .map((k) => k.keyArn)
              .join(',');
          }
        }
      } else if ('mac' in use) {
        env[`BANKGATE_${MAC_PURPOSES[use.mac].env}_KEY_ID`] = this.mac[use.mac].keyArn;
      } else {
        env[`BANKGATE_${SIGNING_PURPOSES[use.sign].env}_KEY_ID`] = this.signing[use.sign].active.keyArn;
      }
    }
    return env;
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

  /** A key KMS cannot rotate automatically (asymmetric and HMAC keys): rotation is a new key. */
  private nonRotatingKey(
    id: string,
    options: { alias: string; description: string; keySpec: KeySpec; keyUsage: KeyUsage },
  ): Key {
    return new Key(this, id, {
      ...options,
      // KMS rotates only symmetric encryption keys; these rotate by a new key generation (README) or a new key.
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
