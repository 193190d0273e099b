/**
 * Starts the whole local stand-in for AWS around the product's handler modules:
 * PKI -> HTTPS origins (bound first: ephemeral ports must be known for URLs, held until ready) -> dynalite
 * + tables -> local KMS + tenant keys -> demo IdP -> the handler environment, set exactly as CDK sets it
 * -> demo tenant seed -> manifest. Everything generated lives in the data dir; keeping it keeps all state.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { rootCertificates } from 'node:tls';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Agent, type Dispatcher, getGlobalDispatcher, setGlobalDispatcher } from 'undici';
import type { HandlerEnvironment } from '../lambdas/environment';
import { certificateThumbprint } from '../lambdas/http/request';
import { handlers, type Route, STAFF_LOGIN_CALLBACK_PATH, staticRoutes } from '../lambdas/routes';
import { allTables } from '../lambdas/tables';
import { portalRuntimeConfig, resolveTenant, TENANTS_CONTEXT_KEY } from '../lib/tenant-config';
import { ensureTables, sandboxTableName, startLocalDynamo } from './dynamo';
import { startDemoIdp } from './idp/server';
import { ensureTenantKeys, keyEnvironment, type TenantKeys } from './kms/bootstrap';
import { startLocalKms } from './kms/server';
import { ensurePki, type SandboxPki } from './pki';
import { type AppRedirectUris, demoStaff, STAFF_ADMIN_ROLE, seedDemoTenant, seedTransactionsFromEnv } from './seed';
import { REPO_ROOT, startServers } from './server';
import { type SandboxTenant, TPI_BANK } from './tenants';

export interface SandboxPorts {
  readonly browser: number;
  readonly mtls: number;
  readonly idp: number;
  readonly kms: number;
  readonly dynamo: number;
}

export interface SandboxOptions {
  readonly dataDir: string;
  /** @default TPI Bank */
  readonly tenant?: SandboxTenant;
  /** Overrides per port; otherwise BANKGATE_<NAME>_PORT, otherwise the tenant's defaults (8443..8447). 0 = ephemeral. */
  readonly ports?: Partial<SandboxPorts>;
  /** Callback URLs of the demo fintechs served beside the sandbox, registered with their clients. */
  readonly appRedirectUris?: AppRedirectUris;
  /** Keep handler logs at WARN and the sandbox silent. */
  readonly quiet?: boolean;
}

export interface SandboxManifestClient {
  readonly client_id: string;
  readonly client_name: string;
  readonly token_endpoint_auth_method: string;
  /** Absolute paths: client certificate, its private key, and the private signing JWK. */
  readonly cert: string;
  readonly key: string;
  readonly jwk: string;
  /** Absolute path of the private RSA-OAEP-256 JWK: decrypts gateway responses encrypted to this client. */
  readonly enc_jwk: string;
  readonly jwks: string;
  readonly tls_client_auth_subject_dn: string;
  readonly redirect_uris: readonly string[];
  readonly scope: string;
}

export interface SandboxManifest {
  readonly tenant: string;
  readonly issuer: string;
  readonly mtls_base_url: string;
  readonly discovery: string;
  /** Absolute path of the CA certificate (truststore of the mTLS origin, issuer of the server certificate). */
  readonly ca: string;
  /** Absolute path of the bank's admin CA certificate (also in the mTLS truststore; issues `bank-admin`'s certificate). */
  readonly admin_ca: string;
  readonly clients: readonly SandboxManifestClient[];
  readonly customers: readonly { readonly username: string; readonly password: string; readonly name: string }[];
  /** Bank staff at the staff IdP (in the sandbox the same demo IdP): `roles` holding `admin` opens the console. */
  readonly staff: readonly {
    readonly username: string;
    readonly password: string;
    readonly name: string;
    readonly roles: readonly string[];
  }[];
  readonly idp_issuer: string;
  readonly staff_idp_issuer: string;
  readonly ports: SandboxPorts;
  readonly urls: {
    readonly browser: string;
    readonly mtls: string;
    readonly consent_page: string;
    /** The customer self-service dashboard. */
    readonly account_page: string;
    readonly idp: string;
    readonly kms: string;
    readonly dynamodb: string;
    /** Every route of the manifest, handlers' and static: "<METHOD> <path template>" -> URL on its origin. */
    readonly endpoints: Readonly<Record<string, string>>;
  };
  /** Start of the UTC day the demo bank's transaction dates are relative to. */
  readonly demo_data_anchor: string;
}

export interface RunningSandbox {
  readonly manifest: SandboxManifest;
  readonly manifestPath: string;
  close(): Promise<void>;
}

export const PORT_NAMES = ['browser', 'mtls', 'idp', 'kms', 'dynamo'] as const;
/** The port variables a tenant's ports are read from: `<prefix>BROWSER_PORT` etc. */
export const portEnvName = (prefix: string, name: keyof SandboxPorts) => `${prefix}${name.toUpperCase()}_PORT`;
const REGION = 'us-east-1';
const IDP_CLIENT_ID = 'bankgate';
/** The admin console's own relying party at the staff IdP: staff sign-in is a separate client from the customers'. */
const STAFF_IDP_CLIENT_ID = 'bankgate-staff';
/** The claim the staff IdP carries roles in. */
const STAFF_ROLE_CLAIM = 'roles';
/** The sandbox's stand-in credentials: dynalite and the local KMS accept any. */
const LOCAL_CREDENTIALS = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

export function resolvePorts(
  overrides: Partial<SandboxPorts> = {},
  env: NodeJS.ProcessEnv = process.env,
  defaults: SandboxPorts = TPI_BANK.defaultPorts,
  envPrefix = 'BANKGATE_',
): SandboxPorts {
  const port = (name: keyof SandboxPorts): number => {
    const variable = portEnvName(envPrefix, name);
    const value = overrides[name] ?? (env[variable] !== undefined ? Number(env[variable]) : defaults[name]);
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`Invalid ${variable}: ${value}`);
    return value;
  };
  return { browser: port('browser'), mtls: port('mtls'), idp: port('idp'), kms: port('kms'), dynamo: port('dynamo') };
}

export interface HandlerEnvironmentInput {
  readonly browserUrl: string;
  readonly mtlsUrl: string;
  readonly keys: TenantKeys;
  readonly idpIssuer: string;
  readonly idpClientSecret: string;
  readonly staffIdpClientSecret: string;
  readonly dynamoEndpoint: string;
  readonly kmsEndpoint: string;
  /** The local CA's certificate file: gateway upstreams the administrator registers chain to it. */
  readonly caFile: string;
  /** `x5t#S256` of the admin CA certificate. */
  readonly adminCaThumbprint?: string;
  readonly verbose: boolean;
  /** @default TPI Bank */
  readonly tenant?: SandboxTenant;
}

/** The environment CDK gives each function, with local endpoints and physical table names. */
export function handlerEnvironment(input: HandlerEnvironmentInput): Record<string, string> {
  const contract: HandlerEnvironment = {
    BANKGATE_ISSUER: input.browserUrl,
    BANKGATE_MTLS_BASE_URL: input.mtlsUrl,
    BANKGATE_TENANT_NAME: (input.tenant ?? TPI_BANK).name,
    ...keyEnvironment(input.keys),
    BANKGATE_IDP_ISSUER: input.idpIssuer,
    BANKGATE_IDP_CLIENT_ID: IDP_CLIENT_ID,
    BANKGATE_IDP_CLIENT_SECRET: input.idpClientSecret,
    // The staff IdP: the same demo IdP stands in for the bank's workforce IdP, with its own client.
    BANKGATE_STAFF_IDP_ISSUER: input.idpIssuer,
    BANKGATE_STAFF_IDP_CLIENT_ID: STAFF_IDP_CLIENT_ID,
    BANKGATE_STAFF_IDP_CLIENT_SECRET: input.staffIdpClientSecret,
    BANKGATE_STAFF_IDP_ROLE_CLAIM: STAFF_ROLE_CLAIM,
    BANKGATE_STAFF_IDP_ADMIN_ROLE: STAFF_ADMIN_ROLE,
    BANKGATE_CONSENT_PAGE_URL: `${input.browserUrl}/consent/`,
    BANKGATE_PORTAL_SITE_URL: input.browserUrl,
    // Local backends run on this machine, under a name the local CA certifies: the one allowlisted host.
    BANKGATE_UPSTREAM_PRIVATE_HOSTS: 'localhost',
    BANKGATE_UPSTREAM_CA_FILE: input.caFile,
    ...(input.adminCaThumbprint ? { BANKGATE_ADMIN_CA_THUMBPRINT: input.adminCaThumbprint } : {}),
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: input.verbose ? (process.env.POWERTOOLS_LOG_LEVEL ?? 'INFO') : 'WARN',
  };
  return {
    ...contract,
    ...Object.fromEntries(allTables.map((table) => [table.envVar, sandboxTableName(table)])),
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: input.dynamoEndpoint,
    AWS_ENDPOINT_URL_KMS: input.kmsEndpoint,
  };
}

/** A sandbox tenant's portal site: branding from the sample tenant of the same id in cdk.json, as CDK deploys it. */
function portalSite(sandboxTenant: SandboxTenant) {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const tenant = resolveTenant(cdkJson.context[TENANTS_CONTEXT_KEY], sandboxTenant.id, REPO_ROOT);
  // apiBaseUrl is the browser origin, filled in by the server once its port is known.
  return { runtimeConfig: portalRuntimeConfig(tenant, ''), logoSvg: tenant.logoSvg };
}

/** Sign-in callbacks of the customers' portals in the manifest, on the browser origin (staff sign in elsewhere). */
function portalCallbacks(browserUrl: string): string[] {
  return handlers
    .flatMap((spec) => spec.routes)
    .filter(
      (route) =>
        route.surface === 'browser' &&
        route.method === 'GET' &&
        /^\/[^/]+\/api\/callback$/.test(route.path) &&
        route.path !== STAFF_LOGIN_CALLBACK_PATH,
    )
    .map((route) => `${browserUrl}${route.path}`);
}

/** A Bankgate relying-party secret at the demo IdP (`file` in the data dir): generated once, kept. */
async function idpClientSecret(dataDir: string, file: string): Promise<string> {
  const path = join(dataDir, file);
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim();
  const secret = randomBytes(32).toString('base64url');
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function manifestOf(input: {
  tenant: SandboxTenant;
  pki: SandboxPki;
  ports: SandboxPorts;
  browserUrl: string;
  mtlsUrl: string;
  idpIssuer: string;
  kmsUrl: string;
  dynamoEndpoint: string;
  anchor: Date;
  clients: Awaited<ReturnType<typeof seedDemoTenant>>['clients'];
}): SandboxManifest {
  const { pki, browserUrl, mtlsUrl } = input;
  const routes: Route[] = [...handlers.flatMap((spec) => spec.routes), ...staticRoutes.map(({ route }) => route)];
  const endpoints = Object.fromEntries(
    routes.map((route) => [
      `${route.method} ${route.path}`,
      `${route.surface === 'mtls' ? mtlsUrl : browserUrl}${route.path}`,
    ]),
  );
  return {
    tenant: input.tenant.name,
    issuer: browserUrl,
    mtls_base_url: mtlsUrl,
    discovery: `${browserUrl}/.well-known/openid-configuration`,
    ca: pki.ca.certPath,
    admin_ca: pki.adminCa.certPath,
    clients: input.clients.map((client) => {
      const credentials = pki.clients[client.clientId]!;
      return {
        client_id: client.clientId,
        client_name: client.clientName,
        token_endpoint_auth_method: client.tokenEndpointAuthMethod,
        cert: credentials.certPath,
        key: credentials.keyPath,
        jwk: credentials.signingJwkPath,
        enc_jwk: credentials.encryptionJwkPath,
        jwks: credentials.jwksPath,
        tls_client_auth_subject_dn: credentials.subjectDn,
        redirect_uris: client.redirectUris,
        scope: client.scopes.join(' '),
      };
    }),
    customers: input.tenant.customers.map(({ username, password, name }) => ({ username, password, name })),
    staff: demoStaff.map(({ username, password, name, roles }) => ({ username, password, name, roles })),
    idp_issuer: input.idpIssuer,
    staff_idp_issuer: input.idpIssuer,
    ports: input.ports,
    urls: {
      browser: browserUrl,
      mtls: mtlsUrl,
      consent_page: `${browserUrl}/consent/`,
      account_page: `${browserUrl}/account/`,
      idp: input.idpIssuer,
      kms: input.kmsUrl,
      dynamodb: input.dynamoEndpoint,
      endpoints,
    },
    demo_data_anchor: input.anchor.toISOString(),
  };
}

export async function startSandbox(opts: SandboxOptions): Promise<RunningSandbox> {
  const dataDir = resolve(opts.dataDir);
  const tenant = opts.tenant ?? TPI_BANK;
  // A tenant's own port variables are read by `npm start`, which hands them to the tenant's process.
  const requested = resolvePorts(opts.ports, process.env, tenant.defaultPorts);
  const verbose = !opts.quiet && process.env.BANKGATE_SANDBOX_LOG === '1';
  await mkdir(dataDir, { recursive: true, mode: 0o700 });

  // Everything started so far, closed in reverse order on failure or close().
  const closers: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close();
  };

  try {
    const pki = await ensurePki(join(dataDir, 'pki'), tenant.tpps);
    const site = portalSite(tenant);

    let markReady!: () => void;
    const ready = new Promise<void>((resolveReady) => {
      markReady = resolveReady;
    });
    const servers = await startServers({
      ports: { browser: requested.browser, mtls: requested.mtls },
      // The truststore holds both CAs, as the tenant's bundle does in AWS; the admin client is pinned to one.
      tls: { key: pki.server.keyPem, cert: pki.server.certPem, ca: `${pki.ca.certPem}\n${pki.adminCa.certPem}` },
      site,
      ready,
      log: verbose,
      clientCertificates: pki,
    });
    closers.push(() => servers.close());

    const dynamo = await startLocalDynamo({
      path: join(dataDir, 'dynamo'),
      port: requested.dynamo,
      separateProcess: process.env.BANKGATE_DYNAMO_INPROCESS !== '1',
    });
    closers.push(() => dynamo.close());
    const dynamoClient = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    closers.push(async () => dynamoClient.destroy());
    await ensureTables(dynamoClient);

    const kms = await startLocalKms({ dataDir: join(dataDir, 'kms'), port: requested.kms });
    closers.push(() => kms.close());
    const kmsClient = new KMSClient({ endpoint: kms.url, region: REGION, credentials: LOCAL_CREDENTIALS });
    closers.push(async () => kmsClient.destroy());
    const keys = await ensureTenantKeys(kmsClient, { signingAlg: tenant.signingAlg, prefix: 'bankgate' });

    const secret = await idpClientSecret(dataDir, 'idp-client-secret');
    const staffSecret = await idpClientSecret(dataDir, 'staff-idp-client-secret');
    const idp = await startDemoIdp({
      port: requested.idp,
      dataDir,
      tls: { key: pki.server.keyPem, cert: pki.server.certPem },
      customers: [
        ...tenant.customers.map(({ username, password, subject, name }) => ({ username, password, subject, name })),
        ...demoStaff.map(({ username, password, subject, name, roles }) => ({
          username,
          password,
          subject,
          name,
          roles: [...roles],
        })),
      ],
      clients: [
        {
          client_id: IDP_CLIENT_ID,
          client_secret: secret,
          // The authorization journey's callback and each portal's sign-in callback (`/<portal>/api/callback`).
          redirect_uris: [`${servers.browserUrl}/login/callback`, ...portalCallbacks(servers.browserUrl)],
        },
        {
          client_id: STAFF_IDP_CLIENT_ID,
          client_secret: staffSecret,
          redirect_uris: [`${servers.browserUrl}${STAFF_LOGIN_CALLBACK_PATH}`],
        },
      ],
      branding: {
        bankName: tenant.name,
        primaryColour: site.runtimeConfig.branding.primaryColour,
        logoSvg: site.logoSvg,
      },
    });
    closers.push(() => idp.close());

    Object.assign(
      process.env,
      handlerEnvironment({
        browserUrl: servers.browserUrl,
        mtlsUrl: servers.mtlsUrl,
        keys,
        idpIssuer: idp.issuer,
        idpClientSecret: secret,
        staffIdpClientSecret: staffSecret,
        dynamoEndpoint: dynamo.endpoint,
        kmsEndpoint: kms.url,
        caFile: pki.ca.certPath,
        adminCaThumbprint: certificateThumbprint(pki.adminCa.certPem),
        verbose,
        tenant,
      }),
    );

    // NODE_EXTRA_CA_CERTS is read only at process start, so the handlers' outbound HTTPS (fetch, as
    // openid-client uses it, to the demo IdP) trusts the local CA through undici's global dispatcher.
    const previousDispatcher: Dispatcher = getGlobalDispatcher();
    const trustingAgent = new Agent({ connect: { ca: [...rootCertificates, pki.ca.certPem] } });
    setGlobalDispatcher(trustingAgent);
    closers.push(async () => {
      setGlobalDispatcher(previousDispatcher);
      await trustingAgent.close();
    });

    const seeded = await seedDemoTenant(DynamoDBDocumentClient.from(dynamoClient), pki, servers.browserUrl, {
      tenant,
      appRedirectUris: opts.appRedirectUris,
      transactionsPerCurrentAccount: seedTransactionsFromEnv(),
    });

    const ports: SandboxPorts = {
      browser: servers.ports.browser,
      mtls: servers.ports.mtls,
      idp: Number(new URL(idp.issuer).port),
      kms: Number(new URL(kms.url).port),
      dynamo: dynamo.port,
    };
    const manifest = manifestOf({
      tenant,
      pki,
      ports,
      browserUrl: servers.browserUrl,
      mtlsUrl: servers.mtlsUrl,
      idpIssuer: idp.issuer,
      kmsUrl: kms.url,
      dynamoEndpoint: dynamo.endpoint,
      anchor: seeded.anchor,
      clients: seeded.clients,
    });
    const manifestPath = join(dataDir, 'sandbox.json');
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    markReady();

    return { manifest, manifestPath, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
