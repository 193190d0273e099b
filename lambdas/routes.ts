/**
 * The handler manifest: one entry per Lambda function. The CDK stack builds functions, API Gateway
 * resources and IAM grants from it; the sandbox routes local HTTPS requests to the same handler
 * modules from it. Adding an endpoint means adding a handler file and one entry here.
 * Responses fixed at deploy time need no function: they are listed in `staticRoutes`.
 */
import { type DiscoveryInput, providerMetadata } from './domain/discovery';
import { STRICT_TRANSPORT_SECURITY } from './http/strict-transport';
import { type MacPurpose, SIGNING_PURPOSE_NAMES, SIGNING_PURPOSES, type SigningPurpose } from './ports/keys';
import type { TableKey } from './tables';

/** `browser`: TLS-only origin (issuer). `mtls`: the mutual-TLS origin TPPs call with a client certificate. */
export type Surface = 'browser' | 'mtls';

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** API Gateway path template, e.g. `/open-banking/v3.1/aisp/account-access-consents/{ConsentId}`. */
  readonly path: string;
  readonly surface: Surface;
}

/**
 * What a function may do with KMS keys: sign with the active key of one purpose (Sign, GetPublicKey),
 * derive the working key of one MAC purpose (GenerateMac on its HMAC key), read every public key (the
 * JWKS), or unwrap request-object JWE keys (Decrypt on the encryption key).
 * Key policies and role policies derive from these entries.
 */
export type KeyUse = { readonly sign: SigningPurpose } | { readonly mac: MacPurpose } | 'publicKeys' | 'decrypt';

/** The DynamoDB IAM actions a handler may hold; no Scan or BatchWriteItem (no bulk export, consents are records). */
export type DynamoAction = 'GetItem' | 'Query' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

/** Actions that change an item: they need the tenant data key's encrypt side as well. */
export const WRITE_ACTIONS: ReadonlySet<DynamoAction> = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

export interface HandlerSpec {
  /** Function id; also the handler file name under `lambdas/handlers/`. */
  readonly id: string;
  readonly description: string;
  readonly routes: readonly Route[];
  /**
   * Least privilege: per table, exactly the DynamoDB actions the handler's code sends (IAM names;
   * a TransactWriteItems is authorized per item). test/cdk/platform-review.test.ts reads them from the code.
   */
  readonly tables: Partial<Record<TableKey, readonly DynamoAction[]>>;
  readonly keys: readonly KeyUse[];
  /** Needs the identity-provider client secret (federated login). */
  readonly idpSecret?: boolean;
  /** Needs the staff identity-provider client secret (bank staff sign-in to the admin console). */
  readonly staffIdpSecret?: boolean;
  /** @default 512 */
  readonly memorySize?: number;
}

const OB_AISP = '/open-banking/v3.1/aisp';

/** Where the staff IdP sends bank staff back after signing in to the admin console (`http/portal.ts`). */
export const STAFF_LOGIN_CALLBACK_PATH = '/admin/api/callback';

/**
 * A portal's API routes on the browser origin (`http/portal.ts`): its built-in sign-in and session calls,
 * its own calls, and the CORS preflight of each for pages served from the portal site's own origin.
 */
export function portalApiRoutes(
  portal: string,
  own: readonly Pick<Route, 'method' | 'path'>[],
  { federated = true }: { federated?: boolean } = {},
): Route[] {
  const builtIn = [
    ...(federated
      ? ([
          { method: 'GET', path: '/sign-in' },
          { method: 'GET', path: '/callback' },
        ] as const)
      : []),
    { method: 'GET', path: '/session' },
    { method: 'POST', path: '/sign-out' },
  ] as const;
  const calls = [...builtIn, ...own].map(({ method, path }) => ({ method, path: `/${portal}/api${path}` }));
  const preflights = [...new Set(calls.map(({ path }) => path))].map((path) => ({ method: 'OPTIONS' as const, path }));
  return [...calls, ...preflights].map((route) => ({ ...route, surface: 'browser' as const }));
}

export const handlers: readonly HandlerSpec[] = [
  {
    id: 'jwks',
    description: 'JSON Web Key Set built from the KMS public keys',
    // One key set per signing purpose (ports/keys.ts SIGNING_PURPOSES).
    routes: SIGNING_PURPOSE_NAMES.map((purpose) => ({
      method: 'GET',
      path: SIGNING_PURPOSES[purpose].jwksPath,
      surface: 'browser',
    })),
    tables: {},
    keys: ['publicKeys'],
  },
  {
    id: 'authorize',
    description: 'Authorization endpoint: validates the request (PAR or signed request object), starts the bank login',
    routes: [
      { method: 'GET', path: '/authorize', surface: 'browser' },
      { method: 'POST', path: '/authorize', surface: 'browser' },
    ],
    tables: { clients: ['GetItem'], consents: ['GetItem'], authorizations: ['GetItem', 'PutItem', 'UpdateItem'] },
    keys: [],
    idpSecret: true,
  },
  {
    id: 'login-callback',
    description:
      "Return from the bank's identity provider: binds the customer to the login session, opens the consent page",
    routes: [{ method: 'GET', path: '/login/callback', surface: 'browser' }],
    tables: { authorizations: ['GetItem', 'UpdateItem'] },
    keys: [],
    idpSecret: true,
  },
  {
    id: 'consent-api',
    description: 'Consent page API: the SPA with its session cookie, or a privileged client over mTLS',
    routes: [
      { method: 'GET', path: '/consent-api/account-access-consent/{loginId}', surface: 'browser' },
      { method: 'POST', path: '/consent-api/account-access-consent/{loginId}/accept', surface: 'browser' },
      { method: 'POST', path: '/consent-api/account-access-consent/{loginId}/reject', surface: 'browser' },
      // CORS preflight when the consent SPA is served from its own (same-site) origin.
      { method: 'OPTIONS', path: '/consent-api/account-access-consent/{loginId}', surface: 'browser' },
      { method: 'OPTIONS', path: '/consent-api/account-access-consent/{loginId}/accept', surface: 'browser' },
      { method: 'OPTIONS', path: '/consent-api/account-access-consent/{loginId}/reject', surface: 'browser' },
      { method: 'GET', path: '/consent-api/account-access-consent/{loginId}', surface: 'mtls' },
      { method: 'POST', path: '/consent-api/account-access-consent/{loginId}/accept', surface: 'mtls' },
      { method: 'POST', path: '/consent-api/account-access-consent/{loginId}/reject', surface: 'mtls' },
    ],
    tables: {
      clients: ['GetItem'],
      consents: ['GetItem', 'UpdateItem'],
      authorizations: ['GetItem', 'PutItem', 'UpdateItem'],
      tokens: ['GetItem', 'UpdateItem'],
      tokenCollections: ['Query'],
      bankData: ['Query'],
    },
    keys: [{ sign: 'id-token' }],
  },
  {
    id: 'account-api',
    description: "Customer self-service API: sign-in at the bank's IdP, connected apps, stop sharing",
    routes: portalApiRoutes('account', [
      { method: 'GET', path: '/consents' },
      { method: 'POST', path: '/consents/{consentId}/revoke' },
      { method: 'POST', path: '/grants/{clientId}/revoke' },
    ]),
    // Stop sharing is the one revocation (domain/revocation.ts): the consent or the grant registry item, then
    // the tokens' consistent sweep (and the grant's unredeemed code used up).
    tables: {
      portalSessions: ['PutItem', 'UpdateItem'],
      consents: ['GetItem', 'Query', 'UpdateItem'],
      tokens: ['GetItem', 'UpdateItem'],
      tokenCollections: ['Query'],
      authorizations: ['GetItem', 'Query', 'UpdateItem'],
      clients: ['GetItem'],
      bankData: ['Query'],
    },
    keys: [],
    idpSecret: true,
  },
  {
    id: 'developer-api',
    description:
      'Developer portal API: fintech accounts of their own (sign-up, password log-in), applications, API applications',
    routes: portalApiRoutes(
      'developer',
      [
        { method: 'POST', path: '/sign-up' },
        { method: 'POST', path: '/log-in' },
        { method: 'GET', path: '/profile' },
        { method: 'POST', path: '/resubmit' },
        { method: 'GET', path: '/status' },
        { method: 'GET', path: '/catalog' },
        { method: 'GET', path: '/applications' },
        { method: 'POST', path: '/applications' },
        { method: 'POST', path: '/api-applications' },
      ],
      { federated: false },
    ),
    tables: {
      portalSessions: ['PutItem', 'UpdateItem'],
      developers: ['GetItem', 'PutItem', 'UpdateItem'],
      reviews: ['GetItem', 'PutItem', 'Query'],
      clients: ['GetItem', 'PutItem'],
      apis: ['GetItem', 'Query'],
    },
    keys: [],
    // scrypt N=2^17, r=8 needs 128 MiB per hash on top of the runtime.
    memorySize: 512,
  },
  {
    id: 'par',
    description: 'Pushed authorization requests (RFC 9126)',
    routes: [{ method: 'POST', path: '/par', surface: 'mtls' }],
    tables: {
      clients: ['GetItem'],
      replay: ['PutItem'],
      consents: ['GetItem'],
      authorizations: ['PutItem'],
      revokedCertificates: ['GetItem'],
    },
    keys: [],
  },
  {
    id: 'token',
    description: 'OAuth token endpoint: client_credentials, authorization_code, refresh_token',
    routes: [{ method: 'POST', path: '/token', surface: 'mtls' }],
    tables: {
      clients: ['GetItem'],
      replay: ['PutItem'],
      tokens: ['ConditionCheckItem', 'GetItem', 'PutItem', 'UpdateItem'],
      tokenCollections: ['PutItem', 'Query'],
      authorizations: ['ConditionCheckItem', 'GetItem', 'UpdateItem'],
      consents: ['ConditionCheckItem', 'GetItem'],
      revokedCertificates: ['ConditionCheckItem', 'GetItem'],
    },
    keys: [{ sign: 'id-token' }],
  },
  {
    id: 'introspect',
    description: 'Token introspection (RFC 7662) with the consent fields',
    routes: [{ method: 'POST', path: '/introspect', surface: 'mtls' }],
    tables: {
      clients: ['GetItem'],
      replay: ['PutItem'],
      tokens: ['GetItem'],
      consents: ['GetItem'],
      revokedCertificates: ['GetItem'],
    },
    keys: [],
  },
  {
    id: 'revoke',
    description: 'Token revocation (RFC 7009)',
    routes: [{ method: 'POST', path: '/revoke', surface: 'mtls' }],
    tables: {
      clients: ['GetItem'],
      replay: ['PutItem'],
      tokens: ['GetItem', 'UpdateItem'],
      tokenCollections: ['Query'],
      revokedCertificates: ['GetItem'],
    },
    keys: [],
  },
  {
    id: 'account-access-consents',
    description: 'Open Banking UK account-access-consents: POST, GET, DELETE',
    routes: [
      { method: 'POST', path: `${OB_AISP}/account-access-consents`, surface: 'mtls' },
      { method: 'GET', path: `${OB_AISP}/account-access-consents/{ConsentId}`, surface: 'mtls' },
      { method: 'DELETE', path: `${OB_AISP}/account-access-consents/{ConsentId}`, surface: 'mtls' },
    ],
    tables: {
      tokens: ['GetItem', 'UpdateItem'],
      tokenCollections: ['Query'],
      consents: ['GetItem', 'PutItem', 'UpdateItem'],
      replay: ['GetItem', 'PutItem'],
    },
    keys: [],
  },
  {
    id: 'accounts',
    description: 'Open Banking UK account information: accounts, balances, transactions',
    routes: [
      { method: 'GET', path: `${OB_AISP}/accounts`, surface: 'mtls' },
      { method: 'GET', path: `${OB_AISP}/accounts/{AccountId}`, surface: 'mtls' },
      { method: 'GET', path: `${OB_AISP}/balances`, surface: 'mtls' },
      { method: 'GET', path: `${OB_AISP}/accounts/{AccountId}/balances`, surface: 'mtls' },
      { method: 'GET', path: `${OB_AISP}/transactions`, surface: 'mtls' },
      { method: 'GET', path: `${OB_AISP}/accounts/{AccountId}/transactions`, surface: 'mtls' },
    ],
    tables: { tokens: ['GetItem', 'UpdateItem'], bankData: ['GetItem', 'Query'] },
    // Transaction paging cursors are authenticated with a key derived from this HMAC key.
    keys: [{ mac: 'paging-cursor' }],
  },
  {
    id: 'gateway',
    description:
      'Catalog-driven gateway APIs: scope-group authorization, JOSE request/response policies, sample bank or upstream',
    routes: [
      { method: 'GET', path: '/gateway/{proxy+}', surface: 'mtls' },
      { method: 'POST', path: '/gateway/{proxy+}', surface: 'mtls' },
    ],
    tables: { apis: ['GetItem'], tokens: ['GetItem', 'UpdateItem'], clients: ['GetItem'], bankData: ['Query'] },
    keys: [{ sign: 'gateway-response' }, { sign: 'upstream-caller' }, 'decrypt'],
  },
  {
    id: 'admin',
    description:
      'Administration API: clients and their token settings, API definitions and JOSE policies, certificate revocation list, audit log',
    routes: [
      { method: 'GET', path: '/admin/clients', surface: 'mtls' },
      { method: 'GET', path: '/admin/clients/{clientId}', surface: 'mtls' },
      { method: 'GET', path: '/admin/clients/{clientId}/token-settings', surface: 'mtls' },
      { method: 'PUT', path: '/admin/clients/{clientId}/token-settings', surface: 'mtls' },
      { method: 'GET', path: '/admin/apis', surface: 'mtls' },
      { method: 'GET', path: '/admin/apis/{apiId}', surface: 'mtls' },
      { method: 'PUT', path: '/admin/apis/{apiId}', surface: 'mtls' },
      { method: 'GET', path: '/admin/apis/{apiId}/jose-policy', surface: 'mtls' },
      { method: 'PUT', path: '/admin/apis/{apiId}/jose-policy', surface: 'mtls' },
      { method: 'GET', path: '/admin/audit', surface: 'mtls' },
      { method: 'GET', path: '/admin/reviews', surface: 'mtls' },
      { method: 'POST', path: '/admin/reviews/{reviewId}/decision', surface: 'mtls' },
      { method: 'GET', path: '/admin/certificates/revoked', surface: 'mtls' },
      { method: 'GET', path: '/admin/certificates/revoked/{entryId}', surface: 'mtls' },
      { method: 'PUT', path: '/admin/certificates/revoked/{entryId}', surface: 'mtls' },
      { method: 'DELETE', path: '/admin/certificates/revoked/{entryId}', surface: 'mtls' },
    ],
    tables: {
      clients: ['GetItem', 'Query', 'UpdateItem'],
      apis: ['GetItem', 'PutItem', 'Query'],
      audit: ['PutItem', 'Query'],
      tokens: ['GetItem', 'UpdateItem'],
      developers: ['UpdateItem'],
      reviews: ['GetItem', 'PutItem', 'Query'],
      tokenCollections: ['Query'],
      revokedCertificates: ['GetItem', 'PutItem', 'Query', 'UpdateItem'],
    },
    keys: [],
  },
  {
    id: 'admin-console',
    description:
      "The bank administrators' console API: staff sign-in at the staff IdP, the admin API's use-cases for people",
    routes: portalApiRoutes('admin', [
      { method: 'GET', path: '/clients' },
      { method: 'GET', path: '/clients/{clientId}/token-settings' },
      { method: 'POST', path: '/clients/{clientId}/token-settings' },
      { method: 'GET', path: '/apis' },
      { method: 'POST', path: '/apis' },
      { method: 'POST', path: '/apis/{apiId}/jose-policy' },
      { method: 'GET', path: '/audit' },
      { method: 'GET', path: '/reviews' },
      { method: 'POST', path: '/reviews/{reviewId}/decision' },
      { method: 'GET', path: '/consents' },
      { method: 'POST', path: '/consents' },
      { method: 'GET', path: '/certificates' },
      { method: 'POST', path: '/certificates' },
    ]),
    tables: {
      portalSessions: ['PutItem', 'UpdateItem'],
      clients: ['GetItem', 'Query', 'UpdateItem'],
      apis: ['GetItem', 'PutItem', 'Query'],
      audit: ['PutItem', 'Query'],
      developers: ['UpdateItem'],
      reviews: ['GetItem', 'PutItem', 'Query'],
      consents: ['GetItem', 'Query', 'UpdateItem'],
      tokens: ['GetItem', 'UpdateItem', 'Query'],
      tokenCollections: ['Query'],
      authorizations: ['Query', 'UpdateItem', 'GetItem'],
      revokedCertificates: ['GetItem', 'PutItem', 'Query', 'UpdateItem'],
    },
    keys: [],
    staffIdpSecret: true,
  },
];

/**
 * A response that depends only on deploy-time values (the issuer and the mTLS base URL), so no function
 * runs for it: API Gateway answers from a mock integration whose response template is `body(...)`
 * serialized at synth time, and the sandbox's origin answers with the same body computed at start.
 */
export interface StaticRoute {
  /** Unique among static routes and handler ids; names the route in the sandbox and in CDK construct ids. */
  readonly id: string;
  readonly description: string;
  readonly route: Route & { readonly method: 'GET' };
  /** Response headers, lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON response body. */
  readonly body: (input: DiscoveryInput) => unknown;
}

export const staticRoutes: readonly StaticRoute[] = [
  {
    id: 'discovery',
    description: 'OpenID Provider metadata (/.well-known/openid-configuration)',
    route: { method: 'GET', path: '/.well-known/openid-configuration', surface: 'browser' },
    headers: {
      'cache-control': 'public, max-age=300',
      'content-type': 'application/json',
      'x-content-type-options': 'nosniff',
      'strict-transport-security': STRICT_TRANSPORT_SECURITY,
    },
    body: providerMetadata,
  },
];

export function handlerSpec(id: string): HandlerSpec {
  const spec = handlers.find((h) => h.id === id);
  if (!spec) throw new Error(`Unknown handler ${id}`);
  return spec;
}
