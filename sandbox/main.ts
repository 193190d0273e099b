/**
 * `npm start`: runs the sandbox until Ctrl-C. Data dir from BANKGATE_DATA_DIR (default <repo>/.local).
 *   - By default: TPI Bank in this process (ports BANKGATE_{BROWSER,MTLS,IDP,KMS,DYNAMO}_PORT, default
 *     8443..8447, data dir as given) and North Bank in a child process (BANKGATE_NORTH_BANK_*_PORT, default
 *     8453..8457, data dir `<data dir>/north-bank`). The manifest `<data dir>/sandbox.json` keeps TPI Bank's
 *     fields at the top and lists both banks under `tenants`.
 *     Then the demo fintechs: the TPP walkthrough (BANKGATE_TPP_APP_PORT, default 8090) and Enjoy Life
 *     (BANKGATE_ENJOY_LIFE_PORT, default 8091), listed under `apps`.
 *   - BANKGATE_TENANT=<id> (tpi-bank | north-bank): that one bank only, on BANKGATE_*_PORT.
 */

import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type AppSummary, appPorts, startDemoApps } from './apps';
import { ensurePki } from './pki';
import { PORT_NAMES, portEnvName, type RunningSandbox, type SandboxManifest, startSandbox } from './sandbox';
import { REPO_ROOT } from './server';
import { startSandboxProcess } from './tenant-process';
import { NORTH_BANK, type SandboxTenant, TPI_BANK, tenantById } from './tenants';

/** What the manifest lists of each bank under `tenants`. */
export interface TenantSummary {
  readonly name: string;
  readonly issuer: string;
  readonly mtls_base_url: string;
  readonly discovery: string;
  readonly ca: string;
  readonly consent_page: string;
  readonly idp_issuer: string;
  readonly clients: SandboxManifest['clients'];
  readonly customers: SandboxManifest['customers'];
  /** That bank's own manifest (ports, endpoints, demo data anchor). */
  readonly manifest: string;
}

export interface DemoManifest extends SandboxManifest {
  readonly tenants: readonly TenantSummary[];
  readonly apps: readonly AppSummary[];
}

/** Set by `npm start` for its second bank: the demo apps' callback URLs per client id (JSON). */
const APP_REDIRECTS_ENV = 'BANKGATE_APP_REDIRECT_URIS';

const summary = (manifest: SandboxManifest, manifestPath: string): TenantSummary => ({
  name: manifest.tenant,
  issuer: manifest.issuer,
  mtls_base_url: manifest.mtls_base_url,
  discovery: manifest.discovery,
  ca: manifest.ca,
  consent_page: manifest.urls.consent_page,
  idp_issuer: manifest.idp_issuer,
  clients: manifest.clients,
  customers: manifest.customers,
  manifest: manifestPath,
});

function describeBank(manifest: SandboxManifest): string {
  const endpoint = (route: string) => manifest.urls.endpoints[route] ?? '(no handler yet)';
  return `${manifest.tenant}
  Discovery           ${manifest.discovery}
  Authorize           ${endpoint('GET /authorize')}
  Token (mTLS)        ${endpoint('POST /token')}
  PAR (mTLS)          ${endpoint('POST /par')}
  Consent page        ${manifest.urls.consent_page}
  Bank IdP            ${manifest.idp_issuer}
  DynamoDB (dynalite) ${manifest.urls.dynamodb}   KMS ${manifest.urls.kms}
  Admin console       ${manifest.urls.browser}/admin/
  CA certificate      ${manifest.ca}
  Demo logins:  ${manifest.customers.map((c) => `${c.username} / ${c.password}`).join('   ')}
  Bank staff:   ${manifest.staff.map((s) => `${s.username} / ${s.password} (${s.roles.join(', ')})`).join('   ')}
  Demo TPPs:    ${manifest.clients.map((c) => `${c.client_id} (${c.client_name}, ${c.token_endpoint_auth_method})`).join('   ')}`;
}

interface Running {
  readonly text: string;
  close(): Promise<void>;
}

/** One bank in this process. */
async function runOneBank(dataDir: string, tenant: SandboxTenant): Promise<Running> {
  const redirects = process.env[APP_REDIRECTS_ENV];
  const sandbox = await startSandbox({ dataDir, tenant, appRedirectUris: redirects ? JSON.parse(redirects) : {} });
  return {
    text: `Bankgate sandbox for ${tenant.name} is running.
  Manifest (clients, keys, certificates): ${sandbox.manifestPath}

${describeBank(sandbox.manifest)}`,
    close: () => sandbox.close(),
  };
}

/**
 * Both banks and the demo apps: TPI Bank here, North Bank in a child process with its own environment,
 * data dir and ports; the apps' servers are bound first so both banks register their callback URLs.
 */
async function runDemo(dataDir: string): Promise<Running> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const { server } = await ensurePki(join(dataDir, 'pki'), TPI_BANK.tpps);
    const apps = await startDemoApps({ ports: appPorts(), tls: { key: server.keyPem, cert: server.certPem } });
    closers.push(() => apps.close());
    const northEnv = Object.fromEntries(
      PORT_NAMES.map((name) => [
        portEnvName('BANKGATE_', name),
        process.env[portEnvName(NORTH_BANK.portEnvPrefix, name)] ?? String(NORTH_BANK.defaultPorts[name]),
      ]),
    );
    const [tpi, north] = await Promise.all([
      startSandbox({ dataDir, tenant: TPI_BANK, appRedirectUris: apps.redirectUris }).then(
        (sandbox: RunningSandbox) => {
          closers.push(() => sandbox.close());
          return sandbox;
        },
      ),
      startSandboxProcess(join(dataDir, NORTH_BANK.id), {
        ...northEnv,
        BANKGATE_TENANT: NORTH_BANK.id,
        [APP_REDIRECTS_ENV]: JSON.stringify(apps.redirectUris),
      }).then((child) => {
        closers.push(() => child.close());
        return child;
      }),
    ]);
    const tenants = [summary(tpi.manifest, tpi.manifestPath), summary(north.manifest, north.manifestPath)];
    const manifest: DemoManifest = { ...tpi.manifest, tenants, apps: await apps.configure(tenants) };
    await writeFile(tpi.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    return {
      text: `Bankgate sandbox for ${manifest.tenants.map((t) => t.name).join(' and ')} is running.
  Manifest (banks, clients, keys, certificates): ${tpi.manifestPath}

${describeBank(tpi.manifest)}

${describeBank(north.manifest)}

${manifest.apps
  .map(
    (app) =>
      `${app.name.padEnd(20)}${app.url}${app.users.length ? `   logins: ${app.users.map((u) => `${u.username} / ${u.password}`).join('   ')}` : ''}`,
  )
  .join('\n')}`,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

async function main(): Promise<void> {
  // Lambda runs Node 22; the SDK's "upgrade Node" notice about the local Node 20 is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dataDir = resolve(process.env.BANKGATE_DATA_DIR ?? join(REPO_ROOT, '.local'));
  const only = process.env.BANKGATE_TENANT;
  const running = only ? await runOneBank(dataDir, tenantById(only)) : await runDemo(dataDir);
  console.log(`${running.text}\nCtrl-C to stop.`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sandbox...`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Sandbox did not close cleanly:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Started by another sandbox process: stop with it (its end of our stdin closes when it exits).
  if (process.env.BANKGATE_EXIT_WITH_PARENT === '1') process.stdin.on('end', () => stop('parent exited')).resume();
}

main().catch((error: unknown) => {
  console.error('Sandbox failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
