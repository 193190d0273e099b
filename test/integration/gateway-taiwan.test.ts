/**
 * The seed's Taiwan Open Banking scenario (REFERENCE.md §4, seeds/004) end to end on the sandbox as `npm start`
 * runs it: the bank administrator sets tsp2's token quotas and the APIs' JOSE policies through the admin API;
 * Anne (headless Chromium) grants Enjoy Life three service groups; the fintech queries demand deposits (JWE),
 * time deposits and requests roadside assistance (JWS request, JWE response) until its token's quota is spent;
 * Anne re-authorizes with credit cards only, and demand deposits answer "the user has not authorized this function".
 */
import { readFileSync } from 'node:fs';
import { CompactSign, compactDecrypt, importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { launchBrowser, type TestBrowser } from '../support/browser';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';
import { type Tpp, tppClient } from '../support/tpp';

jest.setTimeout(120_000);

const GROUPS = ['demand_deposits', 'time_deposits', 'credit_cards'];
const ROADSIDE = { cardNumber: '4111111111111111', plateNumber: 'ABC-1234' };

describe('Taiwan Open Banking scenario: Enjoy Life, TPI Bank and Anne', () => {
  let sandbox: TestSandbox;
  let browser: TestBrowser;
  let enjoyLife: Tpp;
  let bankAdmin: Tpp;
  let adminToken: string;

  beforeAll(async () => {
    [sandbox, browser] = await Promise.all([startSandboxProcess(), launchBrowser()]);
    [enjoyLife, bankAdmin] = await Promise.all([tppClient(sandbox, 'tsp2'), tppClient(sandbox, 'bank-admin')]);
    adminToken = (await oidc.clientCredentialsGrant(bankAdmin.config, { scope: 'admin' })).access_token;
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  const mtls = (path: string) => `${sandbox.manifest.mtls_base_url}${path}`;

  async function admin(method: 'GET' | 'PUT', path: string, body?: unknown) {
    const response = await bankAdmin.fetch(mtls(path), {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json() };
  }

  let stan = 1;
  async function gateway(method: 'GET' | 'POST', path: string, token: string, body?: string) {
    const response = await enjoyLife.fetch(mtls(`/gateway${path}`), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'x-stan': String(stan++).padStart(7, '0'),
        'x-destinationid': '0120000',
        'x-clientid': 'tsp2',
        'x-txninitdatetime': '20261121093000',
        ...(body ? { 'content-type': 'application/jose' } : {}),
      },
      body,
    });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }

  async function decrypt(jwe: string) {
    const jwk = JSON.parse(readFileSync(sandbox.client('tsp2').enc_jwk, 'utf8')) as JWK;
    const { plaintext } = await compactDecrypt(jwe, await importJWK(jwk, 'RSA-OAEP-256'));
    return JSON.parse(Buffer.from(plaintext).toString());
  }

  /** Anne signs in and, on the consent page, keeps exactly `groups` ticked and shares all her accounts. */
  async function anneAuthorizes(groups: readonly string[]) {
    const { callback, verifier, state } = await anneConsents(groups);
    return oidc.authorizationCodeGrant(enjoyLife.config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
  }

  /** As anneAuthorizes, up to the redirect back to Enjoy Life: the code is not redeemed yet. */
  async function anneConsents(groups: readonly string[]) {
    const verifier = oidc.randomPKCECodeVerifier();
    const redirectUri = sandbox.client('tsp2').redirect_uris.find((u) => !u.includes('localhost'))!;
    const state = oidc.randomState();
    const url = await oidc.buildAuthorizationUrlWithPAR(enjoyLife.config, {
      redirect_uri: redirectUri,
      scope: `openid ${GROUPS.join(' ')}`,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const anne = sandbox.manifest.customers.find((c) => c.username === 'anne')!;
    const page = await browser.newPage();
    const origin = new URL(redirectUri).origin;
    await page.route(`${origin}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'ok' }));
    await page.goto(url.href);
    await page.getByRole('textbox', { name: 'Username' }).fill(anne.username);
    await page.getByRole('textbox', { name: 'Password' }).fill(anne.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    for (const [id, label] of [
      ['demand_deposits', 'Demand deposits'],
      ['time_deposits', 'Time deposits'],
      ['credit_cards', 'Credit cards'],
    ] as const) {
      await page.getByRole('checkbox', { name: label, exact: true }).setChecked(groups.includes(id));
    }
    const accounts = page.getByRole('checkbox', { name: /••••/ });
    for (let i = 0; i < (await accounts.count()); i++) await accounts.nth(i).check();
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL((u) => u.origin === origin);
    const callback = new URL(page.url());
    await page.close();
    return { callback, verifier, state };
  }

  it('runs the whole scenario', async () => {
    // Scenario 1: token settings for tsp2 — access token 3 uses within a day, refresh token 3 uses within 7 days
    const settings = {
      access_token_ttl: 86_400,
      access_token_max_uses: 3,
      refresh_token_ttl: 604_800,
      refresh_token_max_uses: 3,
    };
    expect(await admin('PUT', '/admin/clients/tsp2/token-settings', settings)).toEqual({ status: 200, body: settings });

    // Scenario 2: JWT settings — demand deposits response JWE; roadside assistance request JWS + response JWE
    await admin('PUT', '/admin/apis/GET.demandDeposit.accounts/jose-policy', { request: 'none', response: 'jwe' });
    await admin('PUT', '/admin/apis/POST.creditCards.roadsideAssistance/jose-policy', {
      request: 'jws',
      response: 'jwe',
    });
    expect((await admin('GET', '/admin/apis/POST.creditCards.roadsideAssistance/jose-policy')).body).toEqual({
      request: 'jws',
      response: 'jwe',
    });
    const audit = await admin('GET', '/admin/audit?entity=client:tsp2');
    expect(audit.body.changes[0]).toMatchObject({ actor: { kind: 'client', id: 'bank-admin' }, after: settings });

    // Anne authorizes Enjoy Life for all three service groups
    const first = await anneAuthorizes(GROUPS);
    expect(first.expires_in).toBeGreaterThan(3600);

    // Step 7: the fintech's queries, each one use of the access token
    const demand = await gateway('GET', '/demandDeposit/accounts', first.access_token);
    expect(demand).toMatchObject({ status: 200, type: 'application/jose' });
    expect((await decrypt(demand.text)).accounts.length).toBeGreaterThan(0);
    const time = await gateway('GET', '/timeDeposit/balances', first.access_token);
    expect(time.status).toBe(200);
    expect(JSON.parse(time.text).timeDeposits[0]).toMatchObject({ accountId: 'anne-time-deposit-twd' });
    const signed = await new CompactSign(Buffer.from(JSON.stringify(ROADSIDE)))
      .setProtectedHeader({ alg: 'PS256', kid: enjoyLife.kid })
      .sign(enjoyLife.signingKey);
    const roadside = await gateway('POST', '/creditCards/roadsideAssistance', first.access_token, signed);
    expect(roadside.status).toBe(200);
    expect(await decrypt(roadside.text)).toMatchObject({ status: 'Accepted', plateNumber: 'ABC-1234' });

    // The fourth use is over the quota
    const fourth = await gateway('GET', '/timeDeposit/balances', first.access_token);
    expect(fourth.status).toBe(403);
    expect(JSON.parse(fourth.text)).toEqual({
      error: 'access_denied',
      error_description: 'access token usage quota exceeded',
    });

    // Step 8-1: Anne keeps credit cards only; the earlier grant is replaced at once
    const second = await anneAuthorizes(['credit_cards']);
    expect((await gateway('POST', '/creditCards/roadsideAssistance', second.access_token, signed)).status).toBe(200);

    // Step 8-2: demand deposits are no longer authorized
    const refused = await gateway('GET', '/demandDeposit/accounts', second.access_token);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toEqual({
      error: 'access_denied',
      error_description: 'the user has not authorized this function',
    });
    await expect(oidc.refreshTokenGrant(enjoyLife.config, first.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });

  it('withdraws a code Anne has not yet seen redeemed when she re-authorises with fewer groups', async () => {
    // Prepare: an authorisation with every group whose code Enjoy Life has not redeemed yet
    const earlier = await anneConsents(GROUPS);

    // Act: Anne re-authorises with credit cards only, then the earlier code arrives at the token endpoint
    const later = await anneAuthorizes(['credit_cards']);
    const stale = oidc.authorizationCodeGrant(enjoyLife.config, earlier.callback, {
      pkceCodeVerifier: earlier.verifier,
      expectedState: earlier.state,
    });

    // Assess: the earlier grant yields no tokens; the later one works, and only for credit cards
    await expect(stale).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await gateway('GET', '/timeDeposit/balances', later.access_token)).status).toBe(403);
    const signed = await new CompactSign(Buffer.from(JSON.stringify(ROADSIDE)))
      .setProtectedHeader({ alg: 'PS256', kid: enjoyLife.kid })
      .sign(enjoyLife.signingKey);
    expect((await gateway('POST', '/creditCards/roadsideAssistance', later.access_token, signed)).status).toBe(200);
  });
});
