/**
 * Tenant configuration: one entry per bank under the `bankgate:tenants` context key in cdk.json.
 * Validated with zod before any construct is created, so a missing or wrong field stops synthesis
 * with a message naming the tenant and the field instead of failing later inside CloudFormation.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import { certificateDer, derThumbprint } from '../lambdas/domain/thumbprint';
import { validate } from '../lambdas/validation';

/** The cdk.json context key holding every tenant's configuration. */
export const TENANTS_CONTEXT_KEY = 'bankgate:tenants';
/** The context key that selects the tenant to synthesize: `npx cdk synth -c tenant=<name>`. */
export const TENANT_CONTEXT_KEY = 'tenant';

const TENANT_NAME = /^[a-z][a-z0-9-]{1,30}[a-z0-9]$/;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const DOMAIN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[A-Za-z0-9-]+$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const SNS_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+$/;
const HOSTED_ZONE_ID = /^Z[A-Z0-9]{1,31}$/;
/** CloudWatch Logs accepts only these retention periods (days). */
const LOG_RETENTION_DAYS = [30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const https = z.url({ protocol: /^https$/, error: 'expected an https:// URL' });
const domainName = z.string().regex(DOMAIN, 'expected a lower-case DNS name such as api.bank.example');
const certificateArn = z.string().regex(ACM_ARN, 'expected an ACM certificate ARN');

const CustomDomain = z.strictObject({ domainName, certificateArn });

const SigningAlgorithm = z.enum(['PS256', 'ES256']);

const SigningKey = z.strictObject({
  /** Stable label of this key generation (part of its alias and construct id); never reuse one. */
  id: z.string().regex(/^[A-Za-z0-9-]{1,32}$/, 'expected 1-32 letters, digits or dashes'),
  algorithm: SigningAlgorithm,
});

/** WCAG 2.1 relative luminance of `#rrggbb` (SC 1.4.3 definition). */
function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

/** Contrast of white text on `hex`: the banner and primary buttons must reach 4.5:1 (WCAG 2.1 AA, SC 1.4.3). */
export function whiteTextContrast(hex: string): number {
  return 1.05 / (luminance(hex) + 0.05);
}

const Branding = z.strictObject({
  /** The bank's logo as an SVG file (path relative to the project root), served from the portal site itself. */
  logoFile: z.string().endsWith('.svg', 'expected an .svg file').optional(),
  /** Banner and primary-button colour, `#rrggbb`, dark enough for white text. */
  primaryColour: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'expected #rrggbb')
    .refine((hex) => whiteTextContrast(hex) >= 4.5, 'white text on it must reach a contrast of 4.5:1 (WCAG AA)')
    .optional(),
  /** The bank's privacy policy: linked on every portal page; the consent page asks the customer to agree to it. */
  privacyPolicyUrl: https.optional(),
});

const TenantSchema = z
  .strictObject({
    /** Shown to customers (consent page header) and used as the OpenID Provider's display name. */
    displayName: z.string().min(1).max(64),
    account: z.string().regex(ACCOUNT, 'expected a 12-digit AWS account id'),
    region: z.string().regex(REGION, 'expected an AWS region such as eu-west-2'),
    domains: z.strictObject({
      /** TPP-facing origin with mutual TLS (token, PAR, consents, resource APIs). Certificate in the tenant region. */
      mtls: CustomDomain,
      /** Browser-facing origin and OpenID issuer (discovery, JWKS, authorize, login, consent session API). */
      browser: CustomDomain,
      /** Optional public hosted zone: alias records are created for every custom domain when given. */
      hostedZone: z.strictObject({ zoneId: z.string().regex(HOSTED_ZONE_ID), zoneName: domainName }).optional(),
    }),
    /** PEM bundle of the CAs whose client certificates the mTLS domain accepts; path relative to the project root. */
    truststorePemFile: z.string().min(1),
    /**
     * The bank's own CA for its administrators' client certificates (one PEM certificate). It joins the mTLS
     * truststore, and the admin client is accepted only with a certificate this CA issued, never one of a TPP CA.
     */
    adminCaPemFile: z.string().min(1),
    identityProvider: z.strictObject({
      issuer: https,
      clientId: z.string().min(1),
      /** Secrets Manager secret holding the client secret (complete ARN, with its 6-character suffix). */
      clientSecretArn: z.string().regex(SECRET_ARN, 'expected a Secrets Manager secret ARN'),
    }),
    /** The bank's workforce IdP: bank staff sign in to the admin console through it (OIDC, code flow). */
    staffIdentityProvider: z.strictObject({
      issuer: https,
      clientId: z.string().min(1),
      /** Secrets Manager secret holding the client secret (complete ARN, with its 6-character suffix). */
      clientSecretArn: z.string().regex(SECRET_ARN, 'expected a Secrets Manager secret ARN'),
      /** The ID-token claim carrying roles or groups, e.g. `roles`, `groups`, `cognito:groups`. */
      roleClaim: z
        .string()
        .regex(/^[A-Za-z0-9_:./-]{1,100}$/, 'expected a claim name')
        .default('roles'),
      /** The value of that claim that makes a staff member a bank administrator. */
      adminValue: z.string().min(1).max(256),
    }),
    signing: z.strictObject({
      /** Every signing key the JWKS publishes; more than one only while a rotation overlaps. */
      keys: z.array(SigningKey).min(1).max(3),
      /** The key that signs ID tokens and response JWS now. */
      activeKey: z.string().min(1),
    }),
    tokenLifetimes: z.strictObject({
      accessTokenSeconds: z.number().int().min(60).max(3600),
      refreshTokenSeconds: z
        .number()
        .int()
        .min(300)
        .max(400 * 24 * 3600),
      clientCredentialsSeconds: z.number().int().min(60).max(3600),
    }),
    /** How the portal pages (consent page, customer dashboard, ...) show the bank. */
    branding: Branding.prefault({}),
    consentPage: z.discriminatedUnion('type', [
      /**
       * The consent SPA from web/, on CloudFront. Its domain must be same-site with the browser domain (the
       * login-session cookie is SameSite=Lax) and its certificate must be in us-east-1 (CloudFront).
       */
      z.strictObject({ type: z.literal('built-in'), domain: CustomDomain }),
      /** The bank hosts its own consent page. */
      z.strictObject({ type: z.literal('bank-hosted'), url: https }),
    ]),
    alarms: z.strictObject({
      emails: z.array(z.email()).default([]),
      /** An existing topic (e.g. the bank's incident tooling) notified in addition to the e-mails. */
      snsTopicArn: z.string().regex(SNS_ARN, 'expected an SNS topic ARN').optional(),
      latencyP99Millis: z.number().int().positive().default(2000),
      serverErrorRatePercent: z.number().positive().max(100).default(1),
    }),
    api: z
      .strictObject({
        throttlingRateLimit: z.number().int().positive().default(200),
        throttlingBurstLimit: z.number().int().positive().default(400),
        /** Requests per client IP in any 5-minute window before WAF blocks it. */
        wafRateLimitPer5Minutes: z.number().int().min(10).max(2_000_000_000).default(3000),
      })
      .prefault({}),
    logRetentionDays: z
      .number()
      .refine((days) => LOG_RETENTION_DAYS.includes(days), `expected one of ${LOG_RETENTION_DAYS.join(', ')}`)
      .default(365),
  })
  .superRefine((tenant, ctx) => {
    for (const surface of ['mtls', 'browser'] as const) {
      const region = ACM_ARN.exec(tenant.domains[surface].certificateArn)?.[1];
      if (region && region !== tenant.region) {
        ctx.addIssue({
          code: 'custom',
          path: ['domains', surface, 'certificateArn'],
          message: `API Gateway needs the certificate in the tenant region ${tenant.region}, not ${region}`,
        });
      }
    }
    if (tenant.consentPage.type === 'built-in') {
      const { domain } = tenant.consentPage;
      const region = ACM_ARN.exec(domain.certificateArn)?.[1];
      if (region && region !== 'us-east-1') {
        ctx.addIssue({
          code: 'custom',
          path: ['consentPage', 'domain', 'certificateArn'],
          message: `CloudFront needs the certificate in us-east-1, not ${region}`,
        });
      }
      const site = tenant.domains.browser.domainName.split('.').slice(1).join('.');
      if (!domain.domainName.endsWith(`.${site}`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['consentPage', 'domain', 'domainName'],
          message: `must be under ${site}, like the browser domain, so the login-session cookie reaches the consent API`,
        });
      }
    }
    const keyIds = tenant.signing.keys.map((key) => key.id);
    if (new Set(keyIds).size !== keyIds.length) {
      ctx.addIssue({ code: 'custom', path: ['signing', 'keys'], message: 'key ids must be unique' });
    }
    if (!keyIds.includes(tenant.signing.activeKey)) {
      ctx.addIssue({
        code: 'custom',
        path: ['signing', 'activeKey'],
        message: `must be one of the configured keys (${keyIds.join(', ')})`,
      });
    }
    if (tenant.alarms.emails.length === 0 && !tenant.alarms.snsTopicArn) {
      ctx.addIssue({ code: 'custom', path: ['alarms'], message: 'give at least one of emails or snsTopicArn' });
    }
  });

export type TenantSettings = z.output<typeof TenantSchema>;
export type SigningAlgorithmName = z.output<typeof SigningAlgorithm>;

/** A validated tenant: its settings plus what was read from files it points to. */
export interface TenantConfig extends TenantSettings {
  /** The tenant's key in `bankgate:tenants`; prefixes every physical name in its stack. */
  readonly name: string;
  /** Contents of `truststorePemFile`. */
  readonly truststorePem: string;
  /** Contents of `branding.logoFile`. */
  readonly logoSvg?: string;
  /** The admin CA certificate of `adminCaPemFile`, and its `x5t#S256`. */
  readonly adminCa: { readonly pem: string; readonly thumbprint: string };
}

/** Where the portal site serves the tenant's logo. */
export const LOGO_PATH = '/branding/logo.svg';

/** What every portal page reads at start-up from `/config.json` (web/src/config.ts `RuntimeConfig`). */
export interface PortalRuntimeConfig {
  readonly apiBaseUrl: string;
  readonly tenantName: string;
  readonly branding: {
    readonly logoUrl: string | null;
    readonly primaryColour: string | null;
    readonly privacyPolicyUrl: string | null;
  };
}

/** The portal site's `config.json` for a tenant: written by CDK into the site bucket, served by the sandbox. */
export function portalRuntimeConfig(
  tenant: Pick<TenantConfig, 'displayName' | 'branding' | 'logoSvg'>,
  apiBaseUrl: string,
): PortalRuntimeConfig {
  return {
    apiBaseUrl,
    tenantName: tenant.displayName,
    branding: {
      logoUrl: tenant.logoSvg ? LOGO_PATH : null,
      primaryColour: tenant.branding.primaryColour ?? null,
      privacyPolicyUrl: tenant.branding.privacyPolicyUrl ?? null,
    },
  };
}

/** A tenant configuration problem, worded for the platform engineer running `cdk synth`. */
export class TenantConfigError extends Error {
  override readonly name = 'TenantConfigError';
}

/**
 * Picks the tenant `name` out of the `bankgate:tenants` context value and validates it.
 * @param projectRoot directory that relative file paths in the configuration are resolved against
 */
export function resolveTenant(tenants: unknown, name: unknown, projectRoot: string): TenantConfig {
  if (typeof tenants !== 'object' || tenants === null || Array.isArray(tenants)) {
    throw new TenantConfigError(`cdk.json context "${TENANTS_CONTEXT_KEY}" must be an object of tenants keyed by name`);
  }
  const declared = Object.keys(tenants);
  if (typeof name !== 'string' || !Object.hasOwn(tenants, name)) {
    const which = typeof name === 'string' ? `Unknown tenant "${name}"` : 'No tenant selected';
    throw new TenantConfigError(
      `${which}. Pass one of [${declared.join(', ')}] with -c ${TENANT_CONTEXT_KEY}=<name> (tenants are declared under "${TENANTS_CONTEXT_KEY}" in cdk.json).`,
    );
  }
  if (!TENANT_NAME.test(name)) {
    throw new TenantConfigError(
      `Tenant "${name}": the name must be 3-32 lower-case letters, digits or dashes (it prefixes AWS resource names)`,
    );
  }
  const parsed = validate(TenantSchema, (tenants as Record<string, unknown>)[name], { subject: '(tenant)' });
  if (!parsed.ok) {
    const problems = parsed.problems.map((problem) => `  - ${problem.message}`);
    throw new TenantConfigError(`Tenant "${name}" has an invalid configuration:\n${problems.join('\n')}`);
  }
  const { logoFile } = parsed.data.branding;
  const adminCaPem = readTruststore(name, parsed.data.adminCaPemFile, projectRoot, 'adminCaPemFile');
  if (adminCaPem.match(PEM_CERTIFICATE)!.length !== 1) {
    throw new TenantConfigError(`Tenant "${name}": adminCaPemFile: must hold exactly one CA certificate`);
  }
  return {
    ...parsed.data,
    name,
    truststorePem: readTruststore(name, parsed.data.truststorePemFile, projectRoot, 'truststorePemFile'),
    adminCa: { pem: adminCaPem, thumbprint: derThumbprint(certificateDer(adminCaPem)!) },
    ...(logoFile ? { logoSvg: readLogo(name, logoFile, projectRoot) } : {}),
  };
}

/**
 * The logo is served from the bank's own site under a CSP without inline script: an SVG with script or a
 * reference to another origin would be refused by the browser or break "no third-party requests".
 */
function readLogo(tenant: string, file: string, projectRoot: string): string {
  const path = isAbsolute(file) ? file : resolve(projectRoot, file);
  const fail = (why: string) => new TenantConfigError(`Tenant "${tenant}": branding.logoFile: ${why} (${path})`);
  if (!existsSync(path)) throw fail('file not found');
  const svg = readFileSync(path, 'utf8');
  if (!/<svg[\s>]/.test(svg)) throw fail('is not an SVG image');
  if (/<script|\son\w+=|(?:href|src)=["']?(?:https?:)?\/\//i.test(svg))
    throw fail('must not contain scripts, event handlers or references to other sites');
  return svg;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----/g;

function readTruststore(tenant: string, file: string, projectRoot: string, field: string): string {
  const path = isAbsolute(file) ? file : resolve(projectRoot, file);
  const fail = (why: string) => new TenantConfigError(`Tenant "${tenant}": ${field}: ${why} (${path})`);
  if (!existsSync(path)) throw fail('file not found');
  const pem = readFileSync(path, 'utf8');
  if (/PRIVATE KEY-----/.test(pem)) throw fail('contains a private key; a truststore holds CA certificates only');
  const certificates = pem.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) throw fail('holds no PEM certificate');
  // API Gateway reads the bundle as concatenated PEM blocks: keep exactly those, without commentary.
  return `${certificates.join('\n')}\n`;
}
