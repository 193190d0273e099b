/**
 * Template assertions for one tenant (tpi-bank from cdk.json, PS256, built-in consent page on its own
 * domain): every property the deployment promises, read from the synthesized CloudFormation.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { providerMetadata } from '../../lambdas/domain/discovery';
import { certificateThumbprint } from '../../lambdas/http/request';
import { STRICT_TRANSPORT_SECURITY } from '../../lambdas/http/strict-transport';
import { Metric as BusinessMetric } from '../../lambdas/metric-names';
import {
  MAC_PURPOSE_NAMES,
  MAC_PURPOSES,
  SIGNING_PURPOSE_NAMES,
  SIGNING_PURPOSES,
  type SigningPurpose,
} from '../../lambdas/ports/keys';
import { handlers, staticRoutes } from '../../lambdas/routes';
import { allTables, type TableKey, tables } from '../../lambdas/tables';
import type { BankgateStack } from '../../lib/bankgate-stack';
import { SurfaceApi } from '../../lib/constructs/surface-api';
import { PROJECT_ROOT } from '../../lib/paths';
import { resolveTenant } from '../../lib/tenant-config';
import { type Json, resourcesOf, sampleTenants, synthesizeTenant } from './synth';

const TENANT = 'tpi-bank';
/** Uncompressed bytes of a handler's `index.mjs` (the AWS SDK comes from the runtime): parsed on every cold start. */
const BUNDLE_BUDGET_BYTES = 300 * 1024;

let stack: BankgateStack;
let template: Template;
let assemblyDir: string;
let resources: Record<string, { Type: string; Properties: Json } & Json>;

beforeAll(() => {
  ({ stack, template, assemblyDir } = synthesizeTenant(TENANT));
  resources = template.toJSON().Resources;
});

const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'Arn'] });
const mentions = (value: unknown, id: string) => JSON.stringify(value).includes(`"${id}"`);

const truststoreBucket = () => stack.node.findChild('Truststore').node.findChild('Bucket');

function functionOf(id: string) {
  return stack.functions.functions.find((entry) => entry.spec.id === id)!;
}

/** Statements of the IAM policies attached to a handler's role. */
function roleStatements(handlerId: string): Json[] {
  const roleId = logicalId(functionOf(handlerId).fn.role!);
  return Object.values(resourcesOf(template, 'AWS::IAM::Policy'))
    .filter((policy) => mentions(policy.Properties.Roles, roleId))
    .flatMap((policy) => (policy.Properties.PolicyDocument as { Statement: Json[] }).Statement);
}

/** Actions a key policy allows the handler's role. */
function keyPolicyActions(key: IConstruct, handlerId: string): string[] {
  const roleId = logicalId(functionOf(handlerId).fn.role!);
  const statements = (resources[logicalId(key)].Properties.KeyPolicy as { Statement: Json[] }).Statement;
  return statements.filter((s) => mentions(s.Principal, roleId)).flatMap((s) => [s.Action].flat() as string[]);
}

describe('Lambda functions', () => {
  it('creates one function per manifest entry, on Node.js 22 / arm64 with tracing', () => {
    // Prepare
    const expected = handlers.length;
    // Act
    const fns = stack.functions.functions;
    // Assess
    expect(fns.map((entry) => entry.spec.id)).toEqual(handlers.map((spec) => spec.id));
    for (const { spec, fn } of fns) {
      expect(resources[logicalId(fn)].Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: spec.memorySize ?? 512,
        Timeout: 10,
        TracingConfig: { Mode: 'Active' },
        Description: spec.description,
      });
    }
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Runtime: 'nodejs22.x' }, expected);
  });

  it('gives every function the configuration environment handlers read', () => {
    // Prepare
    const tableNames = Object.fromEntries(
      (Object.keys(tables) as TableKey[]).map((key) => [tables[key].envVar, ref(stack.tables.table(key))]),
    );
    // Act
    const environments = stack.functions.functions.map(
      ({ fn }) => (resources[logicalId(fn)].Properties.Environment as { Variables: Json }).Variables,
    );
    // Assess
    for (const variables of environments) {
      expect(variables).toMatchObject({
        ...tableNames,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: `bankgate-${TENANT}`,
        POWERTOOLS_METRICS_NAMESPACE: 'Bankgate',
        BANKGATE_ISSUER: 'https://auth.tpi-bank.example',
        BANKGATE_MTLS_BASE_URL: 'https://mtls.api.tpi-bank.example',
        BANKGATE_TENANT_NAME: 'TPI Bank',
        BANKGATE_SIGNING_ALG: 'PS256',
        BANKGATE_ACCESS_TOKEN_TTL: '300',
        BANKGATE_REFRESH_TOKEN_TTL: '7776000',
        BANKGATE_CLIENT_CREDENTIALS_TTL: '600',
        BANKGATE_IDP_ISSUER: 'https://login.tpi-bank.example',
        BANKGATE_IDP_CLIENT_ID: 'bankgate',
        BANKGATE_CONSENT_PAGE_URL: 'https://consent.tpi-bank.example/consent/',
        BANKGATE_PORTAL_SITE_URL: 'https://consent.tpi-bank.example',
        // The admin client is accepted only with a certificate of this CA (lib/tenants/sample-admin-ca.pem).
        BANKGATE_ADMIN_CA_THUMBPRINT: certificateThumbprint(
          readFileSync(join(__dirname, '../../lib/tenants/sample-admin-ca.pem'), 'utf8'),
        ),
      });
    }
  });

  it.each(handlers.map((spec) => [spec.id, spec] as const))(
    '%s can reach only the tables in its manifest entry',
    (id, spec) => {
      // Prepare
      const dynamoStatements = roleStatements(id).filter((s) =>
        ([s.Action].flat() as string[]).some((a) => a.startsWith('dynamodb:')),
      );
      // Act
      const reached = (Object.keys(tables) as TableKey[]).filter((key) =>
        dynamoStatements.some((s) => mentions(s.Resource, logicalId(stack.tables.table(key)))),
      );
      // Assess
      expect(reached.sort()).toEqual(Object.keys(spec.tables).sort());
      for (const key of reached) {
        const actions = dynamoStatements
          .filter((s) => mentions(s.Resource, logicalId(stack.tables.table(key))))
          .flatMap((s) => [s.Action].flat() as string[]);
        expect([...new Set(actions)].sort()).toEqual(spec.tables[key]!.map((a) => `dynamodb:${a}`).sort());
      }
    },
  );

  it.each(handlers.map((spec) => [spec.id, spec] as const))(
    '%s is named in key policies only for its KMS uses, and given the ids of those keys only',
    (id, spec) => {
      // Prepare
      const { signing, encryptionKey } = stack.keys;
      const signsFor = (purpose: SigningPurpose) =>
        spec.keys.some((use) => typeof use === 'object' && 'sign' in use && use.sign === purpose);
      const publicKeys = spec.keys.includes('publicKeys');
      const { fn } = stack.functions.functions.find((entry) => entry.spec.id === id)!;
      const variables = (resources[logicalId(fn)].Properties.Environment as { Variables: Json }).Variables;
      // Act
      const perPurpose = SIGNING_PURPOSE_NAMES.map((purpose) => [
        purpose,
        keyPolicyActions(signing[purpose].active, id).sort(),
        variables[`BANKGATE_${SIGNING_PURPOSES[purpose].env}_KEY_ID`],
      ]);
      const encryption = keyPolicyActions(encryptionKey, id).sort();
      // Assess
      expect(perPurpose).toEqual(
        SIGNING_PURPOSE_NAMES.map((purpose) => [
          purpose,
          signsFor(purpose) ? ['kms:GetPublicKey', 'kms:Sign'] : publicKeys ? ['kms:GetPublicKey'] : [],
          signsFor(purpose) || publicKeys ? arnOf(signing[purpose].active) : undefined,
        ]),
      );
      const decrypts = spec.keys.includes('decrypt');
      expect(encryption).toEqual(
        decrypts ? ['kms:Decrypt', 'kms:GetPublicKey'] : publicKeys ? ['kms:GetPublicKey'] : [],
      );
      expect(variables.BANKGATE_ENCRYPTION_KEY_ID).toEqual(decrypts || publicKeys ? arnOf(encryptionKey) : undefined);
      for (const purpose of MAC_PURPOSE_NAMES) {
        const derives = spec.keys.some((use) => typeof use === 'object' && 'mac' in use && use.mac === purpose);
        const key = stack.keys.mac[purpose];
        expect(keyPolicyActions(key, id)).toEqual(derives ? ['kms:GenerateMac'] : []);
        expect(variables[`BANKGATE_${MAC_PURPOSES[purpose].env}_KEY_ID`]).toEqual(derives ? arnOf(key) : undefined);
      }
    },
  );

  it('lets only functions that federate a login read an IdP client secret, each only its own', () => {
    // Prepare
    const customerIdp = sampleTenants()[TENANT].identityProvider as { clientSecretArn: string };
    const staffIdp = sampleTenants()[TENANT].staffIdentityProvider as { clientSecretArn: string };
    // Act
    const readers = handlers.filter((spec) =>
      roleStatements(spec.id).some((s) => ([s.Action].flat() as string[]).includes('secretsmanager:GetSecretValue')),
    );
    // Assess
    expect(readers.map((s) => s.id)).toEqual(handlers.filter((s) => s.idpSecret || s.staffIdpSecret).map((s) => s.id));
    for (const spec of handlers) {
      const variables = (resources[logicalId(functionOf(spec.id).fn)].Properties.Environment as { Variables: Json })
        .Variables;
      expect(variables.BANKGATE_IDP_CLIENT_SECRET_ARN).toEqual(
        spec.idpSecret ? customerIdp.clientSecretArn : undefined,
      );
      expect(variables.BANKGATE_STAFF_IDP_CLIENT_SECRET_ARN).toEqual(
        spec.staffIdpSecret ? staffIdp.clientSecretArn : undefined,
      );
    }
  });

  it('gives every function the staff IdP as the tenant configures it, never its secret value', () => {
    // Prepare
    const staffIdp = sampleTenants()[TENANT].staffIdentityProvider as Record<string, string>;
    // Act
    const variables = handlers.map(
      (spec) =>
        (resources[logicalId(functionOf(spec.id).fn)].Properties.Environment as { Variables: Record<string, unknown> })
          .Variables,
    );
    // Assess
    for (const v of variables) {
      expect(v).toMatchObject({
        BANKGATE_STAFF_IDP_ISSUER: staffIdp.issuer,
        BANKGATE_STAFF_IDP_CLIENT_ID: staffIdp.clientId,
        BANKGATE_STAFF_IDP_ROLE_CLAIM: staffIdp.roleClaim,
        BANKGATE_STAFF_IDP_ADMIN_ROLE: staffIdp.adminValue,
      });
      expect(v.BANKGATE_STAFF_IDP_CLIENT_SECRET).toBeUndefined();
    }
  });

  it('keeps every handler bundle within the size budget', () => {
    // Prepare
    const report: string[] = [];
    // Act
    const sizes = stack.functions.functions.map(({ spec, fn }) => {
      const code = resources[logicalId(fn)].Properties.Code as { S3Key: string };
      const dir = join(assemblyDir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      const bytes = statSync(join(dir, 'index.mjs')).size;
      const mapBytes = statSync(join(dir, 'index.mjs.map')).size;
      report.push(`${spec.id.padEnd(28)} ${String(bytes).padStart(9)} B  (+ ${mapBytes} B source map)`);
      return { id: spec.id, bytes };
    });
    process.stdout.write(
      `\nLambda bundle sizes (budget ${BUNDLE_BUDGET_BYTES} B per index.mjs):\n${report.join('\n')}\n`,
    );
    // Assess
    expect(sizes.filter((s) => s.bytes > BUNDLE_BUDGET_BYTES)).toEqual([]);
  });
});

describe('DynamoDB tables', () => {
  it.each(allTables.map((d) => [d.name, d] as const))('%s follows its definition and is protected', (_, definition) => {
    // Prepare
    const key = (Object.keys(tables) as TableKey[]).find((k) => tables[k].name === definition.name)!;
    const table = stack.tables.table(key);
    // Act
    const resource = resources[logicalId(table)];
    // Assess
    expect(resource.Type).toBe('AWS::DynamoDB::GlobalTable');
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
    expect(resource.Properties).toMatchObject({
      TableName: `bankgate-${TENANT}-${definition.name}`,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
        ...(definition.sortKey ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' }] : []),
      ],
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      Replicas: [
        {
          DeletionProtectionEnabled: true,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { KMSMasterKeyId: arnOf(stack.tables.key) },
        },
      ],
    });
    expect(resource.Properties.TimeToLiveSpecification).toEqual(
      definition.ttlAttribute ? { AttributeName: definition.ttlAttribute, Enabled: true } : undefined,
    );
    const indexes = (resource.Properties.GlobalSecondaryIndexes ?? []) as Json[];
    expect(indexes.map((i) => [i.IndexName, i.Projection])).toEqual(
      definition.indexes.map((i) => [
        i.indexName,
        typeof i.projection === 'object'
          ? { ProjectionType: 'INCLUDE', NonKeyAttributes: i.projection.include }
          : { ProjectionType: i.projection },
      ]),
    );
  });

  it('encrypts with a customer-managed key that rotates', () => {
    // Act
    const key = resources[logicalId(stack.tables.key)];
    // Assess
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
  });
});

describe('KMS keys', () => {
  it('signs with an RSA key for PS256 and decrypts JWE with an RSA encryption key', () => {
    // Act
    const signing = resources[logicalId(stack.keys.signing['id-token'].active)].Properties;
    const encryption = resources[logicalId(stack.keys.encryptionKey)].Properties;
    // Assess
    expect(signing).toMatchObject({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY', EnableKeyRotation: false });
    expect(encryption).toMatchObject({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT', EnableKeyRotation: false });
  });

  it('lets the account administer the asymmetric keys but not sign or decrypt with them', () => {
    // Prepare
    const keys = [...Object.values(stack.keys.signing).map(({ active }) => active), stack.keys.encryptionKey];
    // Act
    const rootActions = keys.flatMap((key) =>
      (resources[logicalId(key)].Properties.KeyPolicy as { Statement: Json[] }).Statement.filter((s) =>
        JSON.stringify(s.Principal).includes(':root'),
      ).flatMap((s) => [s.Action].flat() as string[]),
    );
    // Assess
    expect(rootActions).toContain('kms:ScheduleKeyDeletion');
    expect(rootActions.filter((a) => /^kms:(\*|Sign|Decrypt|Encrypt)/.test(a))).toEqual([]);
  });
});

describe('APIs', () => {
  it('disables the execute-api endpoint of both REST APIs', () => {
    template.resourcePropertiesCountIs('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true }, 2);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 2);
  });

  it('serves the TPP API on its domain with mutual TLS against the S3 truststore', () => {
    // Act
    const domain = resources[logicalId(stack.tppApi.domain)];
    // Assess
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'mtls.api.tpi-bank.example',
      RegionalCertificateArn: 'arn:aws:acm:eu-west-2:111111111111:certificate/11111111-1111-4111-8111-111111111111',
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      MutualTlsAuthentication: {
        TruststoreUri: {
          'Fn::Join': [
            '',
            ['s3://', ref(truststoreBucket()), Match.stringLikeRegexp('^/truststore-[0-9a-f]{16}\\.pem$')],
          ],
        },
      },
    });
    // One bundle holds the TPPs' CAs and the bank's admin CA (the object key is the bundle's hash).
    const tenant = resolveTenant(sampleTenants(), TENANT, PROJECT_ROOT);
    const bundle = createHash('sha256').update(`${tenant.truststorePem}${tenant.adminCa.pem}`).digest('hex');
    expect(JSON.stringify(domain.Properties.MutualTlsAuthentication)).toContain(
      `/truststore-${bundle.slice(0, 16)}.pem`,
    );
    // The domain must not be created before the truststore object exists.
    expect(JSON.stringify(domain.DependsOn)).toMatch(/TruststoreUpload/);
  });

  it('serves the browser API on its own domain without client certificates', () => {
    // Act
    const domain = resources[logicalId(stack.browserApi.domain)];
    // Assess
    expect(domain.Properties).toMatchObject({ DomainName: 'auth.tpi-bank.example', SecurityPolicy: 'TLS_1_2' });
    expect(domain.Properties.MutualTlsAuthentication).toBeUndefined();
  });

  it('maps each domain to its API', () => {
    for (const gateway of [stack.tppApi, stack.browserApi]) {
      template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', {
        DomainName: ref(gateway.domain),
        RestApiId: ref(gateway.api),
      });
    }
  });

  it('exposes every manifest route on the API of its surface, and nothing else', () => {
    // Prepare
    const routes = [...handlers.flatMap((spec) => spec.routes), ...staticRoutes.map(({ route }) => route)];
    const expected = (surface: string) =>
      routes.filter((r) => r.surface === surface).map((r) => `${r.method} ${r.path}`);
    // Act
    const actual = (gateway: typeof stack.tppApi) =>
      gateway.api.methods.map((m) => `${m.httpMethod} ${m.resource.path}`);
    // Assess
    expect(actual(stack.tppApi).sort()).toEqual(expected('mtls').sort());
    expect(actual(stack.browserApi).sort()).toEqual(expected('browser').sort());
    template.resourceCountIs('AWS::ApiGateway::Method', expected('mtls').length + expected('browser').length);
  });

  it("sends HSTS on API Gateway's own 4XX and 5XX answers of both APIs", () => {
    // Act
    const responses = Object.values(resourcesOf(template, 'AWS::ApiGateway::GatewayResponse')).map((r) => r.Properties);
    // Assess
    for (const gateway of [stack.tppApi, stack.browserApi]) {
      const own = responses.filter((r) => mentions(r.RestApiId, logicalId(gateway.api)));
      expect(own.map((r) => r.ResponseType).sort()).toEqual([
        'DEFAULT_4XX',
        'DEFAULT_5XX',
        'MISSING_AUTHENTICATION_TOKEN',
      ]);
      for (const response of own) {
        expect(response.ResponseParameters).toEqual({
          'gatewayresponse.header.Strict-Transport-Security': `'${STRICT_TRANSPORT_SECURITY}'`,
        });
      }
    }
  });

  it('answers unknown paths 404 in each API\'s error format, never {"message":...}', () => {
    // Prepare: API Gateway substitutes $context values; messageString is a quoted JSON string.
    const render = (response: { ResponseTemplates?: unknown }) =>
      JSON.parse(
        (response.ResponseTemplates as Record<string, string>)
          ['application/json']!.replaceAll('$context.error.messageString', '"Missing Authentication Token"')
          .replaceAll('$context.requestId', 'req-1')
          .replaceAll('$context.error.responseType', 'THROTTLED'),
      );
    const responses = Object.values(resourcesOf(template, 'AWS::ApiGateway::GatewayResponse')).map((r) => r.Properties);
    const of = (gateway: typeof stack.tppApi, type: string) =>
      responses.find((r) => mentions(r.RestApiId, logicalId(gateway.api)) && r.ResponseType === type)!;
    // Act
    const browser = of(stack.browserApi, 'MISSING_AUTHENTICATION_TOKEN');
    const mtls = of(stack.tppApi, 'MISSING_AUTHENTICATION_TOKEN');
    // Assess
    expect(browser.StatusCode).toBe('404');
    expect(render(browser)).toEqual({
      error: 'invalid_request',
      error_description: 'no endpoint at this path',
    });
    expect(mtls.StatusCode).toBe('404');
    expect(render(mtls)).toEqual({
      error: 'invalid_request',
      error_description: 'no endpoint at this path',
      Code: '404 Not Found',
      Id: 'req-1',
      Message: 'no endpoint at this path',
      Errors: [{ ErrorCode: 'UK.OBIE.NotFound', Message: 'no endpoint at this path' }],
    });
    for (const gateway of [stack.browserApi, stack.tppApi]) {
      for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
        const body = render(of(gateway, type));
        expect(body.error_description).toBe('Missing Authentication Token');
        expect(body).not.toHaveProperty('message');
      }
    }
  });

  it('answers discovery from a mock integration with the tenant metadata, without a function', () => {
    // Prepare
    const expected = providerMetadata({
      issuer: 'https://auth.tpi-bank.example',
      mtlsBaseUrl: 'https://mtls.api.tpi-bank.example',
    });
    const wellKnown = stack.browserApi.api.root.getResource('.well-known')!.getResource('openid-configuration')!;
    // Act
    const method = Object.values(resourcesOf(template, 'AWS::ApiGateway::Method')).find(
      (m) => m.Properties.HttpMethod === 'GET' && mentions(m.Properties.ResourceId, logicalId(wellKnown)),
    )!;
    // Assess
    const integration = method.Properties.Integration as {
      Type: string;
      PassthroughBehavior: string;
      RequestTemplates: Record<string, string>;
      IntegrationResponses: {
        StatusCode: string;
        ResponseTemplates: Record<string, string>;
        ResponseParameters: Json;
      }[];
    };
    expect(method.Properties.RestApiId).toEqual(ref(stack.browserApi.api));
    expect(integration).toMatchObject({
      Type: 'MOCK',
      PassthroughBehavior: 'NEVER',
      RequestTemplates: { 'application/json': '{"statusCode": 200}' },
    });
    const [response] = integration.IntegrationResponses;
    expect(response.StatusCode).toBe('200');
    expect(JSON.parse(response.ResponseTemplates['application/json']!)).toEqual(expected);
    expect(response.ResponseParameters).toEqual({
      'method.response.header.Cache-Control': "'public, max-age=300'",
      'method.response.header.Content-Type': "'application/json'",
      'method.response.header.X-Content-Type-Options': "'nosniff'",
      'method.response.header.Strict-Transport-Security': `'${STRICT_TRANSPORT_SECURITY}'`,
    });
    expect(method.Properties.MethodResponses).toEqual([
      {
        StatusCode: '200',
        ResponseParameters: {
          'method.response.header.Cache-Control': true,
          'method.response.header.Content-Type': true,
          'method.response.header.X-Content-Type-Options': true,
          'method.response.header.Strict-Transport-Security': true,
        },
      },
    ]);
    const descriptions = Object.values(resourcesOf(template, 'AWS::Lambda::Function')).map((fn) =>
      String(fn.Properties.Description ?? ''),
    );
    expect(descriptions.filter((description) => /discovery|openid-configuration/i.test(description))).toEqual([]);
  });

  it('refuses at synth a static body that Velocity would interpret', () => {
    // Prepare
    const scope = new Stack();
    const route = { method: 'GET', path: '/price', surface: 'browser' } as const;
    const props = {
      tenant: 'test',
      surface: 'browser',
      domainName: 'auth.test.example',
      certificateArn: 'arn:aws:acm:eu-west-2:111111111111:certificate/11111111-1111-4111-8111-111111111111',
      routes: [],
      webAclArn: 'arn:aws:wafv2:eu-west-2:111111111111:regional/webacl/test/11111111-1111-4111-8111-111111111111',
      throttlingRateLimit: 10,
      throttlingBurstLimit: 20,
      logRetention: RetentionDays.ONE_DAY,
    } as const;
    // Act
    const build = (body: string) => () =>
      new SurfaceApi(scope, `Api${scope.node.children.length}`, {
        ...props,
        staticRoutes: [{ route, body, headers: { 'content-type': 'application/json' } }],
      });
    // Assess
    expect(build('{"price":"$5"}')).toThrow(/GET \/price: the response body must not contain "\$" or "#"/);
    expect(build('{"anchor":"#top"}')).toThrow(/must not contain/);
    expect(build('{"price":"5 EUR"}')).not.toThrow();
  });

  it('logs access, traces, meters and throttles both stages', () => {
    for (const gateway of [stack.tppApi, stack.browserApi]) {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        RestApiId: ref(gateway.api),
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId"') },
        MethodSettings: [
          Match.objectLike({
            HttpMethod: '*',
            ResourcePath: '/*',
            MetricsEnabled: true,
            DataTraceEnabled: false,
            LoggingLevel: 'ERROR',
            ThrottlingRateLimit: 200,
            ThrottlingBurstLimit: 400,
          }),
        ],
      });
    }
  });

  it('puts both stages behind a regional web ACL with managed common rules and a rate limit', () => {
    // Prepare
    const acl = template.findResources('AWS::WAFv2::WebACL');
    const aclId = Object.keys(acl)[0];
    // Act
    const associations = Object.values(resourcesOf(template, 'AWS::WAFv2::WebACLAssociation'));
    // Assess
    expect(Object.keys(acl)).toHaveLength(1);
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: { RateBasedStatement: { Limit: 3000, AggregateKeyType: 'IP' } },
          Action: { Block: {} },
        }),
        Match.objectLike({
          Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
        }),
      ]),
    });
    for (const gateway of [stack.tppApi, stack.browserApi]) {
      const stageId = logicalId(gateway.api.deploymentStage);
      expect(
        associations.some(
          (a) => mentions(a.Properties.ResourceArn, stageId) && mentions(a.Properties.WebACLArn, aclId),
        ),
      ).toBe(true);
    }
  });
});

describe('consent page', () => {
  const site = () => stack.consentSite!;

  it('serves a private bucket through CloudFront with Origin Access Control', () => {
    // Prepare
    const bucketId = logicalId(site().bucket);
    // Act
    const distribution = resources[logicalId(site().distribution)].Properties.DistributionConfig as Json;
    // Assess
    const [origin] = distribution.Origins as Json[];
    expect(origin.OriginAccessControlId).toBeDefined();
    expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: {
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' }),
        ]),
      },
    });
  });

  it('serves each portal page for its paths (CloudFront Function) and uses the tenant domain with TLS 1.2', () => {
    // Prepare
    const distribution = resources[logicalId(site().distribution)].Properties.DistributionConfig as Json;
    const [fn] = Object.values(resourcesOf(template, 'AWS::CloudFront::Function'));
    // CloudFront Functions are plain ECMAScript: run the deployed code on sample viewer requests.
    const viewerRequest = new Function(`${fn!.Properties.FunctionCode as string}; return handler;`)() as (event: {
      request: { uri: string };
    }) => { uri?: string; statusCode?: number; headers?: { location: { value: string } } };
    const at = (uri: string) => viewerRequest({ request: { uri } });
    // Assess
    expect(distribution).toMatchObject({
      Aliases: ['consent.tpi-bank.example'],
      ViewerCertificate: { MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      DefaultCacheBehavior: {
        ViewerProtocolPolicy: 'redirect-to-https',
        FunctionAssociations: [expect.objectContaining({ EventType: 'viewer-request' })],
      },
    });
    expect(at('/consent/')).toEqual({ uri: '/consent/index.html' });
    expect(at('/account/apps/123')).toEqual({ uri: '/account/index.html' });
    expect(at('/assets/account-1a2b.js')).toEqual({ uri: '/assets/account-1a2b.js' });
    expect(at('/config.json')).toEqual({ uri: '/config.json' });
    expect(at('/branding/logo.svg')).toEqual({ uri: '/branding/logo.svg' });
    expect(at('/account')).toMatchObject({ statusCode: 308, headers: { location: { value: '/account/' } } });
    expect(at('/')).toMatchObject({ statusCode: 302, headers: { location: { value: '/account/' } } });
  });

  it('sends CSP, HSTS and frame-deny headers', () => {
    // Prepare
    const policyId = logicalId(site().node.findChild('Headers'));
    // Act
    const config = resources[policyId].Properties.ResponseHeadersPolicyConfig as {
      SecurityHeadersConfig: Record<string, Json>;
    };
    // Assess
    const headers = config.SecurityHeadersConfig;
    expect(headers.ContentSecurityPolicy.ContentSecurityPolicy).toEqual(
      expect.stringContaining("connect-src 'self' https://auth.tpi-bank.example"),
    );
    expect(headers.ContentSecurityPolicy.ContentSecurityPolicy).toEqual(
      expect.stringContaining("frame-ancestors 'none'"),
    );
    expect(headers.StrictTransportSecurity).toMatchObject({ IncludeSubdomains: true, Override: true });
    expect(headers.StrictTransportSecurity.AccessControlMaxAgeSec as number).toBeGreaterThanOrEqual(31_536_000);
    expect(headers.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
    expect(headers.ContentTypeOptions).toEqual({ Override: true });
    const behavior = (resources[logicalId(site().distribution)].Properties.DistributionConfig as Json)
      .DefaultCacheBehavior as Json;
    expect(behavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
  });

  it('deploys the Vite build of web/ with a config.json for this tenant', () => {
    // Prepare
    const deployment = Object.values(resourcesOf(template, 'Custom::CDKBucketDeployment')).find((d) =>
      mentions(d.Properties.DestinationBucketName, logicalId(site().bucket)),
    )!;
    // Act
    const assetDirs = (deployment.Properties.SourceObjectKeys as string[]).map((key) =>
      join(assemblyDir, `asset.${key.replace(/\.zip$/, '')}`),
    );
    // Assess
    const spa = assetDirs.find((dir) => existsSync(join(dir, 'consent', 'index.html')))!;
    for (const portal of ['consent', 'account']) {
      expect(readFileSync(join(spa, portal, 'index.html'), 'utf8')).toMatch(
        /<script type="module"[^>]+src="\.\.\/assets\//,
      );
    }
    const config = assetDirs.find((dir) => existsSync(join(dir, 'config.json')))!;
    expect(JSON.parse(readFileSync(join(config, 'config.json'), 'utf8'))).toEqual({
      apiBaseUrl: 'https://auth.tpi-bank.example',
      tenantName: 'TPI Bank',
      branding: {
        logoUrl: '/branding/logo.svg',
        primaryColour: '#0b5394',
        privacyPolicyUrl: 'https://www.tpi-bank.example/privacy',
      },
    });
    const logo = assetDirs.find((dir) => existsSync(join(dir, 'branding', 'logo.svg')))!;
    expect(readFileSync(join(logo, 'branding', 'logo.svg'), 'utf8')).toContain('<svg');
  });
});

describe('monitoring', () => {
  /** Dashboard widgets, with the CloudFormation references in the body replaced by placeholders. */
  function dashboardWidgets(): { type: string; properties: { title?: string; metrics?: unknown[][] } }[] {
    const body = resources[logicalId(stack.monitoring.dashboard)].Properties.DashboardBody as {
      'Fn::Join': [string, unknown[]];
    };
    const text = body['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'REF')).join('');
    return JSON.parse(text).widgets;
  }
  const metricNames = (widget: { properties: { metrics?: unknown[][] } }) =>
    (widget.properties.metrics ?? []).map((line) => line[1]);
  const statistics = (widget: { properties: { metrics?: unknown[][] } }) =>
    (widget.properties.metrics ?? []).map((line) => (line.at(-1) as { stat?: string }).stat);

  it('shows latency p50/p99 and 4xx/5xx for every route', () => {
    // Act
    const widgets = dashboardWidgets();
    // Assess
    const routes = [...handlers.flatMap((spec) => spec.routes), ...staticRoutes.map(({ route }) => route)];
    for (const route of routes) {
      const latency = widgets.find((w) => w.properties.title === `${route.method} ${route.path}: latency`)!;
      const errors = widgets.find((w) => w.properties.title === `${route.method} ${route.path}: errors`)!;
      expect(statistics(latency)).toEqual(['p50', 'p99']);
      expect(metricNames(errors)).toEqual(['4XXError', '5XXError']);
      expect(latency.properties.metrics![0]).toEqual(
        expect.arrayContaining(['Resource', route.path, 'Method', route.method]),
      );
    }
  });

  it('shows Lambda, DynamoDB, KMS and business metrics', () => {
    // Act
    const shown = new Set(dashboardWidgets().flatMap(metricNames));
    // Assess
    for (const metric of ['Errors', 'Throttles', 'Duration', 'ColdStart']) expect(shown).toContain(metric);
    for (const metric of ['ReadThrottleEvents', 'WriteThrottleEvents', 'SuccessfulRequestLatency', 'KmsErrors']) {
      expect(shown).toContain(metric);
    }
    for (const metric of Object.values(BusinessMetric)) expect(shown).toContain(metric);
  });

  it('alarms on 5xx rate and p99 latency per API, function errors and throttles, and table throttles', () => {
    // Prepare
    const names = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName);
    // Act
    const expected = [
      ...['mtls', 'browser'].flatMap((s) => [
        `bankgate-${TENANT}-${s}-5xx-rate`,
        `bankgate-${TENANT}-${s}-latency-p99`,
      ]),
      ...handlers.flatMap((s) => [`bankgate-${TENANT}-${s.id}-errors`, `bankgate-${TENANT}-${s.id}-throttles`]),
      ...allTables.map((t) => `bankgate-${TENANT}-${t.name}-table-throttles`),
    ];
    // Assess
    expect(names.sort()).toEqual(expected.sort());
    template.allResourcesProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: [ref(stack.monitoring.topic)],
    });
  });

  it('notifies an encrypted SNS topic that the on-call e-mail subscribes to', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'bankgate-oncall@tpi-bank.example',
      TopicArn: ref(stack.monitoring.topic),
    });
  });
});
