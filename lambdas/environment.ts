/**
 * The environment contract: every variable a handler reads (besides the AWS SDK's own and the table names
 * of `tables.ts`), declared once. `config.ts` validates it at cold start; the CDK function construct
 * (`lib/constructs/handler-functions.ts`) and the sandbox (`sandbox/sandbox.ts`) set it through the
 * `HandlerEnvironment` type, so a variable added or renamed here fails their typecheck until they set it.
 */
import * as z from './validation';

const seconds = (fallback: number) => z._default(z.coerce.number().check(z.int(), z.positive()), fallback);
const keyId = z.optional(z.string().check(z.minLength(1)));

export const HandlerEnvironmentSchema = z.object({
  BANKGATE_ISSUER: z.url(),
  /** Base URL of the mutual-TLS origin (token, PAR, introspection, revocation, resource APIs). */
  BANKGATE_MTLS_BASE_URL: z.url(),
  BANKGATE_TENANT_NAME: z._default(z.string().check(z.minLength(1)), 'Bankgate'),
  /** One signing key per purpose (ports/keys.ts SIGNING_PURPOSES); a function gets only those it uses. */
  BANKGATE_ID_TOKEN_KEY_ID: keyId,
  BANKGATE_GATEWAY_RESPONSE_KEY_ID: keyId,
  BANKGATE_UPSTREAM_CALLER_KEY_ID: keyId,
  /** The active key generation's algorithm, the same for every purpose. */
  BANKGATE_SIGNING_ALG: z._default(z.enum(['PS256', 'ES256']), 'PS256'),
  BANKGATE_ENCRYPTION_KEY_ID: keyId,
  /** One HMAC key per MAC purpose (ports/keys.ts MAC_PURPOSES): `BANKGATE_<env>_KEY_ID`. */
  BANKGATE_PAGING_CURSOR_KEY_ID: keyId,
  /** Comma-separated, per purpose: keys published (not used) during a rotation overlap (JWKS function only). */
  BANKGATE_PUBLISHED_ID_TOKEN_KEY_IDS: z.optional(z.string()),
  BANKGATE_PUBLISHED_GATEWAY_RESPONSE_KEY_IDS: z.optional(z.string()),
  BANKGATE_PUBLISHED_UPSTREAM_CALLER_KEY_IDS: z.optional(z.string()),
  BANKGATE_ACCESS_TOKEN_TTL: seconds(300),
  BANKGATE_REFRESH_TOKEN_TTL: seconds(30 * 24 * 3600),
  BANKGATE_CLIENT_CREDENTIALS_TTL: seconds(600),
  BANKGATE_IDP_ISSUER: z.optional(z.url()),
  BANKGATE_IDP_CLIENT_ID: z.optional(z.string()),
  /** Locally the secret itself; in AWS it stays in Secrets Manager and functions get its ARN. */
  BANKGATE_IDP_CLIENT_SECRET: z.optional(z.string()),
  BANKGATE_IDP_CLIENT_SECRET_ARN: z.optional(z.string().check(z.startsWith('arn:'))),
  BANKGATE_CONSENT_PAGE_URL: z.optional(z.string()),
  /** Origin serving the portal pages (`/consent/`, `/account/`, ...); default: the issuer's origin. */
  BANKGATE_PORTAL_SITE_URL: z.optional(z.url()),
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
  /** `x5t#S256` of the bank's admin CA certificate: the only CA an admin client may be pinned to. */
  BANKGATE_ADMIN_CA_THUMBPRINT: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{43}$/))),
  /** Read by Powertools (logger, metrics) and, for the metrics middleware, by `http/handler.ts`. */
  POWERTOOLS_SERVICE_NAME: z.optional(z.string()),
  POWERTOOLS_METRICS_NAMESPACE: z.optional(z.string()),
  POWERTOOLS_METRICS_FUNCTION_NAME: z.optional(z.string()),
  POWERTOOLS_METRICS_DISABLED: z.optional(z.string()),
  POWERTOOLS_LOG_LEVEL: z.optional(z.string()),
});

type Declared = z.input<typeof HandlerEnvironmentSchema>;
type OptionalName = { [K in keyof Declared]-?: object extends Pick<Declared, K> ? K : never }[keyof Declared];

/** The contract as CDK and the sandbox write it: every value a string, the optional ones may be left out. */
export type HandlerEnvironment = { readonly [K in Exclude<keyof Declared, OptionalName>]: string } & {
  readonly [K in OptionalName]?: string;
};
