/**
 * Enjoy Life (`tsp2`) in TPI Bank's Taiwan Open Banking scenario: gateway calls with the Taiwan headers over
 * mTLS, decryption of JWE answers with its encryption key, and a customer granting it scope groups on the
 * consent page in Chromium (the FAPI 2.0 code flow with PAR and PKCE).
 */
import { readFileSync } from 'node:fs';
import { CompactSign, compactDecrypt, importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import type { TestBrowser } from './browser';
import type { TestSandbox } from './sandbox';
import type { Tpp } from './tpp';

export const SCOPE_GROUPS = ['demand_deposits', 'time_deposits', 'credit_cards'];
export const ROADSIDE = { cardNumber: '4111111111111111', plateNumber: 'ABC-1234' };

/** Gateway calls of the fintech `clientId` with the Taiwan headers over its own mTLS `fetch`. */
export function taiwanGateway(sandbox: TestSandbox, fintech: Pick<Tpp, 'clientId' | 'fetch'>) {
  let stan = 1;
  return async function gateway(method: 'GET' | 'POST', path: string, token: string, body?: string) {
    const response = await fintech.fetch(`${sandbox.manifest.mtls_base_url}/gateway${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'x-stan': String(stan++).padStart(7, '0'),
        'x-destinationid': '0120000',
        'x-clientid': fintech.clientId,
        'x-txninitdatetime': '20261121093000',
        ...(body ? { 'content-type': 'application/jose' } : {}),
      },
      body,
    });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  };
}

export function taiwanFintech(sandbox: TestSandbox, fintech: Tpp, browser: TestBrowser) {
  const gateway = taiwanGateway(sandbox, fintech);

  async function decrypt(jwe: string) {
    const jwk = JSON.parse(readFileSync(sandbox.client(fintech.clientId).enc_jwk, 'utf8')) as JWK;
    const { plaintext } = await compactDecrypt(jwe, await importJWK(jwk, 'RSA-OAEP-256'));
    return JSON.parse(Buffer.from(plaintext).toString());
  }

  /** The roadside assistance request as a compact JWS signed with the fintech's key. */
  const signedRoadsideRequest = () =>
    new CompactSign(Buffer.from(JSON.stringify(ROADSIDE)))
      .setProtectedHeader({ alg: 'PS256', kid: fintech.kid })
      .sign(fintech.signingKey);

  /** `username` signs in and, on the consent page, keeps exactly `groups` ticked and shares all accounts; up to the redirect back. */
  const consents = (groups: readonly string[], username = 'anne') =>
    consentInBrowser(sandbox, browser, fintech.config, {
      redirectUri: sandbox.client(fintech.clientId).redirect_uris.find((u) => !u.includes('localhost'))!,
      requested: SCOPE_GROUPS,
      groups,
      username,
    });

  /** As `consents`, then the fintech redeems the code: its tokens. */
  async function authorizes(groups: readonly string[], username = 'anne') {
    const { callback, verifier, state } = await consents(groups, username);
    return oidc.authorizationCodeGrant(fintech.config, callback, { pkceCodeVerifier: verifier, expectedState: state });
  }

  return { gateway, decrypt, signedRoadsideRequest, consents, authorizes };
}

const GROUP_LABELS: Readonly<Record<string, string>> = {
  demand_deposits: 'Demand deposits',
  time_deposits: 'Time deposits',
  credit_cards: 'Credit cards',
};

/**
 * The FAPI 2.0 code flow of the fintech `config` in Chromium: PAR for `requested` scope groups, `username` signs
 * in and keeps exactly `groups` ticked, shares all accounts; up to the redirect back to `redirectUri`.
 */
export async function consentInBrowser(
  sandbox: TestSandbox,
  browser: TestBrowser,
  config: oidc.Configuration,
  options: { redirectUri: string; requested: readonly string[]; groups: readonly string[]; username?: string },
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = await oidc.buildAuthorizationUrlWithPAR(config, {
    redirect_uri: options.redirectUri,
    scope: `openid ${options.requested.join(' ')}`,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  const customer = sandbox.manifest.customers.find((c) => c.username === (options.username ?? 'anne'))!;
  const page = await browser.newPage();
  const origin = new URL(options.redirectUri).origin;
  await page.route(`${origin}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'ok' }));
  await page.goto(url.href);
  await page.getByRole('textbox', { name: 'Username' }).fill(customer.username);
  await page.getByRole('textbox', { name: 'Password' }).fill(customer.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).waitFor();
  for (const id of options.requested) {
    await page.getByRole('checkbox', { name: GROUP_LABELS[id], exact: true }).setChecked(options.groups.includes(id));
  }
  const accounts = page.getByRole('checkbox', { name: /••••/ });
  for (let i = 0; i < (await accounts.count()); i++) await accounts.nth(i).check();
  await page.getByRole('checkbox', { name: 'I have read and agreed to the Privacy Policy' }).check();
  await page.getByRole('button', { name: 'Allow' }).click();
  await page.waitForURL((u) => u.origin === origin);
  const callback = new URL(page.url());
  await page.close();
  return { callback, verifier, state };
}
