/**
 * One Lambda function per entry of the handler manifest (`lambdas/routes.ts`), bundled from
 * `lambdas/handlers/<id>.ts` with the local esbuild, each with its own role holding only what its
 * manifest entry asks for: the tables it reads or writes, the KMS key uses, the IdP client secrets.
 */
import { join } from 'node:path';
import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { HandlerEnvironment } from '../../lambdas/environment';
import { type DynamoAction, type HandlerSpec, handlers, WRITE_ACTIONS } from '../../lambdas/routes';
import { type TableKey, tables } from '../../lambdas/tables';
import { PROJECT_ROOT } from '../paths';
import type { TenantConfig } from '../tenant-config';
import type { DataTables } from './data-tables';
import { pascalCase } from './naming';
import type { PlatformKeys } from './platform-keys';

/** The namespace every Bankgate function publishes its Powertools metrics to; `service` tells tenants apart. */
export const METRICS_NAMESPACE = 'Bankgate';
const DEFAULT_MEMORY_MB = 512;

/** The function's memory size in MB (also the bench's cost model). */
export const handlerMemorySize = (spec: HandlerSpec) => spec.memorySize ?? DEFAULT_MEMORY_MB;
/** API Gateway gives up after 29 s; a handler that needs more than this is stuck, not slow. */
const TIMEOUT = Duration.seconds(10);

/** What DynamoDB does with the tenant data key on the caller's behalf (the key actions of aws-cdk-lib's grants). */
const DATA_KEY_ACTIONS = {
  read: ['kms:Decrypt', 'kms:DescribeKey'],
  write: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
} as const;

export interface HandlerFunctionsProps {
  readonly tenant: TenantConfig;
  readonly tables: DataTables;
  readonly keys: PlatformKeys;
  /** https://<browser domain>, the OpenID issuer. */
  readonly issuer: string;
  /** https://<mtls domain>. */
  readonly mtlsBaseUrl: string;
  readonly consentPageUrl: string;
  /** Origin of the portal pages (`/consent/`, `/account/`, ...). */
  readonly portalSiteUrl: string;
  readonly logRetention: RetentionDays;
}

export interface HandlerFunction {
  readonly spec: HandlerSpec;
  readonly fn: NodejsFunction;
  readonly logGroup: LogGroup;
}

export class HandlerFunctions extends Construct {
  readonly functions: readonly HandlerFunction[];
  /** The `service` dimension of this tenant's Powertools metrics. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: HandlerFunctionsProps) {
    super(scope, id);
    this.serviceName = `bankgate-${props.tenant.name}`;
    const idpSecret = Secret.fromSecretCompleteArn(
      this,
      'IdpClientSecret',
      props.tenant.identityProvider.clientSecretArn,
    );
    const staffIdpSecret = Secret.fromSecretCompleteArn(
      this,
      'StaffIdpClientSecret',
      props.tenant.staffIdentityProvider.clientSecretArn,
    );
    const environment = this.sharedEnvironment(props);
    this.functions = handlers.map((spec) =>
      this.createFunction(spec, props, environment, { idp: idpSecret, staffIdp: staffIdpSecret }),
    );
  }

  private sharedEnvironment(props: HandlerFunctionsProps): Record<string, string> {
    const { tenant } = props;
    const contract: HandlerEnvironment = {
      POWERTOOLS_SERVICE_NAME: this.serviceName,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      BANKGATE_ISSUER: props.issuer,
      BANKGATE_MTLS_BASE_URL: props.mtlsBaseUrl,
      BANKGATE_TENANT_NAME: tenant.displayName,
      BANKGATE_ACCESS_TOKEN_TTL: String(tenant.tokenLifetimes.accessTokenSeconds),
      BANKGATE_REFRESH_TOKEN_TTL: String(tenant.tokenLifetimes.refreshTokenSeconds),
      BANKGATE_CLIENT_CREDENTIALS_TTL: String(tenant.tokenLifetimes.clientCredentialsSeconds),
      BANKGATE_IDP_ISSUER: tenant.identityProvider.issuer,
      BANKGATE_IDP_CLIENT_ID: tenant.identityProvider.clientId,
      BANKGATE_CONSENT_PAGE_URL: props.consentPageUrl,
      BANKGATE_STAFF_IDP_ISSUER: tenant.staffIdentityProvider.issuer,
      BANKGATE_STAFF_IDP_CLIENT_ID: tenant.staffIdentityProvider.clientId,
      BANKGATE_STAFF_IDP_ROLE_CLAIM: tenant.staffIdentityProvider.roleClaim,
      BANKGATE_STAFF_IDP_ADMIN_ROLE: tenant.staffIdentityProvider.adminValue,
      BANKGATE_ADMIN_CA_THUMBPRINT: tenant.adminCa.thumbprint,
      BANKGATE_PORTAL_SITE_URL: props.portalSiteUrl,
    };
    return {
      NODE_OPTIONS: '--enable-source-maps',
      ...contract,
      // Every table name: names are not secrets and shared store modules may resolve them eagerly;
      // the role policy, not the environment, decides which tables a function can touch.
      ...props.tables.environment,
    };
  }

  private createFunction(
    spec: HandlerSpec,
    props: HandlerFunctionsProps,
    sharedEnvironment: Record<string, string>,
    secrets: { readonly idp: ISecret; readonly staffIdp: ISecret },
  ): HandlerFunction {
    const id = pascalCase(spec.id);
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // An own role instead of the default one: no AWSLambdaBasicExecutionRole, logs only to this log group.
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Bankgate ${props.tenant.name} ${spec.id} function`,
    });
    logGroup.grantWrite(role);

    const ownVariables: Partial<HandlerEnvironment> = {
      POWERTOOLS_METRICS_FUNCTION_NAME: spec.id,
      // Key ids only for the keys the function may use (its manifest key uses).
      ...props.keys.environment(spec.keys),
      ...(spec.idpSecret ? { BANKGATE_IDP_CLIENT_SECRET_ARN: secrets.idp.secretArn } : {}),
      ...(spec.staffIdpSecret ? { BANKGATE_STAFF_IDP_CLIENT_SECRET_ARN: secrets.staffIdp.secretArn } : {}),
    };
    const environment: Record<string, string> = { ...sharedEnvironment, ...ownVariables };

    const fn = new NodejsFunction(this, id, {
      entry: join(PROJECT_ROOT, 'lambdas', 'handlers', `${spec.id}.ts`),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: spec.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: handlerMemorySize(spec),
      timeout: TIMEOUT,
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      environment,
      bundling: {
        format: OutputFormat.ESM,
        // CommonJS dependencies bundled into an ES module still call require() for Node built-ins.
        banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        mainFields: ['module', 'main'],
        target: 'node22',
        minify: true,
        sourceMap: true,
        // The runtime's AWS SDK v3 (patched by AWS, already on the host): the SDK clients alone are over
        // 300 KB minified, more than a handler's own code, its libraries and the zod schemas together.
        // The handlers use only long-stable DynamoDB, KMS and Secrets Manager operations.
        bundleAwsSDK: false,
        forceDockerBundling: false,
        // esbuild's per-bundle summary at synth is noise; its warnings and errors still show.
        logLevel: LogLevel.WARNING,
      },
    });

    for (const [key, actions] of Object.entries(spec.tables) as [TableKey, readonly DynamoAction[]][]) {
      this.grantTable(role, props.tables, key, actions);
    }
    for (const use of spec.keys) props.keys.allow(fn, use);
    if (spec.idpSecret) secrets.idp.grantRead(fn);
    if (spec.staffIdpSecret) secrets.staffIdp.grantRead(fn);

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (tracing is active).',
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the handlers, middy 6 and Powertools 2.35 are verified on; a newer runtime is a deliberate upgrade.',
    });
    return { spec, fn, logGroup };
  }

  /**
   * Exactly the manifest's actions on the table; Query also on its indexes. No Scan (a bulk export of consents
   * or bank data), no DeleteItem / BatchWriteItem unless a handler sends them, no stream reads (no table has one).
   */
  private grantTable(role: Role, dataTables: DataTables, key: TableKey, actions: readonly DynamoAction[]): void {
    const table = dataTables.table(key);
    const stack = Stack.of(this);
    role.addToPrincipalPolicy(
      new PolicyStatement({ actions: actions.map((action) => `dynamodb:${action}`), resources: [table.tableArn] }),
    );
    const queriesIndexes = actions.includes('Query') && tables[key].indexes.length > 0;
    if (queriesIndexes) {
      role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/*`] }),
      );
    }
    const writes = actions.some((action) => WRITE_ACTIONS.has(action));
    // Only through DynamoDB: the role cannot call KMS with the data key itself (decrypt, generate data keys).
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [...DATA_KEY_ACTIONS[writes ? 'write' : 'read']],
        resources: [dataTables.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${stack.region}.${stack.urlSuffix}` } },
      }),
    );
    if (writes) {
      for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: `Writing a table encrypted with the tenant data key needs ${action} on that one key (the statement's resource is its ARN).`,
        });
      }
    }
    if (queriesIndexes) {
      const logicalId = stack.getLogicalId(table.node.defaultChild as CfnElement);
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
        reason: `Queries the global secondary indexes of the ${tables[key].name} table; the wildcard covers only that table's indexes.`,
      });
    }
  }
}
