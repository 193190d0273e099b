/**
 * Runtime configuration, read once per process (`wiring.config`) from the environment contract
 * (`environment.ts`) that CDK sets on each function and the sandbox sets the same way. Validated with zod
 * so a misconfigured function fails at cold start with the name of the variable, not later with an
 * obscure error.
 */
import { HandlerEnvironmentSchema } from './environment';
import {
  MAC_PURPOSE_NAMES,
  MAC_PURPOSES,
  type MacPurpose,
  SIGNING_PURPOSE_NAMES,
  SIGNING_PURPOSES,
  type SigningAlg,
  type SigningKeyIds,
  type SigningPurpose,
} from './ports/keys';
import * as z from './validation';

export interface Config {
  readonly issuer: string;
  readonly mtlsBaseUrl: string;
  readonly tenantName: string;
  /** The active key generation's algorithm, the `alg` of every purpose's signatures (ID tokens included). */
  readonly signingAlg: SigningAlg;
  /** The signing keys of each purpose this function was given (KMS key ARNs or aliases). */
  readonly signingKeys: Partial<Record<SigningPurpose, SigningKeyIds>>;
  readonly encryptionKeyId?: string;
  /** The HMAC key of each MAC purpose this function was given. */
  readonly macKeys: Partial<Record<MacPurpose, string>>;
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
  /** Origin of the portal pages, without a trailing slash. */
  readonly portalSiteUrl: string;
  readonly adminCaThumbprint?: string;
}

const commaList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** Per purpose, `BANKGATE_<purpose>_KEY_ID` and its published keys, for the purposes this function was given. */
function signingKeys(env: NodeJS.ProcessEnv, alg: SigningAlg): Config['signingKeys'] {
  return Object.fromEntries(
    SIGNING_PURPOSE_NAMES.flatMap((purpose) => {
      const { env: name } = SIGNING_PURPOSES[purpose];
      const keyId = env[`BANKGATE_${name}_KEY_ID`];
      return keyId
        ? [[purpose, { keyId, alg, publishedKeyIds: commaList(env[`BANKGATE_PUBLISHED_${name}_KEY_IDS`]) }]]
        : [];
    }),
  );
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = z.validate(HandlerEnvironmentSchema, env);
  if (!parsed.ok) throw new Error(`Invalid Bankgate configuration: ${z.describeProblems(parsed.problems)}`);
  const e = parsed.data;
  return {
    issuer: e.BANKGATE_ISSUER.replace(/\/$/, ''),
    mtlsBaseUrl: e.BANKGATE_MTLS_BASE_URL.replace(/\/$/, ''),
    tenantName: e.BANKGATE_TENANT_NAME,
    signingAlg: e.BANKGATE_SIGNING_ALG,
    signingKeys: signingKeys(env, e.BANKGATE_SIGNING_ALG),
    encryptionKeyId: e.BANKGATE_ENCRYPTION_KEY_ID,
    macKeys: Object.fromEntries(
      MAC_PURPOSE_NAMES.flatMap((purpose) => {
        const keyId = env[`BANKGATE_${MAC_PURPOSES[purpose].env}_KEY_ID`];
        return keyId ? [[purpose, keyId]] : [];
      }),
    ),
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
    portalSiteUrl: new URL(e.BANKGATE_PORTAL_SITE_URL ?? e.BANKGATE_ISSUER).origin,
    adminCaThumbprint: e.BANKGATE_ADMIN_CA_THUMBPRINT,
  };
}
