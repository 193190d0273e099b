/**
 * One Bankgate tenant (one bank): tables, keys, one function per handler, the TPP-facing mTLS API and
 * the browser-facing API behind a WAF (static routes such as discovery answered by API Gateway itself),
 * the consent page, and the dashboard and alarms. Every physical name is derived from the tenant name or
 * the stack name, so tenants share nothing even in one account.
 */
import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { HostedZone, type IHostedZone } from 'aws-cdk-lib/aws-route53';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { DiscoveryInput } from '../lambdas/domain/discovery';
import { type Surface, staticRoutes } from '../lambdas/routes';
import { ConsentSite } from './constructs/consent-site';
import { DataTables } from './constructs/data-tables';
import { acknowledgeDeploymentFunction } from './constructs/deployment';
import { type HandlerFunction, HandlerFunctions } from './constructs/handler-functions';
import { Monitoring } from './constructs/monitoring';
import { PlatformKeys } from './constructs/platform-keys';
import { type StaticApiRoute, SurfaceApi } from './constructs/surface-api';
import { Truststore } from './constructs/truststore';
import { WebAcl } from './constructs/web-acl';
import { portalRuntimeConfig, type TenantConfig } from './tenant-config';

export interface BankgateStackProps extends StackProps {
  readonly tenant: TenantConfig;
}

/** `Bankgate-<tenant>`: the CloudFormation stack name of a tenant. */
export function stackName(tenant: string): string {
  return `Bankgate-${tenant}`;
}

export class BankgateStack extends Stack {
  readonly tables: DataTables;
  readonly keys: PlatformKeys;
  readonly functions: HandlerFunctions;
  readonly tppApi: SurfaceApi;
  readonly browserApi: SurfaceApi;
  readonly consentSite?: ConsentSite;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: BankgateStackProps) {
    super(scope, id, props);
    const { tenant } = props;
    const logRetention = tenant.logRetentionDays as RetentionDays;
    const issuer = `https://${tenant.domains.browser.domainName}`;
    const mtlsBaseUrl = `https://${tenant.domains.mtls.domainName}`;
    const hostedZone = this.hostedZone(tenant);

    const accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are delivered with object ACLs.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(tenant.logRetentionDays) }],
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access log bucket of the stack; logging it into itself would loop.',
    });

    this.tables = new DataTables(this, 'Tables', { tenant: tenant.name });
    this.keys = new PlatformKeys(this, 'Keys', { tenant });

    let consentPageUrl: string;
    if (tenant.consentPage.type === 'built-in') {
      this.consentSite = new ConsentSite(this, 'ConsentSite', {
        tenant: tenant.name,
        runtimeConfig: portalRuntimeConfig(tenant, issuer),
        logoSvg: tenant.logoSvg,
        domain: tenant.consentPage.domain,
        hostedZone,
        accessLogs,
      });
      consentPageUrl = this.consentSite.url;
    } else {
      consentPageUrl = tenant.consentPage.url;
    }

    this.functions = new HandlerFunctions(this, 'Functions', {
      tenant,
      tables: this.tables,
      keys: this.keys,
      issuer,
      mtlsBaseUrl,
      consentPageUrl,
      portalSiteUrl: this.consentSite?.origin ?? issuer,
      logRetention,
    });

    const webAcl = new WebAcl(this, 'WebAcl', {
      tenant: tenant.name,
      rateLimitPer5Minutes: tenant.api.wafRateLimitPer5Minutes,
    });
    // API Gateway trusts both: the TPPs' CAs and the bank's admin CA (to which only the admin client is pinned).
    const truststore = new Truststore(this, 'Truststore', {
      pem: `${tenant.truststorePem}${tenant.adminCa.pem}`,
      accessLogs,
    });
    const apiProps = (surface: Surface) => ({
      tenant: tenant.name,
      surface,
      domainName: tenant.domains[surface].domainName,
      certificateArn: tenant.domains[surface].certificateArn,
      routes: routesOf(surface, this.functions.functions),
      staticRoutes: staticRoutesOf(surface, { issuer, mtlsBaseUrl }),
      webAclArn: webAcl.acl.attrArn,
      throttlingRateLimit: tenant.api.throttlingRateLimit,
      throttlingBurstLimit: tenant.api.throttlingBurstLimit,
      logRetention,
      hostedZone,
    });
    this.tppApi = new SurfaceApi(this, 'TppApi', { ...apiProps('mtls'), mtls: truststore.mtls });
    this.tppApi.domain.node.addDependency(truststore.upload);
    this.browserApi = new SurfaceApi(this, 'BrowserApi', apiProps('browser'));

    this.monitoring = new Monitoring(this, 'Monitoring', {
      tenant,
      serviceName: this.functions.serviceName,
      apis: [this.tppApi, this.browserApi],
      functions: this.functions.functions,
      tables: this.tables,
    });

    acknowledgeDeploymentFunction(this, [truststore.bucket, ...(this.consentSite ? [this.consentSite.bucket] : [])]);
    this.outputs(tenant, issuer, mtlsBaseUrl, consentPageUrl);
  }

  private hostedZone(tenant: TenantConfig): IHostedZone | undefined {
    const zone = tenant.domains.hostedZone;
    return (
      zone && HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: zone.zoneId, zoneName: zone.zoneName })
    );
  }

  /** Output descriptions are literal strings (CloudFormation refuses an intrinsic there), so names come from the config. */
  private outputs(tenant: TenantConfig, issuer: string, mtlsBaseUrl: string, consentPageUrl: string): void {
    new CfnOutput(this, 'Issuer', { value: issuer, description: 'OpenID issuer (browser-facing API)' });
    new CfnOutput(this, 'MtlsBaseUrl', { value: mtlsBaseUrl, description: 'TPP-facing mutual-TLS API' });
    new CfnOutput(this, 'ConsentPageUrl', { value: consentPageUrl, description: 'Where customers review consents' });
    new CfnOutput(this, 'TppApiDomainTarget', {
      value: this.tppApi.domain.domainNameAliasDomainName,
      description: `DNS target (CNAME or alias) for ${tenant.domains.mtls.domainName}`,
    });
    new CfnOutput(this, 'BrowserApiDomainTarget', {
      value: this.browserApi.domain.domainNameAliasDomainName,
      description: `DNS target (CNAME or alias) for ${tenant.domains.browser.domainName}`,
    });
    if (this.consentSite) {
      new CfnOutput(this, 'ConsentSiteDomainTarget', {
        value: this.consentSite.distribution.distributionDomainName,
        description: 'DNS target (CNAME or alias) for the consent page domain',
      });
    }
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
  }
}

/** The static routes of a surface with their bodies rendered for this tenant's origins. */
function staticRoutesOf(surface: Surface, origins: DiscoveryInput): StaticApiRoute[] {
  return staticRoutes
    .filter(({ route }) => route.surface === surface)
    .map(({ route, headers, body }) => ({ route, headers, body: JSON.stringify(body(origins)) }));
}

function routesOf(surface: Surface, functions: readonly HandlerFunction[]) {
  return functions.flatMap(({ spec, fn }) =>
    spec.routes.filter((route) => route.surface === surface).map((route) => ({ route, fn })),
  );
}
