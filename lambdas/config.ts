/**
 * Runtime configuration, read once per process from the environment that CDK sets on each function
 * and the sandbox sets the same way. Validated with zod so a misconfigured function fails at cold start
 * with the name of the variable, not later with an obscure error.
 */
import * as z from './validation';

const seconds = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.positive()), fallback);

const ConfigSchema = z.object({
  BANKGATE_ISSUER: z.url(),
  /** Base URL of the mutual-TLS origin (token, PAR, introspection, revocation, resource APIs). */
  BANKGATE_MTLS_BASE_URL: z.url(),
  BANKGATE_TENANT_NAME: z._default(z.string().check(z.minLength(1)), 'Bankgate'),
  BANKGATE_SIGNING_KEY_ID: z.optional(z.string().check(z.minLength(1))),
  BANKGATE_SIGNING_ALG: z._default(z.enum(['PS256', 'ES256']), 'PS256'),
  BANKGATE_ENCRYPTION_KEY_ID: z.optional(z.string().check(z.minLength(1))),
  /** Comma-separated: signing keys published (not used) during a rotation overlap. */
  BANKGATE_PUBLISHED_SIGNING_KEY_IDS: z.optional(z.string()),
  BANKGATE_ACCESS_TOKEN_TTL: seconds(300),
  BANKGATE_REFRESH_TOKEN_TTL: seconds(30 * 24 * 3600),
  BANKGATE_CLIENT_CREDENTIALS_TTL: seconds(600),
  BANKGATE_IDP_ISSUER: z.optional(z.url()),
  BANKGATE_IDP_CLIENT_ID: z.optional(z.string()),
  BANKGATE_IDP_CLIENT_SECRET: z.optional(z.string()),
  /** In AWS the secret stays in Secrets Manager; functions get its ARN. */
  BANKGATE_IDP_CLIENT_SECRET_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  BANKGATE_CONSENT_PAGE_URL: z.optional(z.string()),
  /** The bank's workforce IdP for staff sign-in to the admin console. */
  BANKGATE_STAFF_IDP_ISSUER: z.optional(z.url()),
  BANKGATE_STAFF_IDP_CLIENT_ID: z.optional(z.string()),
  BANKGATE_STAFF_IDP_CLIENT_SECRET: z.optional(z.string()),
  BANKGATE_STAFF_IDP_CLIENT_SECRET_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  /** The ID-token claim carrying the staff member's roles or groups (a string or an array of strings). */
  BANKGATE_STAFF_IDP_ROLE_CLAIM: z._default(z.string().check(z.minLength(1)), 'roles'),
  /** The value of that claim that makes a staff member a bank administrator. */
  BANKGATE_STAFF_IDP_ADMIN_ROLE: z._default(z.string().check(z.minLength(1)), 'admin'),
  /**
   * Comma-separated DNS names gateway upstreams may resolve to loopback/private addresses with (an explicit
   * allowlist; the sandbox sets its local CA's host `localhost`). Empty in a deployment: public addresses only.
   */
  BANKGATE_UPSTREAM_PRIVATE_HOSTS: z.optional(z.string()),
  /** PEM file of CAs trusted for upstreams besides the system store (the sandbox's CA; AWS: NODE_EXTRA_CA_CERTS). */
  BANKGATE_UPSTREAM_CA_FILE: z.optional(z.string().check(z.minLength(1))),
});

export interface Config {
  readonly issuer: string;
  readonly mtlsBaseUrl: string;
  readonly tenantName: string;
  readonly signingKeyId?: string;
  readonly signingAlg: 'PS256' | 'ES256';
  readonly encryptionKeyId?: string;
  readonly publishedSigningKeyIds: readonly string[];
  readonly accessTokenTtl: number;
  readonly refreshTokenTtl: number;
  readonly clientCredentialsTtl: number;
  readonly idp?: {
    readonly issuer: string;
    readonly clientId: string;
    readonly clientSecret?: string;
    readonly clientSecretArn?: string;
  };
  readonly consentPageUrl?: string;
  readonly staffIdp?: {
    readonly issuer: string;
    readonly clientId: string;
    readonly clientSecret?: string;
    readonly clientSecretArn?: string;
    readonly roleClaim: string;
    readonly adminRole: string;
  };
  readonly upstream: { readonly privateHosts: ReadonlySet<string>; readonly caFile?: string };
}

const commaList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid Bankgate configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    issuer: e.BANKGATE_ISSUER.replace(/\/$/, ''),
    mtlsBaseUrl: e.BANKGATE_MTLS_BASE_URL.replace(/\/$/, ''),
    tenantName: e.BANKGATE_TENANT_NAME,
    signingKeyId: e.BANKGATE_SIGNING_KEY_ID,
    signingAlg: e.BANKGATE_SIGNING_ALG,
    encryptionKeyId: e.BANKGATE_ENCRYPTION_KEY_ID,
    publishedSigningKeyIds: commaList(e.BANKGATE_PUBLISHED_SIGNING_KEY_IDS),
    accessTokenTtl: e.BANKGATE_ACCESS_TOKEN_TTL,
    refreshTokenTtl: e.BANKGATE_REFRESH_TOKEN_TTL,
    clientCredentialsTtl: e.BANKGATE_CLIENT_CREDENTIALS_TTL,
    idp:
      e.BANKGATE_IDP_ISSUER && e.BANKGATE_IDP_CLIENT_ID
        ? {
            issuer: e.BANKGATE_IDP_ISSUER,
            clientId: e.BANKGATE_IDP_CLIENT_ID,
            clientSecret: e.BANKGATE_IDP_CLIENT_SECRET,
            clientSecretArn: e.BANKGATE_IDP_CLIENT_SECRET_ARN,
          }
        : undefined,
    consentPageUrl: e.BANKGATE_CONSENT_PAGE_URL,
    staffIdp:
      e.BANKGATE_STAFF_IDP_ISSUER && e.BANKGATE_STAFF_IDP_CLIENT_ID
        ? {
            issuer: e.BANKGATE_STAFF_IDP_ISSUER,
            clientId: e.BANKGATE_STAFF_IDP_CLIENT_ID,
            clientSecret: e.BANKGATE_STAFF_IDP_CLIENT_SECRET,
            clientSecretArn: e.BANKGATE_STAFF_IDP_CLIENT_SECRET_ARN,
            roleClaim: e.BANKGATE_STAFF_IDP_ROLE_CLAIM,
            adminRole: e.BANKGATE_STAFF_IDP_ADMIN_ROLE,
          }
        : undefined,
    upstream: {
      privateHosts: new Set(commaList(e.BANKGATE_UPSTREAM_PRIVATE_HOSTS).map((host) => host.toLowerCase())),
      caFile: e.BANKGATE_UPSTREAM_CA_FILE,
    },
  };
}

let cached: Config | undefined;

/** The process-wide configuration (read lazily so the sandbox can set the environment first). */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
