/**
 * A minimal TPP for trying the flow by hand against a running sandbox (`npm start`): as `tsp2` it
 * creates an account-access consent, pushes a signed authorization request (PAR + JAR + PKCE) and prints
 * the authorization URL; after you sign in and allow in the browser, paste the callback URL and it
 * exchanges the code over mutual TLS and prints the accounts you shared.
 */
// First: it checks the Node.js version before any library prints about it.
import './node-version';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import type { SandboxManifest } from './sandbox';

const CLIENT_ID = 'tsp2';

/** An expected way for the demo to end: one plain line, no stack trace. */
class DemoStop extends Error {}

/** Connection errors that mean nothing listens at the sandbox's address (undici wraps them in `cause`). */
function sandboxDown(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET';
}

async function main() {
  const dataDir = process.env.BANKGATE_DATA_DIR ?? join(__dirname, '..', '.local');
  const manifestPath = join(dataDir, 'sandbox.json');
  if (!existsSync(manifestPath)) {
    throw new DemoStop(`No sandbox manifest at ${manifestPath}: start the sandbox first (npm start).`);
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as SandboxManifest;
  const client = manifest.clients.find((c) => c.client_id === CLIENT_ID);
  if (!client)
    throw new DemoStop(`The manifest ${manifestPath} has no client ${CLIENT_ID}: run npm run reset, then npm start.`);
  const agent = new Agent({
    connect: { ca: readFileSync(manifest.ca), cert: readFileSync(client.cert), key: readFileSync(client.key) },
  });
  const mtlsFetch = ((url: string, init?: object) => undiciFetch(url, { ...init, dispatcher: agent })) as never;
  const jwk = JSON.parse(readFileSync(client.jwk, 'utf8')) as JWK;
  const signingKey = { key: (await importJWK(jwk, jwk.alg ?? 'PS256')) as CryptoKey, kid: jwk.kid };
  const config = await oidc.discovery(
    new URL(manifest.issuer),
    CLIENT_ID,
    { use_mtls_endpoint_aliases: true },
    oidc.PrivateKeyJwt(signingKey),
    { [oidc.customFetch]: mtlsFetch },
  );
  config[oidc.customFetch] = mtlsFetch;

  const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'accounts' });
  const aisp = `${manifest.mtls_base_url}/open-banking/v3.1/aisp`;
  const consent = (await (
    await (mtlsFetch as typeof fetch)(`${aisp}/account-access-consents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        Data: {
          Permissions: [
            'ReadAccountsDetail',
            'ReadBalances',
            'ReadTransactionsDetail',
            'ReadTransactionsCredits',
            'ReadTransactionsDebits',
          ],
        },
        Risk: {},
      }),
    })
  ).json()) as { Data: { ConsentId: string } };
  console.log(`Consent ${consent.Data.ConsentId} created (AwaitingAuthorisation).`);

  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const redirectUri = client.redirect_uris[0]!;
  const jar = await oidc.buildAuthorizationUrlWithJAR(
    config,
    {
      redirect_uri: redirectUri,
      scope: 'openid accounts',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      claims: JSON.stringify({
        id_token: { openbanking_intent_id: { value: consent.Data.ConsentId, essential: true } },
      }),
    },
    signingKey,
  );
  const authorizationUrl = await oidc.buildAuthorizationUrlWithPAR(config, {
    request: jar.searchParams.get('request')!,
  });
  console.log(`\nOpen this URL in your browser, sign in (steve / steve-demo-1) and allow:\n\n  ${authorizationUrl}\n`);

  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await prompt.question('Paste the URL the browser landed on: ')).trim();
  prompt.close();
  const callback = URL.canParse(answer) ? new URL(answer) : undefined;
  if (!callback) throw new DemoStop('That is not a URL: copy the whole address of the page the browser landed on.');
  const refused = callback.searchParams.get('error');
  if (refused === 'access_denied')
    throw new DemoStop('You did not allow access at the bank (access_denied): nothing was shared.');
  if (refused) {
    const why = callback.searchParams.get('error_description');
    throw new DemoStop(`The bank refused the authorization: ${refused}${why ? ` (${why})` : ''}.`);
  }
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  console.log('\nID token claims:', tokens.claims());
  const accounts = await (
    await (mtlsFetch as typeof fetch)(`${aisp}/accounts`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    })
  ).json();
  console.log('\nGET /accounts:', JSON.stringify(accounts, null, 2));
  await agent.close();
}

main().catch((error: unknown) => {
  if (error instanceof DemoStop) console.error(error.message);
  else if (sandboxDown(error))
    console.error('The sandbox is not running (connection refused): start it with npm start.');
  else console.error(error);
  process.exit(1);
});
