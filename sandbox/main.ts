/**
 * `npm start`: runs the sandbox until Ctrl-C. Data dir from BANKGATE_DATA_DIR (default <repo>/.local);
 * ports from BANKGATE_{BROWSER,MTLS,IDP,KMS,DYNAMO}_PORT (default 8443..8447).
 */
import { join, resolve } from 'node:path';
import { startSandbox } from './sandbox';
import { REPO_ROOT } from './server';

async function main(): Promise<void> {
  // Lambda runs Node 22; the SDK's "upgrade Node" notice about the local Node 20 is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dataDir = resolve(process.env.BANKGATE_DATA_DIR ?? join(REPO_ROOT, '.local'));
  const sandbox = await startSandbox({ dataDir });
  const { manifest } = sandbox;
  const endpoint = (route: string) => manifest.urls.endpoints[route] ?? '(no handler yet)';

  console.log(`Bankgate sandbox for ${manifest.tenant} is running.
  Manifest (clients, keys, certificates): ${sandbox.manifestPath}
  CA certificate (trust it for the browser): ${manifest.ca}

  Discovery           ${manifest.discovery}
  Authorize           ${endpoint('GET /authorize')}
  Token (mTLS)        ${endpoint('POST /token')}
  PAR (mTLS)          ${endpoint('POST /par')}
  Consent page        ${manifest.urls.consent_page}
  Bank IdP            ${manifest.idp_issuer}
  DynamoDB (dynalite) ${manifest.urls.dynamodb}   KMS ${manifest.urls.kms}

  Admin console       ${manifest.urls.browser}/admin/
  Demo logins:  ${manifest.customers.map((c) => `${c.username} / ${c.password}`).join('   ')}
  Bank staff:   ${manifest.staff.map((s) => `${s.username} / ${s.password} (${s.roles.join(', ')})`).join('   ')}
  Demo TPPs:    ${manifest.clients.map((c) => `${c.client_id} (${c.client_name}, ${c.token_endpoint_auth_method})`).join('   ')}
Ctrl-C to stop.`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping the sandbox...`);
    sandbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Sandbox did not close cleanly:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error('Sandbox failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
