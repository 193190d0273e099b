/**
 * Platform and security review of one tenant's CloudFormation (tpi-bank), read the way a bank's platform
 * team reads a template before approving a deploy: IAM least privilege per function, key policies, data
 * protection, edge hardening, logging and alerting. Only what stack.test.ts (the deployment's promises) and
 * tenants.test.ts (cdk-nag) do not already check. Every exception to a rule is listed here with its reason.
 *
 * Stated choices, asserted below:
 * - DynamoDB: encrypted with the tenant's customer-managed key (checked in stack.test.ts), PITR on, retained.
 * - S3: SSE-S3 (AES256) on every bucket; versioning only on the truststore bucket.
 * - Metrics: Powertools writes EMF to the function's log group, so no role holds cloudwatch:PutMetricData.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { type DynamoAction, type HandlerSpec, handlers, WRITE_ACTIONS } from '../../lambdas/routes';
import { allTables, type TableKey, TTL_ATTRIBUTE, tables } from '../../lambdas/tables';
import type { BankgateStack } from '../../lib/bankgate-stack';
import { STAGE_NAME } from '../../lib/constructs/surface-api';
import { PROJECT_ROOT } from '../../lib/paths';
import { resolveTenant } from '../../lib/tenant-config';
import { dynamoActionsOfHandler } from './dynamo-commands';
import { type Json, resourcesOf, sampleTenants, synthesizeTenant } from './synth';

const TENANT = 'tpi-bank';
const tenant = resolveTenant(sampleTenants(), TENANT, PROJECT_ROOT);

/** What DynamoDB does with the tenant data key on a caller's behalf: reads, and writes (any item change). */
const DATA_KEY_ACTIONS = {
  read: ['kms:Decrypt', 'kms:DescribeKey'],
  write: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
} as const;
const dataKeyAccess = (actions: readonly DynamoAction[]) =>
  actions.some((action) => WRITE_ACTIONS.has(action)) ? 'write' : 'read';

/** The only `Resource: "*"` grants in identity policies, and why AWS leaves no narrower choice. */
const RESOURCE_STAR_EXCEPTIONS: Record<string, { readonly roles: 'handlers' | 'deployment'; readonly why: string }> = {
  'xray:PutTraceSegments': { roles: 'handlers', why: 'X-Ray defines no resource types (active tracing)' },
  'xray:PutTelemetryRecords': { roles: 'handlers', why: 'X-Ray defines no resource types (active tracing)' },
  'cloudfront:CreateInvalidation': {
    roles: 'deployment',
    why: "aws-cdk-lib's BucketDeployment singleton writes this statement; the app cannot scope it",
  },
  'cloudfront:GetInvalidation': {
    roles: 'deployment',
    why: "aws-cdk-lib's BucketDeployment singleton writes this statement; the app cannot scope it",
  },
};

/** The only wildcard actions in identity policies (never `*` or `service:*`), and why. */
const WILDCARD_ACTION_EXCEPTIONS: Record<string, { readonly roles: 'handlers' | 'deployment'; readonly why: string }> =
  {
    'kms:GenerateDataKey*': { roles: 'handlers', why: 'DynamoDB writes with the tenant data key (via DynamoDB only)' },
    'kms:ReEncrypt*': { roles: 'handlers', why: 'DynamoDB writes with the tenant data key (via DynamoDB only)' },
    ...Object.fromEntries(
      ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'].map((action) => [
        action,
        { roles: 'deployment', why: "aws-cdk-lib BucketDeployment's grantRead / grantReadWrite (asset and uploads)" },
      ]),
    ),
  };

interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

let stack: BankgateStack;
let template: Template;
let resources: Record<string, { Type: string; Properties: Json } & Json>;

beforeAll(() => {
  ({ stack, template } = synthesizeTenant(TENANT));
  resources = template.toJSON().Resources;
});

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const actionsOf = (statement: Statement) => list(statement.Action);
const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
/** IAM action patterns are case-insensitive globs. */
const covers = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(action);
const isServiceWide = (action: string) => action === '*' || /^[a-z0-9-]+:\*$/i.test(action);

function functionOf(id: string) {
  return stack.functions.functions.find((entry) => entry.spec.id === id)!;
}
const handlerRoleIds = () => new Set(stack.functions.functions.map(({ fn }) => logicalId(fn.role!)));
const deploymentRoleIds = () =>
  new Set(
    Object.keys(resourcesOf(template, 'AWS::IAM::Role')).filter((id) => id.startsWith('CustomCDKBucketDeployment')),
  );

/** Statements of the identity policies attached to a role. */
function roleStatements(roleId: string): Statement[] {
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => list(policy.Properties.Roles as Json[]).some((role) => role.Ref === roleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
const handlerStatements = (id: string) => roleStatements(logicalId(functionOf(id).fn.role!));

function keyPolicy(keyId: string): Statement[] {
  return (resources[keyId].Properties.KeyPolicy as { Statement: Statement[] }).Statement;
}
const kmsKeyIds = () => Object.keys(resourcesOf(template, 'AWS::KMS::Key'));
const isSymmetric = (keyId: string) =>
  [undefined, 'SYMMETRIC_DEFAULT'].includes(resources[keyId].Properties.KeySpec as string | undefined);

/** `{ Fn::GetAtt: [id, 'Arn'] }` -> id, `{ Ref: id }` -> id. */
function referencedId(value: unknown): string | undefined {
  const json = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | undefined;
  return json?.Ref ?? json?.['Fn::GetAtt']?.[0];
}

/** A table resource of a DynamoDB statement: the table ARN or `<table ARN>/index/*`. */
function tableResource(resource: unknown): { tableId: string; indexes: boolean } {
  const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join?.[0] === '' && join[1].length === 2 && join[1][1] === '/index/*') {
    return { tableId: referencedId(join[1][0])!, indexes: true };
  }
  const id = referencedId(resource);
  if (!id || !(resource as Json)['Fn::GetAtt']) throw new Error(`Not a table ARN: ${JSON.stringify(resource)}`);
  return { tableId: id, indexes: false };
}

const tableIdOf = (key: TableKey) => logicalId(stack.tables.table(key));
const mentionsId = (value: unknown, id: string) => JSON.stringify(value ?? null).includes(`"${id}"`);

/** Every .ts file under `dir`, recursively. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('IAM: every policy statement', () => {
  it('grants no service-wide action and only the listed partial wildcards, to the listed roles', () => {
    // Prepare
    const handlerRoles = handlerRoleIds();
    const deploymentRoles = deploymentRoleIds();
    const roleIds = Object.keys(resourcesOf(template, 'AWS::IAM::Role'));
    // Act
    const granted = roleIds.flatMap((roleId) =>
      roleStatements(roleId)
        .filter((s) => s.Effect === 'Allow')
        .flatMap((s) => actionsOf(s).map((action) => ({ roleId, action }))),
    );
    // Assess
    expect(roleIds.length).toBe(handlers.length + 1);
    expect(granted.filter(({ action }) => isServiceWide(action))).toEqual([]);
    const unexpected = granted.filter(({ roleId, action }) => {
      if (!action.includes('*')) return false;
      const exception = WILDCARD_ACTION_EXCEPTIONS[action];
      const roles = exception?.roles === 'handlers' ? handlerRoles : deploymentRoles;
      return !exception || !roles.has(roleId);
    });
    expect(unexpected).toEqual([]);
  });

  it('uses Resource "*" only for actions AWS cannot scope, each listed with its reason', () => {
    // Prepare
    const handlerRoles = handlerRoleIds();
    const deploymentRoles = deploymentRoleIds();
    // Act
    const starGrants = [...handlerRoles, ...deploymentRoles].flatMap((roleId) =>
      roleStatements(roleId)
        .filter((s) => s.Effect === 'Allow' && list(s.Resource).includes('*'))
        .flatMap((s) => actionsOf(s).map((action) => ({ roleId, action }))),
    );
    // Assess
    expect(starGrants.length).toBeGreaterThan(0);
    for (const { roleId, action } of starGrants) {
      const exception = RESOURCE_STAR_EXCEPTIONS[action];
      const roles = exception?.roles === 'handlers' ? handlerRoles : deploymentRoles;
      expect({ roleId, action, listed: Boolean(exception && roles.has(roleId)) }).toEqual({
        roleId,
        action,
        listed: true,
      });
    }
  });

  it('lets only Lambda assume the roles, and attaches no AWS managed policy to a handler role', () => {
    // Prepare
    const handlerRoles = handlerRoleIds();
    // Act
    const roles = resourcesOf(template, 'AWS::IAM::Role');
    // Assess
    for (const [roleId, role] of Object.entries(roles)) {
      expect(role.Properties.AssumeRolePolicyDocument).toEqual({
        Version: '2012-10-17',
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }],
      });
      expect(role.Properties.Policies).toBeUndefined();
      if (handlerRoles.has(roleId)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    // The CDK deployment function logs through the basic execution policy (acknowledged in deployment.ts).
    for (const roleId of deploymentRoleIds()) {
      expect(roles[roleId].Properties.ManagedPolicyArns).toEqual([
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
          ],
        },
      ]);
    }
  });
});

describe('IAM: each function holds only what its manifest entry names', () => {
  const cases = handlers.map((spec) => [spec.id, spec] as const);

  it.each(cases)('%s holds no action outside its manifest entry', (id, spec) => {
    // Prepare
    const allowed = new Set<string>([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      ...Object.values(spec.tables).flatMap((actions) => [
        ...actions.map((action) => `dynamodb:${action}`),
        ...DATA_KEY_ACTIONS[dataKeyAccess(actions)],
      ]),
      ...(spec.keys.some((use) => typeof use === 'object' && 'sign' in use) ? ['kms:Sign', 'kms:GetPublicKey'] : []),
      ...(spec.keys.some((use) => typeof use === 'object' && 'mac' in use) ? ['kms:GenerateMac'] : []),
      ...(spec.keys.includes('publicKeys') ? ['kms:GetPublicKey'] : []),
      ...(spec.keys.includes('decrypt') ? ['kms:Decrypt', 'kms:GetPublicKey'] : []),
      ...(spec.idpSecret || spec.staffIdpSecret
        ? ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']
        : []),
    ]);
    // Act
    const actions = handlerStatements(id).flatMap(actionsOf);
    // Assess
    expect(handlerStatements(id).every((s) => s.Effect === 'Allow')).toBe(true);
    expect(actions.filter((action) => !allowed.has(action))).toEqual([]);
  });

  it.each(cases)('%s is declared with exactly the DynamoDB actions its code sends, per table', (id, spec) => {
    // Act
    const sent = dynamoActionsOfHandler(id);
    // Assess
    const declared = Object.fromEntries(
      Object.entries(spec.tables).map(([key, actions]) => [key, [...actions].sort()]),
    );
    expect(declared).toEqual(sent);
  });

  it.each(cases)('%s holds per table exactly its declared actions, Query also on the indexes', (id, spec) => {
    // Prepare
    const expected = Object.fromEntries(
      (Object.entries(spec.tables) as [TableKey, readonly DynamoAction[]][]).flatMap(([key, actions]) => [
        [tableIdOf(key), actions.map((action) => `dynamodb:${action}`).sort()],
        ...(actions.includes('Query') && tables[key].indexes.length > 0
          ? [[`${tableIdOf(key)}/index/*`, ['dynamodb:Query']]]
          : []),
      ]),
    );
    // Act
    const granted = new Map<string, Set<string>>();
    for (const statement of handlerStatements(id)) {
      const actions = actionsOf(statement).filter((a) => a.startsWith('dynamodb:'));
      if (actions.length === 0) continue;
      for (const resource of list(statement.Resource)) {
        const { tableId, indexes } = tableResource(resource);
        const target = `${tableId}${indexes ? '/index/*' : ''}`;
        granted.set(target, new Set([...(granted.get(target) ?? []), ...actions]));
      }
    }
    // Assess
    expect(Object.fromEntries([...granted].map(([target, actions]) => [target, [...actions].sort()]))).toEqual(
      expected,
    );
  });

  it.each(cases)('%s uses KMS keys only as its manifest says, the data key only through DynamoDB', (id, spec) => {
    // Prepare
    const { signing, encryptionKey, mac } = stack.keys;
    const dataKey = logicalId(stack.tables.key);
    const declared = Object.values(spec.tables).flat();
    const dataKeyActions = declared.length > 0 ? DATA_KEY_ACTIONS[dataKeyAccess(declared)] : [];
    const expected = new Set<string>([
      ...dataKeyActions.map((action) => `${action} ${dataKey}`),
      ...spec.keys.flatMap((use) =>
        typeof use !== 'object'
          ? []
          : 'mac' in use
            ? [`kms:GenerateMac ${logicalId(mac[use.mac])}`]
            : ['kms:Sign', 'kms:GetPublicKey'].map((action) => `${action} ${logicalId(signing[use.sign].active)}`),
      ),
      ...(spec.keys.includes('publicKeys')
        ? [...Object.values(signing).flatMap(({ active, published }) => [active, ...published]), encryptionKey].map(
            (k) => `kms:GetPublicKey ${logicalId(k)}`,
          )
        : []),
      ...(spec.keys.includes('decrypt') ? ['kms:Decrypt', 'kms:GetPublicKey'] : []).map(
        (action) => `${action} ${logicalId(encryptionKey)}`,
      ),
    ]);
    // Act
    const kmsStatements = handlerStatements(id).filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
    const granted = kmsStatements.flatMap((s) =>
      actionsOf(s).flatMap((action) => list(s.Resource).map((resource) => `${action} ${referencedId(resource)}`)),
    );
    // Assess
    expect([...new Set(granted)].sort()).toEqual([...expected].sort());
    for (const statement of kmsStatements.filter((s) => mentionsId(s.Resource, dataKey))) {
      expect(list(statement.Resource)).toEqual([arnOf(stack.tables.key)]);
      expect(statement.Condition).toEqual({
        StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['dynamodb.eu-west-2.', { Ref: 'AWS::URLSuffix' }]] } },
      });
    }
  });

  it.each(cases)('%s writes logs only to its own log group and reads IdP secrets only by their ARNs', (id, spec) => {
    // Prepare
    const { logGroup } = functionOf(id);
    const secretArns = [
      ...(spec.idpSecret ? [tenant.identityProvider.clientSecretArn] : []),
      ...(spec.staffIdpSecret ? [tenant.staffIdentityProvider.clientSecretArn] : []),
    ];
    // Act
    const statements = handlerStatements(id);
    const logs = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
    const secrets = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
    // Assess
    expect(logs.map((s) => s.Resource)).toEqual([arnOf(logGroup)]);
    expect(secrets.map((s) => s.Resource)).toEqual(secretArns);
  });
});

describe('KMS keys', () => {
  it('are all retained when the stack is deleted or the key replaced', () => {
    // Act
    const keys = kmsKeyIds().map((id) => [id, resources[id].DeletionPolicy, resources[id].UpdateReplacePolicy]);
    // Assess
    // One signing key per purpose (ID tokens, response JWS, caller assertion), the JWE key, the paging-cursor
    // HMAC key, the data and topic keys.
    expect(keys).toHaveLength(7);
    expect(keys).toEqual(kmsKeyIds().map((id) => [id, 'Retain', 'Retain']));
  });

  it('rotate yearly when symmetric; asymmetric keys rotate by a new key generation instead', () => {
    // Act
    const rotation = kmsKeyIds().map((id) => [id, isSymmetric(id), resources[id].Properties.EnableKeyRotation]);
    // Assess
    // AWS KMS cannot rotate asymmetric keys; signing.keys / activeKey roll them with overlap (README).
    expect(rotation).toEqual(kmsKeyIds().map((id) => [id, isSymmetric(id), isSymmetric(id)]));
    expect(rotation.filter(([, symmetric]) => symmetric)).toHaveLength(2);
  });

  it('give kms:* to no one but the account root, and name only this tenant’s roles and CloudWatch', () => {
    // Prepare
    const accountRoot = `arn:aws:iam::${tenant.account}:root`;
    const handlerRoles = handlerRoleIds();
    const topicKey = logicalId(stack.node.findChild('Monitoring').node.findChild('TopicKey'));
    // Act
    const statements = kmsKeyIds().flatMap((keyId) => keyPolicy(keyId).map((statement) => ({ keyId, statement })));
    // Assess
    for (const { keyId, statement } of statements) {
      const principal = statement.Principal as { AWS?: unknown; Service?: unknown };
      expect({ keyId, effect: statement.Effect }).toEqual({ keyId, effect: 'Allow' });
      expect(statement.Principal).not.toEqual('*');
      if (actionsOf(statement).some(isServiceWide)) expect(principal).toEqual({ AWS: accountRoot });
      for (const aws of list(principal.AWS)) {
        const isHandlerRole = handlerRoles.has(referencedId(aws) ?? '');
        expect({ keyId, aws, allowed: aws === accountRoot || isHandlerRole }).toEqual({ keyId, aws, allowed: true });
      }
      if (principal.Service) {
        // CloudWatch encrypts alarm notifications for the encrypted alarm topic, and nothing else.
        expect({ keyId, service: principal.Service, actions: actionsOf(statement) }).toEqual({
          keyId: topicKey,
          service: 'cloudwatch.amazonaws.com',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        });
      }
    }
  });

  it('let the account administer the asymmetric and HMAC keys with no path to using them, grants included', () => {
    // Prepare
    const useActions = [
      'kms:Sign',
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:ReEncryptFrom',
      'kms:CreateGrant',
      'kms:GenerateMac',
    ];
    const asymmetric = kmsKeyIds().filter((id) => !isSymmetric(id));
    // Act
    const rootPatterns = asymmetric.flatMap((keyId) =>
      keyPolicy(keyId)
        .filter((s) => JSON.stringify(s.Principal).includes(':root'))
        .flatMap(actionsOf),
    );
    // Assess
    expect(asymmetric).toHaveLength(5);
    expect(useActions.filter((action) => rootPatterns.some((pattern) => covers(pattern, action)))).toEqual([]);
    // Still administrable: policy updates, aliases, deletion.
    for (const action of ['kms:PutKeyPolicy', 'kms:CreateAlias', 'kms:ScheduleKeyDeletion', 'kms:DisableKey']) {
      expect(rootPatterns.some((pattern) => covers(pattern, action))).toBe(true);
    }
  });
});

describe('DynamoDB', () => {
  it('expires items by TTL in every table whose adapter reads or writes expiresAt', () => {
    // Prepare
    const adapters = sourceFiles(join(PROJECT_ROOT, 'lambdas', 'adapters', 'dynamodb')).map((file) =>
      readFileSync(file, 'utf8'),
    );
    // Act
    const expiring = new Set(
      adapters
        .filter((source) => source.includes(TTL_ATTRIBUTE))
        .flatMap((source) => [...source.matchAll(/tableName\('(\w+)'\)/g)].map(([, key]) => key as TableKey)),
    );
    // Assess: tokens.ts also names the tables its issuance transaction only condition-checks.
    const conditionChecked: TableKey[] = ['consents', 'revokedCertificates'];
    const written = [...expiring].filter((key) => !conditionChecked.includes(key));
    expect(written.sort()).toEqual(['authorizations', 'portalSessions', 'replay', 'tokenCollections', 'tokens']);
    for (const key of written) {
      expect(resources[tableIdOf(key)].Properties.TimeToLiveSpecification).toEqual({
        AttributeName: TTL_ATTRIBUTE,
        Enabled: true,
      });
    }
  });

  it('streams no table: no change feed exists to read data out of the tables', () => {
    // Act
    const tableResources = Object.values(resourcesOf(template, 'AWS::DynamoDB::GlobalTable'));
    // Assess
    expect(tableResources).toHaveLength(allTables.length);
    expect(tableResources.filter((t) => t.Properties.StreamSpecification)).toEqual([]);
  });
});

describe('S3 buckets', () => {
  const buckets = () => resourcesOf(template, 'AWS::S3::Bucket');
  const bucketPolicy = (bucketId: string) =>
    Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy')).find(
      (policy) => referencedId(policy.Properties.Bucket) === bucketId,
    )?.Properties.PolicyDocument as { Statement: Statement[] } | undefined;
  const accessLogsId = () => logicalId(stack.node.findChild('AccessLogs'));
  const truststoreId = () => logicalId(stack.node.findChild('Truststore').node.findChild('Bucket'));

  it('block all public access, encrypt with S3-managed keys and are retained', () => {
    // Act
    const all = Object.entries(buckets());
    // Assess
    expect(all).toHaveLength(3);
    for (const [id, bucket] of all) {
      expect([id, bucket.DeletionPolicy, bucket.UpdateReplacePolicy]).toEqual([id, 'Retain', 'Retain']);
      expect(bucket.Properties).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      });
    }
  });

  it('refuse every request that is not over TLS', () => {
    // Prepare
    const ids = Object.keys(buckets());
    // Act
    const policies = ids.map((id) => bucketPolicy(id)?.Statement ?? []);
    // Assess
    ids.forEach((id, i) => {
      expect(policies[i]).toContainEqual({
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: [{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, '/*']] }],
      });
    });
  });

  it('version only the truststore, whose previous bundle a rollback points back to', () => {
    // Act
    const versioned = Object.entries(buckets())
      .filter(([, bucket]) => (bucket.Properties.VersioningConfiguration as Json | undefined)?.Status === 'Enabled')
      .map(([id]) => id);
    // Assess
    // Not versioned: the consent page is rebuilt from web/ on every deploy; access logs are written once and expire.
    expect(versioned).toEqual([truststoreId()]);
  });

  it('let in only CloudFront (consent page, through OAC) and S3 log delivery (access logs)', () => {
    // Prepare
    const site = stack.consentSite!;
    const allowsOf = (id: string) => (bucketPolicy(id)?.Statement ?? []).filter((s) => s.Effect === 'Allow');
    // Act
    const consent = allowsOf(logicalId(site.bucket));
    const truststore = allowsOf(truststoreId());
    const accessLogs = allowsOf(accessLogsId());
    // Assess
    expect(consent).toEqual([
      {
        Action: 's3:GetObject',
        Condition: {
          StringEquals: {
            'AWS:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':cloudfront::',
                  { Ref: 'AWS::AccountId' },
                  ':distribution/',
                  { Ref: logicalId(site.distribution) },
                ],
              ],
            },
          },
        },
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(site.bucket), 'Arn'] }, '/*']] },
      },
    ]);
    // API Gateway reads the truststore with the deploying principal's own permissions.
    expect(truststore).toEqual([]);
    expect(accessLogs.length).toBeGreaterThan(0);
    for (const statement of accessLogs) {
      expect(statement).toMatchObject({
        Action: 's3:PutObject',
        Principal: { Service: 'logging.s3.amazonaws.com' },
        Condition: {
          StringEquals: { 'aws:SourceAccount': tenant.account },
          ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
        },
      });
    }
  });

  it('keep access logs only as long as the tenant keeps logs', () => {
    // Act
    const withAcls = Object.values(buckets()).filter((b) => JSON.stringify(b.Properties).includes('ObjectWriter'));
    // Assess
    expect(withAcls).toHaveLength(1);
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        LifecycleConfiguration: { Rules: [{ ExpirationInDays: tenant.logRetentionDays, Status: 'Enabled' }] },
        // CloudFront standard logs are delivered with object ACLs: the one bucket that allows them.
        OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      }),
    });
  });
});

describe('CloudFront', () => {
  it('serves only GET and HEAD over HTTPS in every cache behavior, and logs every request', () => {
    // Prepare
    const site = stack.consentSite!;
    // Act
    const config = resources[logicalId(site.distribution)].Properties.DistributionConfig as Json;
    const behaviors = [config.DefaultCacheBehavior, ...list(config.CacheBehaviors as Json[] | undefined)] as Json[];
    // Assess
    for (const behavior of behaviors) {
      expect(['redirect-to-https', 'https-only']).toContain(behavior.ViewerProtocolPolicy);
      expect(behavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    }
    expect(config.Logging).toEqual({
      Bucket: { 'Fn::GetAtt': [logicalId(stack.node.findChild('AccessLogs')), 'RegionalDomainName'] },
      Prefix: 'consent-site-cloudfront/',
    });
  });
});

describe('API Gateway', () => {
  it("lets API Gateway invoke each function only for its manifest routes on its own API's live stage", () => {
    // Prepare
    const apis = { mtls: stack.tppApi, browser: stack.browserApi };
    const expected = handlers.flatMap((spec: HandlerSpec) =>
      spec.routes.map((route) => {
        const api = apis[route.surface].api;
        return JSON.stringify({
          fn: logicalId(functionOf(spec.id).fn),
          sourceArn: {
            'Fn::Join': [
              '',
              [
                `arn:aws:execute-api:${tenant.region}:${tenant.account}:`,
                { Ref: logicalId(api) },
                '/',
                { Ref: logicalId(api.deploymentStage) },
                `/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`,
              ],
            ],
          },
        });
      }),
    );
    // Act
    const permissions = Object.values(resourcesOf(template, 'AWS::Lambda::Permission')).map((p) => p.Properties);
    // Assess
    for (const permission of permissions) {
      expect(permission).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
    }
    expect(JSON.stringify(permissions)).not.toContain('test-invoke-stage');
    expect(
      permissions.map((p) => JSON.stringify({ fn: referencedId(p.FunctionName), sourceArn: p.SourceArn })).sort(),
    ).toEqual(expected.sort());
    for (const { api } of Object.values(apis)) {
      expect(resources[logicalId(api.deploymentStage)].Properties.StageName).toBe(STAGE_NAME);
    }
    template.resourceCountIs('AWS::Lambda::Url', 0);
  });

  it('keeps access logs for the tenant retention and caches no response', () => {
    for (const gateway of [stack.tppApi, stack.browserApi]) {
      // Prepare
      const stage = resources[logicalId(gateway.api.deploymentStage)].Properties;
      // Act
      const logGroupId = logicalId(gateway.node.findChild('AccessLogs'));
      // Assess
      expect(JSON.stringify((stage.AccessLogSetting as Json).DestinationArn)).toContain(`"Ref":"${logGroupId}"`);
      expect(resources[logGroupId].Properties.RetentionInDays).toBe(tenant.logRetentionDays);
      // Responses carry tokens, consents and account data: a stage cache would serve them to the next caller.
      expect(stage.CacheClusterEnabled).toBeUndefined();
      for (const setting of stage.MethodSettings as Json[]) expect(setting.CachingEnabled).toBeUndefined();
    }
  });
});

describe('Lambda', () => {
  it("runs only the manifest's handlers plus CDK's S3 deployment function", () => {
    // Prepare
    const handlerIds = new Set(stack.functions.functions.map(({ fn }) => logicalId(fn)));
    // Act
    const others = Object.entries(resourcesOf(template, 'AWS::Lambda::Function')).filter(([id]) => !handlerIds.has(id));
    // Assess
    // aws-cdk-lib's BucketDeployment singleton: Python, runs only during deployments (acknowledged in deployment.ts).
    expect(others.map(([id, fn]) => [id.startsWith('CustomCDKBucketDeployment'), fn.Properties.Runtime])).toEqual([
      [true, expect.stringMatching(/^python3\.\d+$/)],
    ]);
    expect(others[0]![1].Properties.Architectures).toEqual(['arm64']);
  });

  it.each(handlers.map((spec) => [spec.id]))('%s logs to its own log group, kept for the tenant retention', (id) => {
    // Prepare
    const { fn, logGroup } = functionOf(id);
    // Act
    const properties = resources[logicalId(fn)].Properties;
    const group = resources[logicalId(logGroup)];
    // Assess
    expect(properties.LoggingConfig).toEqual({ LogGroup: { Ref: logicalId(logGroup) } });
    expect(group.Properties.RetentionInDays).toBe(tenant.logRetentionDays);
    expect(group.DeletionPolicy).toBe('Retain');
  });

  it('puts no log group in the stack without a retention', () => {
    // Act
    const groups = Object.entries(resourcesOf(template, 'AWS::Logs::LogGroup'));
    // Assess
    for (const [id, group] of groups) {
      expect([id, typeof group.Properties.RetentionInDays]).toEqual([id, 'number']);
    }
  });

  it('carries no secret in any function environment: the IdP secret is passed by its Secrets Manager ARN', () => {
    // Prepare
    const sensitiveName = /(^|_)(SECRET|PASSWORD|PASSWD|PRIVATE_KEY|CREDENTIALS?|API_?KEY|SESSION_KEY)(_|$)/i;
    const secretLooking = [
      /-----BEGIN [A-Z ]+-----/,
      /^eyJ[\w-]+\.[\w-]+\./,
      /\b(AKIA|ASIA)[A-Z0-9]{16}\b/,
      /^[A-Za-z0-9+/=_-]{32,}$/,
    ];
    // Act
    const variables = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).flatMap((fn) =>
      Object.entries(((fn.Properties.Environment as { Variables?: Json } | undefined)?.Variables ?? {}) as Json),
    );
    // Assess
    expect(variables.length).toBeGreaterThan(0);
    for (const [name, value] of variables) {
      // `*_CLIENT_CREDENTIALS_TTL` is the lifetime of client_credentials tokens, in seconds.
      if (sensitiveName.test(name) && !/_TTL$/.test(name)) {
        expect([name, value]).toEqual([
          expect.stringMatching(/_ARN$/),
          expect.stringMatching(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:/),
        ]);
      }
      // The admin CA's thumbprint is public (the hash of a public certificate), and must be exactly that.
      if (name === 'BANKGATE_ADMIN_CA_THUMBPRINT') {
        expect(value).toBe(resolveTenant(sampleTenants(), 'tpi-bank', PROJECT_ROOT).adminCa.thumbprint);
      } else if (typeof value === 'string') {
        expect([name, secretLooking.filter((pattern) => pattern.test(value)).map(String)]).toEqual([name, []]);
      }
    }
    expect(variables.filter(([name]) => name === 'BANKGATE_IDP_CLIENT_SECRET')).toEqual([]);
  });
});

describe('alarms', () => {
  const topic = () => stack.monitoring.topic;

  it('notify through a topic that CloudWatch may publish to for this tenant’s alarms only', () => {
    // Prepare
    const topicId = logicalId(topic());
    const alarmArns = `arn:aws:cloudwatch:${tenant.region}:${tenant.account}:alarm:bankgate-${TENANT}-*`;
    // Act
    const alarms = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    // Assess
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'TenantAlarmsPublish',
            Action: 'sns:Publish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Resource: { Ref: topicId },
            Condition: {
              StringEquals: { 'aws:SourceAccount': tenant.account },
              ArnLike: { 'aws:SourceArn': alarmArns },
            },
          },
        ]),
      },
    });
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm.AlarmName).toEqual(expect.stringMatching(new RegExp(`^bankgate-${TENANT}-`)));
      // Recovery is announced too, so on-call knows when to stand down.
      expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
    }
  });

  it('encrypt notifications with a key CloudWatch may use', () => {
    // Prepare
    const topicKey = stack.node.findChild('Monitoring').node.findChild('TopicKey');
    // Act
    const policy = keyPolicy(logicalId(topicKey));
    // Assess
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arnOf(topicKey) });
    expect(policy).toContainEqual({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Resource: '*',
    });
  });
});
