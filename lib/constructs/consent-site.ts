/**
 * The built-in portal site (web/: `/consent/`, `/account/`, ... one page per portal), built by Vite during
 * synthesis and served from a private S3 bucket through CloudFront with Origin Access Control.
 * `config.json` at the site root tells the one build which API and bank it belongs to; the bank's logo is
 * deployed next to it (`/branding/logo.svg`), so no page ever loads anything from another origin.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { DockerImage, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { ARecord, type IHostedZone, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { CloudFrontTarget } from 'aws-cdk-lib/aws-route53-targets';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { PROJECT_ROOT } from '../paths';
import { LOGO_PATH, type PortalRuntimeConfig } from '../tenant-config';
import { BUCKET_DEPLOYMENT_MEMORY_MB } from './deployment';

export const WEB_DIR = join(PROJECT_ROOT, 'web');

export interface ConsentSiteProps {
  readonly tenant: string;
  readonly runtimeConfig: PortalRuntimeConfig;
  /** The bank's logo (SVG), deployed at `LOGO_PATH`. */
  readonly logoSvg?: string;
  /** Same-site with the browser API; its certificate is in us-east-1. */
  readonly domain: { readonly domainName: string; readonly certificateArn: string };
  readonly hostedZone?: IHostedZone;
  readonly accessLogs: IBucket;
}

export class ConsentSite extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** `https://<domain>`: the origin of every portal page. */
  readonly origin: string;
  /** `https://<domain>/consent/`: where the authorization server sends customers to review a consent. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsentSiteProps) {
    super(scope, id);
    const bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'consent-site-bucket/',
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = bucket;

    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      responseHeadersPolicyName: `bankgate-${props.tenant}-consent-site`,
      comment: `Bankgate ${props.tenant}: security headers of the consent page`,
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy(props.runtimeConfig.apiBaseUrl),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(730),
          includeSubdomains: true,
          override: true,
        },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    const portalPages = new CloudFrontFunction(this, 'PortalPages', {
      comment: `Bankgate ${props.tenant}: /<portal>/... -> /<portal>/index.html`,
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(PORTAL_PAGES_FUNCTION),
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Bankgate ${props.tenant} portal site (consent page, customer dashboard)`,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        functionAssociations: [{ function: portalPages, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      domainNames: [props.domain.domainName],
      certificate: Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: 'consent-site-cloudfront/',
    });
    this.origin = `https://${props.domain.domainName}`;
    this.url = `${this.origin}/consent/`;

    new BucketDeployment(this, 'Deploy', {
      destinationBucket: bucket,
      sources: [
        viteBuild(),
        Source.jsonData('config.json', props.runtimeConfig),
        ...(props.logoSvg ? [Source.data(LOGO_PATH.slice(1), props.logoSvg)] : []),
      ],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: BUCKET_DEPLOYMENT_MEMORY_MB,
    });

    if (props.hostedZone) {
      new ARecord(this, 'Alias', {
        zone: props.hostedZone,
        recordName: props.domain.domainName,
        target: RecordTarget.fromAlias(new CloudFrontTarget(this.distribution)),
      });
    }

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Customers of the bank consent from wherever they are, including abroad; the bank decides on geo blocking.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static files only: no request reaches an API through this distribution (the browser API has its own regional WAF), and a CloudFront web ACL would have to live in us-east-1.',
      },
    );
  }
}

/**
 * CloudFront Function (viewer request): each portal is one page, `/<portal>/index.html`; its client-side
 * paths (no file extension) get that page, `/<portal>` gets its slash, and the bare site opens the
 * customer dashboard. Files (with an extension) are served as they are, a missing one is a 403/404.
 */
const PORTAL_PAGES_FUNCTION = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/') return { statusCode: 302, statusDescription: 'Found', headers: { location: { value: '/account/' } } };
  var portal = /^\\/([a-z][a-z0-9-]*)(\\/.*)?$/.exec(uri);
  if (portal && portal[2] === undefined) {
    return { statusCode: 308, statusDescription: 'Permanent Redirect', headers: { location: { value: uri + '/' } } };
  }
  if (portal && !/\\.[A-Za-z0-9]+$/.test(uri)) request.uri = '/' + portal[1] + '/index.html';
  return request;
}`;

/** The page talks to the browser API only; no inline script or style, no framing, no forms elsewhere. */
export function contentSecurityPolicy(apiBaseUrl: string): string {
  const api = new URL(apiBaseUrl).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${api}`,
    `form-action 'self' ${api}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** web/ built by the local Vite during synthesis; no Docker image exists or is needed. */
function viteBuild() {
  return Source.asset(WEB_DIR, {
    exclude: ['node_modules', 'dist'],
    bundling: {
      image: DockerImage.fromRegistry('local-bundling-only'),
      local: {
        tryBundle(outputDir: string): boolean {
          const vite = join(dirname(require.resolve('vite/package.json')), 'bin', 'vite.js');
          execFileSync(
            process.execPath,
            [vite, 'build', WEB_DIR, '--outDir', outputDir, '--emptyOutDir', '--logLevel', 'warn'],
            { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
          );
          return true;
        },
      },
    },
  });
}
