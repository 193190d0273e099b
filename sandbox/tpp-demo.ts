/**
 * A minimal TPP for trying the flow by hand against a running sandbox (`npm start`): it creates an
 * account-access consent, prints the authorization URL; after you sign in and allow in the browser, paste
 * the callback URL and it exchanges the code over mutual TLS and prints the accounts you shared.
 *   --profile fapi2 (default): `tsp2`, FAPI 2.0 Security Profile: PAR with a signed request object, PKCE,
 *     response_type code, private_key_jwt.
 *   --profile fapi1: `tpp-fapi1`, FAPI 1.0 Advanced: a signed request object by value, response_type
 *     `code id_token` (hybrid, answered in the URL fragment), PKCE, tls_client_auth; the front-channel ID
 *     token is a detached signature (§5.2.2.1): its signature, c_hash (over the code) and s_hash (over the
 *     state) are checked by openid-client before the code is exchanged.
 *   --scope "<scopes>": e.g. `openid time_deposits` for the Taiwan gateway APIs (no account-access consent).
 * At the end it prints the access token, for calling APIs with curl and the client's certificate.
 */
// First: it checks the Node.js version before any library prints about it.
import './node-version';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { decodeJwt, importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import type { SandboxManifest } from './sandbox';

/** An expected way for the demo to end: one plain line, no stack trace. */
class DemoStop extends Error {}

/** Connection errors that mean nothing listens at the sandbox's address (undici wraps them in `cause`). */
function sandboxDown(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } })?.cause?.code ?? (error as { code?: string })?.code;
  return code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET';
}

const PROFILES = {
  fapi2: { clientId: 'tsp2', title: 'FAPI 2.0 (PAR, private_key_jwt)' },
  fapi1: { clientId: 'tpp-fapi1', title: 'FAPI 1.0 Advanced (hybrid code id_token, tls_client_auth)' },
} as const;
type Profile = keyof typeof PROFILES;

function profileArgument(args: readonly string[]): Profile {
  const at = args.indexOf('--profile');
  const value = at === -1 ? 'fapi2' : args[at + 1];
  if (value === 'fapi1' || value === 'fapi2') return value;
  throw new DemoStop(`--profile must be fapi2 (default) or fapi1, not ${value ?? 'nothing'}.`);
}

async function main() {
  const args = process.argv.slice(2);
  const profile = profileArgument(args);
  // --scope "openid time_deposits": Taiwan scope groups instead of Open Banking UK accounts (no consent object).
  const scope = args.includes('--scope') ? (args[args.indexOf('--scope') + 1] ?? '') : 'openid accounts';
  const { clientId: CLIENT_ID, title } = PROFILES[profile];
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
    // tls_client_auth: the client certificate of the mTLS connection is the authentication.
    profile === 'fapi1' ? oidc.TlsClientAuth() : oidc.PrivateKeyJwt(signingKey),
    {
      [oidc.customFetch]: mtlsFetch,
      execute: profile === 'fapi1' ? [oidc.useCodeIdTokenResponseType, oidc.enableDetachedSignatureResponseChecks] : [],
    },
  );
  config[oidc.customFetch] = mtlsFetch;
  console.log(`Demo TPP ${CLIENT_ID} (${client.client_name}): ${title}.`);

  const aisp = `${manifest.mtls_base_url}/open-banking/v3.1/aisp`;
  // Open Banking UK data needs an account-access consent first; Taiwan scope groups are granted on the consent page alone.
  const ukAccounts = scope.split(' ').includes('accounts');
  const consentId = ukAccounts ? await createConsent(config, mtlsFetch as typeof fetch, aisp) : undefined;

  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  // FAPI 1.0 Advanced §5.2.2.1: the front-channel ID token is the detached signature, with the nonce asked for.
  const nonce = profile === 'fapi1' ? oidc.randomNonce() : undefined;
  const redirectUri = client.redirect_uris[0]!;
  const jar = await oidc.buildAuthorizationUrlWithJAR(
    config,
    {
      redirect_uri: redirectUri,
      scope,
      state,
      ...(nonce ? { nonce } : {}),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...(consentId
        ? { claims: JSON.stringify({ id_token: { openbanking_intent_id: { value: consentId, essential: true } } }) }
        : {}),
    },
    signingKey,
  );
  // FAPI 2.0 pushes the request object (PAR); FAPI 1.0 Advanced sends it by value in the authorization URL.
  const authorizationUrl =
    profile === 'fapi1'
      ? jar
      : await oidc.buildAuthorizationUrlWithPAR(config, { request: jar.searchParams.get('request')! });
  console.log(`\nOpen this URL in your browser, sign in (steve / steve-demo-1) and allow:\n\n  ${authorizationUrl}\n`);

  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await prompt.question('Paste the URL the browser landed on: ')).trim();
  prompt.close();
  const callback = URL.canParse(answer) ? new URL(answer) : undefined;
  if (!callback) throw new DemoStop('That is not a URL: copy the whole address of the page the browser landed on.');
  // A hybrid response comes in the fragment, errors included (OAuth 2.0 Multiple Response Types §5).
  const returned = profile === 'fapi1' ? new URLSearchParams(callback.hash.slice(1)) : callback.searchParams;
  const refused = returned.get('error');
  if (refused === 'access_denied')
    throw new DemoStop('You did not allow access at the bank (access_denied): nothing was shared.');
  if (refused) {
    const why = returned.get('error_description');
    throw new DemoStop(`The bank refused the authorization: ${refused}${why ? ` (${why})` : ''}.`);
  }
  if (profile === 'fapi1' && !returned.has('id_token'))
    throw new DemoStop('That address has no #code=...&id_token=... part: copy the whole address, fragment included.');
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    ...(nonce ? { expectedNonce: nonce } : {}),
  });
  if (profile === 'fapi1') {
    const { c_hash, s_hash } = decodeJwt(returned.get('id_token')!);
    console.log(
      `\nFront-channel ID token (detached signature) verified: signature, nonce, c_hash ${c_hash} (code), s_hash ${s_hash} (state).`,
    );
  }
  console.log('\nID token claims:', tokens.claims());
  if (ukAccounts) {
    const accounts = await (
      await (mtlsFetch as typeof fetch)(`${aisp}/accounts`, {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      })
    ).json();
    console.log('\nGET /accounts:', JSON.stringify(accounts, null, 2));
  }
  // For curl (README, "Try it as a TPP developer"): useless without the client's certificate it is bound to.
  console.log(
    `\nAccess token (${tokens.scope}; bound to ${CLIENT_ID}'s certificate, ${tokens.expires_in} s):\n${tokens.access_token}`,
  );
  await agent.close();
}

/** An account-access consent for the demo's permissions, with a client_credentials token. */
async function createConsent(config: oidc.Configuration, mtlsFetch: typeof fetch, aisp: string): Promise<string> {
  const { access_token } = await oidc.clientCredentialsGrant(config, { scope: 'accounts' });
  const consent = (await (
    await mtlsFetch(`${aisp}/account-access-consents`, {
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
  return consent.Data.ConsentId;
}

main().catch((error: unknown) => {
  if (error instanceof DemoStop) console.error(error.message);
  // openid-client's checks of the bank's answers (detached signature, c_hash, s_hash, state, nonce, ...).
  else if (String((error as { code?: unknown })?.code).startsWith('OAUTH_')) {
    // openid-client's message is general ("unexpected JWT claim value"); its cause names the check.
    const { message, cause } = error as Error & { cause?: Error };
    console.error(
      `The bank's answer did not verify, nothing was exchanged: ${message}${cause?.message ? ` (${cause.message})` : ''}`,
    );
  } else if (sandboxDown(error))
    console.error('The sandbox is not running (connection refused): start it with npm start.');
  else console.error(error);
  process.exit(1);
});
