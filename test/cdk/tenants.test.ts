/**
 * Tenants: the two sample tenants of cdk.json synthesize as independent stacks that share no resource
 * names and pass cdk-nag's AwsSolutions checks; a bad tenant configuration stops synthesis with a
 * message naming the tenant and the field.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { SIGNING_PURPOSE_NAMES, SIGNING_PURPOSES } from '../../lambdas/ports/keys';
import { PROJECT_ROOT } from '../../lib/paths';
import { resolveTenant, TENANT_CONTEXT_KEY, TENANTS_CONTEXT_KEY, TenantConfigError } from '../../lib/tenant-config';
import { ACCEPTED_WARNINGS, CFN_LINT_INSTALL, cfnLint, cfnLintVersion, unacceptedFindings } from './cfn-lint';
import { cdkJsonContext, type Json, type SynthesizedTenant, sampleTenants, synthesizeTenant } from './synth';

const TENANTS = ['tpi-bank', 'north-bank'] as const;

const CFN_LINT = cfnLintVersion();
/** Set (as CI should) to make a missing cfn-lint a failure instead of a loud skip. */
const REQUIRE_CFN_LINT = process.env.BANKGATE_REQUIRE_CFN_LINT === '1';
if (!CFN_LINT) {
  console.warn(
    `cfn-lint is not on PATH: the CloudFormation lint of the sample tenants is SKIPPED. Install it with \`${CFN_LINT_INSTALL}\`.`,
  );
}
const itWithCfnLint = CFN_LINT || REQUIRE_CFN_LINT ? it : it.skip;
const cfnLintTitle = CFN_LINT ? '' : ` [SKIPPED: cfn-lint not on PATH, ${CFN_LINT_INSTALL}]`;

/** Properties that set a name AWS requires to be unique in an account (or a zone, or globally). */
const PHYSICAL_NAMES: Record<string, (properties: Json) => unknown[]> = {
  'AWS::DynamoDB::GlobalTable': (p) => [p.TableName],
  'AWS::KMS::Alias': (p) => [p.AliasName],
  'AWS::ApiGateway::RestApi': (p) => [p.Name],
  'AWS::ApiGateway::DomainName': (p) => [p.DomainName],
  'AWS::WAFv2::WebACL': (p) => [p.Name],
  'AWS::CloudWatch::Alarm': (p) => [p.AlarmName],
  'AWS::CloudWatch::Dashboard': (p) => [p.DashboardName],
  'AWS::SNS::Topic': (p) => [p.TopicName],
  'AWS::Route53::RecordSet': (p) => [p.Name],
  'AWS::CloudFront::Distribution': (p) => (p.DistributionConfig as Json).Aliases as unknown[],
  'AWS::CloudFront::ResponseHeadersPolicy': (p) => [(p.ResponseHeadersPolicyConfig as Json).Name],
  'AWS::CloudFront::OriginAccessControl': (p) => [(p.OriginAccessControlConfig as Json).Name],
  'AWS::Lambda::Function': (p) => [p.FunctionName],
  'AWS::IAM::Role': (p) => [p.RoleName],
  'AWS::S3::Bucket': (p) => [p.BucketName],
  'AWS::Logs::LogGroup': (p) => [p.LogGroupName],
};

function physicalNames(template: Template): string[] {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties?: Json }>;
  return Object.values(resources).flatMap(({ Type, Properties }) =>
    (PHYSICAL_NAMES[Type]?.(Properties ?? {}) ?? []).filter((name): name is string => typeof name === 'string'),
  );
}

/** Every `Validations.of(x).acknowledge()` in the tree: rule id and reason. */
function acknowledgements(scope: IConstruct): { id: string; reason: string; path: string }[] {
  return scope.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          reason,
          path: construct.node.path,
        })),
      ),
  );
}

describe('two tenants', () => {
  const synthesized = {} as Record<(typeof TENANTS)[number], SynthesizedTenant>;

  beforeAll(() => {
    for (const tenant of TENANTS) synthesized[tenant] = synthesizeTenant(tenant);
  });

  it('synthesize as two stacks in their own accounts and regions', () => {
    // Act
    const stacks = TENANTS.map((tenant) => synthesized[tenant].stack);
    // Assess
    expect(stacks.map((s) => s.stackName)).toEqual(['Bankgate-tpi-bank', 'Bankgate-north-bank']);
    expect(stacks.map((s) => [s.account, s.region])).toEqual([
      ['111111111111', 'eu-west-2'],
      ['222222222222', 'eu-west-1'],
    ]);
  });

  it('share no resource names', () => {
    // Act
    const [tpi, north] = TENANTS.map((tenant) => physicalNames(synthesized[tenant].template));
    // Assess
    expect(tpi).toEqual(expect.arrayContaining(['bankgate-tpi-bank-tokens', 'alias/bankgate/tpi-bank/encryption']));
    expect(north).toEqual(expect.arrayContaining(['bankgate-north-bank-tokens', 'Bankgate-north-bank']));
    expect(tpi.filter((name) => north.includes(name))).toEqual([]);
    expect(new Set(tpi).size).toBe(tpi.length);
    expect(new Set(north).size).toBe(north.length);
  });

  it('reference nothing of each other', () => {
    // Act
    const [tpi, north] = TENANTS.map((tenant) => JSON.stringify(synthesized[tenant].template.toJSON()));
    // Assess
    expect(tpi).not.toContain('north-bank');
    expect(north).not.toContain('tpi-bank');
    expect(tpi).not.toContain('Fn::ImportValue');
    expect(north).not.toContain('Fn::ImportValue');
  });

  it('sign with the algorithm each tenant chose', () => {
    // Act
    const specs = TENANTS.map((tenant) => {
      const { stack, template } = synthesized[tenant];
      const key = stack.getLogicalId(stack.keys.signing['id-token'].active.node.defaultChild as never);
      return (template.toJSON().Resources[key] as { Properties: Json }).Properties.KeySpec;
    });
    // Assess
    expect(specs).toEqual(['RSA_2048', 'ECC_NIST_P256']);
  });

  it('pass cdk-nag AwsSolutions checks with nothing left unacknowledged', () => {
    // Act
    const reports = TENANTS.map((tenant) => new AwsSolutionsChecks().validateScope(synthesized[tenant].app));
    // Assess
    for (const report of reports) {
      expect(report.violations.map((v) => `${v.ruleName}: ${v.violatingResources[0]?.constructPath}`)).toEqual([]);
    }
  });

  itWithCfnLint.each(TENANTS)(
    `%s passes cfn-lint with no error and only accepted warnings${cfnLintTitle}`,
    (tenant) => {
      // Prepare
      const { stack, template } = synthesized[tenant];
      // Act
      const findings = cfnLint(template, stack.region);
      // Assess
      expect(unacceptedFindings(findings)).toEqual([]);
      expect(findings.filter((f) => f.Level === 'Error')).toEqual([]);
    },
  );

  it('describe every stack output with a literal string (CloudFormation refuses an intrinsic there)', () => {
    // Act
    const outputs = TENANTS.flatMap((tenant) =>
      Object.entries(synthesized[tenant].template.toJSON().Outputs as Record<string, Json>),
    );
    // Assess
    expect(outputs.length).toBeGreaterThan(0);
    for (const [id, output] of outputs) {
      expect([id, typeof (output.Description ?? '')]).toEqual([id, 'string']);
    }
  });

  it('accepts cfn-lint warnings only with a reason', () => {
    // Assess
    for (const [id, { why }] of Object.entries(ACCEPTED_WARNINGS)) {
      expect({ id, explained: why.length >= 40 }).toEqual({ id, explained: true });
    }
  });

  it('acknowledge cdk-nag findings one by one, each with its own reason', () => {
    // Act
    const acknowledged = TENANTS.flatMap((tenant) => acknowledgements(synthesized[tenant].app));
    // Assess
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const { id, reason, path } of acknowledged) {
      expect({ id, path, long: reason.length >= 40 }).toEqual({ id, path, long: true });
    }
    // Wildcard findings are acknowledged per action or resource, never for the whole IAM5 rule.
    expect(acknowledged.filter(({ id }) => id === 'AwsSolutions-IAM5')).toEqual([]);
  });
});

describe('a tenant rotating its signing key, with a bank-hosted consent page', () => {
  let rotating: SynthesizedTenant;
  let resources: Record<string, { Type: string; Properties: Json }>;
  const logicalId = (construct: IConstruct) => rotating.stack.getLogicalId(construct.node.defaultChild as never);
  const variablesOf = (id: string) => {
    const { fn } = rotating.stack.functions.functions.find((entry) => entry.spec.id === id)!;
    return (resources[logicalId(fn)].Properties.Environment as { Variables: Json }).Variables;
  };

  beforeAll(() => {
    const tenants = sampleTenants();
    tenants['tpi-bank'].signing = {
      keys: [
        { id: '2026-11', algorithm: 'PS256' },
        { id: '2027-05', algorithm: 'ES256' },
      ],
      activeKey: '2027-05',
    };
    tenants['tpi-bank'].consentPage = {
      type: 'bank-hosted',
      url: 'https://online.tpi-bank.example/open-banking/consent',
    };
    rotating = synthesizeTenant('tpi-bank', tenants);
    resources = rotating.template.toJSON().Resources;
  });

  it.each(SIGNING_PURPOSE_NAMES)(
    '%s: signs with the active key and publishes the other one for verification',
    (purpose) => {
      // Prepare
      const { active, published } = rotating.stack.keys.signing[purpose];
      const env = SIGNING_PURPOSES[purpose].env;
      const signer = { 'id-token': 'token', 'gateway-response': 'gateway', 'upstream-caller': 'gateway' }[purpose];
      // Act
      const jwks = variablesOf('jwks');
      const signs = variablesOf(signer);
      // Assess
      expect(resources[logicalId(active)].Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256' });
      expect(published.map((key) => resources[logicalId(key)].Properties.KeySpec)).toEqual(['RSA_2048']);
      expect(signs.BANKGATE_SIGNING_ALG).toBe('ES256');
      expect(signs[`BANKGATE_${env}_KEY_ID`]).toEqual({ 'Fn::GetAtt': [logicalId(active), 'Arn'] });
      expect(jwks[`BANKGATE_PUBLISHED_${env}_KEY_IDS`]).toEqual({ 'Fn::GetAtt': [logicalId(published[0]!), 'Arn'] });
      expect(signs[`BANKGATE_PUBLISHED_${env}_KEY_IDS`]).toBeUndefined();
    },
  );

  it.each(SIGNING_PURPOSE_NAMES)(
    '%s: lets only the JWKS function read the retiring key, and nobody sign with it',
    (purpose) => {
      // Act
      const policy = JSON.stringify(
        resources[logicalId(rotating.stack.keys.signing[purpose].published[0]!)].Properties.KeyPolicy,
      );
      // Assess
      expect(policy).toContain(
        logicalId(rotating.stack.functions.functions.find((f) => f.spec.id === 'jwks')!.fn.role!),
      );
      expect(policy).not.toContain('kms:Sign');
    },
  );

  it('sends customers to the bank consent page and builds no consent site', () => {
    // Act
    const distributions = rotating.template.findResources('AWS::CloudFront::Distribution');
    // Assess
    expect(rotating.stack.consentSite).toBeUndefined();
    expect(distributions).toEqual({});
    expect(variablesOf('authorize').BANKGATE_CONSENT_PAGE_URL).toBe(
      'https://online.tpi-bank.example/open-banking/consent',
    );
  });

  it('still passes cdk-nag AwsSolutions checks', () => {
    // Act
    const report = new AwsSolutionsChecks().validateScope(rotating.app);
    // Assess
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('tenant configuration', () => {
  const base = () => structuredClone(sampleTenants()['tpi-bank']) as Json & Record<string, Json>;
  const resolve =
    (tenant: Json, name = 'tpi-bank') =>
    () =>
      resolveTenant({ [name]: tenant }, name, PROJECT_ROOT);

  it('accepts the sample tenants and reads their truststore', () => {
    // Act
    const tenant = resolveTenant(sampleTenants(), 'tpi-bank', PROJECT_ROOT);
    // Assess
    expect(tenant.name).toBe('tpi-bank');
    expect(tenant.truststorePem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    expect(tenant.api.wafRateLimitPer5Minutes).toBe(3000);
  });

  it('names the tenant and the missing field', () => {
    // Prepare
    const tenant = base();
    delete (tenant.tokenLifetimes as Json).accessTokenSeconds;
    // Act / Assess
    expect(resolve(tenant)).toThrow(TenantConfigError);
    expect(resolve(tenant)).toThrow(
      /Tenant "tpi-bank" has an invalid configuration:\n {2}- tokenLifetimes\.accessTokenSeconds is required$/,
    );
  });

  it('names a wrong value and what was expected', () => {
    // Prepare
    const tenant = base();
    (tenant.signing as { keys: Json[] }).keys[0].algorithm = 'RS256';
    // Act / Assess
    expect(resolve(tenant)).toThrow(/signing\.keys\[0\]\.algorithm must be one of PS256, ES256/);
  });

  it('lists every wrong field with its path, not only the first', () => {
    // Prepare
    const tenant = base();
    (tenant as Json).region = 'London';
    delete (tenant.identityProvider as Json).clientId;
    (tenant.tokenLifetimes as Json).accessTokenSeconds = 'five minutes';
    // Act / Assess
    expect(resolve(tenant)).toThrow(
      new TenantConfigError(
        [
          'Tenant "tpi-bank" has an invalid configuration:',
          '  - region: expected an AWS region such as eu-west-2',
          '  - identityProvider.clientId is required',
          '  - tokenLifetimes.accessTokenSeconds must be a number',
        ].join('\n'),
      ),
    );
  });

  it('rejects a field it does not know, such as a typo', () => {
    // Prepare
    const tenant = base();
    tenant.alarm = tenant.alarms;
    // Act / Assess
    expect(resolve(tenant)).toThrow(/alarm is not expected/);
  });

  it('rejects certificates in the wrong region', () => {
    // Prepare
    const tenant = base();
    (tenant.domains.mtls as Json).certificateArn = 'arn:aws:acm:us-east-1:111111111111:certificate/abc-123';
    (tenant.consentPage.domain as Json).certificateArn = 'arn:aws:acm:eu-west-2:111111111111:certificate/abc-123';
    // Act / Assess
    expect(resolve(tenant)).toThrow(
      /domains\.mtls\.certificateArn: API Gateway needs the certificate in the tenant region eu-west-2/,
    );
    expect(resolve(tenant)).toThrow(
      /consentPage\.domain\.certificateArn: CloudFront needs the certificate in us-east-1/,
    );
  });

  it('requires the consent page to be same-site with the browser API', () => {
    // Prepare
    const tenant = base();
    (tenant.consentPage.domain as Json).domainName = 'consent.other-bank.example';
    // Act / Assess
    expect(resolve(tenant)).toThrow(/consentPage\.domain\.domainName must be under tpi-bank\.example/);
  });

  it('requires the active signing key to be one of the configured keys', () => {
    // Prepare
    const tenant = base();
    tenant.signing.activeKey = '2027-05';
    // Act / Assess
    expect(resolve(tenant)).toThrow(/signing\.activeKey must be one of the configured keys \(2026-11\)/);
  });

  it('requires the staff IdP with the role value that makes an administrator', () => {
    // Prepare
    const withoutStaffIdp = base();
    delete withoutStaffIdp.staffIdentityProvider;
    const withoutAdminValue = base();
    delete (withoutAdminValue.staffIdentityProvider as Json).adminValue;
    const plainSecret = base();
    (plainSecret.staffIdentityProvider as Json).clientSecretArn = 'the-secret-itself';
    // Act / Assess
    expect(resolve(withoutStaffIdp)).toThrow(/ {2}- staffIdentityProvider is required/);
    expect(resolve(withoutAdminValue)).toThrow(/ {2}- staffIdentityProvider\.adminValue is required/);
    expect(resolve(plainSecret)).toThrow(
      /staffIdentityProvider\.clientSecretArn: expected a Secrets Manager secret ARN/,
    );
  });

  it('reads the role claim as configured, `roles` when not given', () => {
    // Prepare
    const tenant = base();
    delete (tenant.staffIdentityProvider as Json).roleClaim;
    // Act
    const defaulted = resolve(tenant)();
    const northBank = resolveTenant(sampleTenants(), 'north-bank', PROJECT_ROOT);
    // Assess
    expect(defaulted.staffIdentityProvider.roleClaim).toBe('roles');
    expect(northBank.staffIdentityProvider.roleClaim).toBe('groups');
  });

  it('refuses a truststore that holds a private key or no certificate', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'bankgate-truststore-'));
    writeFileSync(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    writeFileSync(join(dir, 'empty.pem'), 'nothing here\n');
    // Act / Assess
    expect(resolve({ ...base(), truststorePemFile: join(dir, 'key.pem') })).toThrow(
      /truststorePemFile: contains a private key/,
    );
    expect(resolve({ ...base(), truststorePemFile: join(dir, 'empty.pem') })).toThrow(
      /truststorePemFile: holds no PEM certificate/,
    );
    expect(resolve({ ...base(), truststorePemFile: join(dir, 'missing.pem') })).toThrow(
      /truststorePemFile: file not found/,
    );
  });

  it('reads the admin CA (exactly one certificate) apart from the TPP truststore', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'bankgate-admin-ca-'));
    const sample = readFileSync(join(PROJECT_ROOT, 'lib/tenants/sample-admin-ca.pem'), 'utf8');
    writeFileSync(join(dir, 'two.pem'), `${sample}\n${sample}`);
    // Act
    const tenant = resolveTenant(sampleTenants(), 'tpi-bank', PROJECT_ROOT);
    // Assess
    expect(tenant.adminCa.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tenant.truststorePem).not.toContain(tenant.adminCa.pem.trim());
    expect(resolve({ ...base(), adminCaPemFile: join(dir, 'two.pem') })).toThrow(
      /adminCaPemFile: must hold exactly one/,
    );
    const { adminCaPemFile: _, ...withoutAdminCa } = base();
    expect(resolve(withoutAdminCa)).toThrow(/ {2}- adminCaPemFile is required/);
  });

  it('lists the declared tenants when the selected one does not exist', () => {
    // Act / Assess
    expect(() => resolveTenant(sampleTenants(), 'south-bank', PROJECT_ROOT)).toThrow(
      'Unknown tenant "south-bank". Pass one of [tpi-bank, north-bank] with -c tenant=<name>',
    );
    expect(() => resolveTenant(sampleTenants(), undefined, PROJECT_ROOT)).toThrow(/^No tenant selected/);
  });

  it('stops `cdk synth` with the message and no stack trace', () => {
    // Prepare: the context the CDK CLI hands the app (cdk.json context plus -c tenant=tpi-bank).
    const tenants = sampleTenants();
    (tenants['tpi-bank'].identityProvider as Json).issuer = 'http://login.tpi-bank.example';
    const context = { ...cdkJsonContext(), [TENANTS_CONTEXT_KEY]: tenants, [TENANT_CONTEXT_KEY]: 'tpi-bank' };
    // Act
    const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), join(PROJECT_ROOT, 'bin', 'bankgate.ts')], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify(context),
        CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'bankgate-cdk-out-')),
      },
      encoding: 'utf8',
    });
    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'Tenant "tpi-bank" has an invalid configuration:\n  - identityProvider.issuer: expected an https:// URL',
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
