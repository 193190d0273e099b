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

// First: it checks the Node.js version before any library prints about it.
import './node-version';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type AppSummary, appPorts, DEFAULT_APP_PORTS, startDemoApps } from './apps';
import { claimDataDir, DataDirInUse } from './data-dir-lock';
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

const NEXT_STEPS = `
Next steps
  - Open the demo fintechs above in your browser (trust the sandbox CA first: README, "Trust the local CA").
  - Run the TPP demo in another terminal: npm run tpp-demo
  - Call an API with curl: README, "Try it as a TPP developer" (URLs from the manifest: mtls_base_url, issuer).
`;

const USAGE = `Usage: npm start [-- --help]

Starts the Bankgate sandbox: TPI Bank, North Bank and the demo fintech apps on local HTTPS, until Ctrl-C.

Ports (each moved by its environment variable; 0 = any free port):
${[TPI_BANK, NORTH_BANK]
  .flatMap((tenant) =>
    PORT_NAMES.map(
      (name) =>
        `  ${portEnvName(tenant.portEnvPrefix, name).padEnd(36)}${tenant.defaultPorts[name]}  ${tenant.name} ${name}`,
    ),
  )
  .join('\n')}
  ${'BANKGATE_TPP_APP_PORT'.padEnd(36)}${DEFAULT_APP_PORTS.tpp}  TPP Sample App
  ${'BANKGATE_ENJOY_LIFE_PORT'.padEnd(36)}${DEFAULT_APP_PORTS.enjoyLife}  Enjoy Life

Other variables:
  BANKGATE_DATA_DIR      data dir (tables, keys, certificates, manifest sandbox.json); default <repo>/.local
  BANKGATE_TENANT        tpi-bank | north-bank: that one bank only, on BANKGATE_*_PORT
  BANKGATE_SANDBOX_LOG   1: log every request
  BANKGATE_SEED_TRANSACTIONS
                         e.g. 100000: every current account gets that many transactions (a generated
                         history over the years, to try paging); only when a data dir is first seeded

Start afresh: npm run reset (deletes the data dir), then npm start.
`;

/** Every port variable with the port it stands for now, to name the one to change when a port is busy. */
function portVariables(): Map<number, string> {
  const variables = new Map<number, string>();
  const add = (variable: string, fallback: number) =>
    variables.set(Number(process.env[variable] ?? fallback), variable);
  for (const tenant of [TPI_BANK, NORTH_BANK]) {
    for (const name of PORT_NAMES) add(portEnvName(tenant.portEnvPrefix, name), tenant.defaultPorts[name]);
  }
  add('BANKGATE_TPP_APP_PORT', DEFAULT_APP_PORTS.tpp);
  add('BANKGATE_ENJOY_LIFE_PORT', DEFAULT_APP_PORTS.enjoyLife);
  return variables;
}

/** A start failure a newcomer can act on, in one line; undefined for anything else. */
export function startFailure(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const busy = code === 'EADDRINUSE' ? (error as { port?: number }).port : /EADDRINUSE[^\n]*?:(\d+)/.exec(message)?.[1];
  if (busy !== undefined) {
    const variable = portVariables().get(Number(busy));
    const move = variable ? `set ${variable}=<free port> (or 0 for any)` : 'free it or move the sandbox to other ports';
    return `Port ${busy} is in use (another sandbox or program?): stop it, or ${move}. npm start -- --help lists the ports.`;
  }
  if (error instanceof DataDirInUse) return error.message;
  return undefined;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    console.log(USAGE);
    return;
  }
  const dataDir = resolve(process.env.BANKGATE_DATA_DIR ?? join(REPO_ROOT, '.local'));
  const only = process.env.BANKGATE_TENANT;
  const running = await (async () => {
    process.on('exit', claimDataDir(dataDir));
    return only ? runOneBank(dataDir, tenantById(only)) : runDemo(dataDir);
  })().catch((error: unknown) => {
    const plain = startFailure(error);
    if (!plain) throw error;
    console.error(plain);
    process.exit(1);
  });
  console.log(`${running.text}\n${only ? '' : NEXT_STEPS}Ctrl-C to stop.`);

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
