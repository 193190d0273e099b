/**
 * The seed's Taiwan Open Banking scenario (its request headers, scope groups and JOSE policies) end to end on the sandbox as `npm start`
 * runs it: the bank administrator sets tsp2's token quotas and the APIs' JOSE policies through the admin API;
 * Anne (headless Chromium) grants Enjoy Life three service groups; the fintech queries demand deposits (JWE),
 * time deposits and requests roadside assistance (JWS request, JWE response) until its token's quota is spent;
 * Anne re-authorizes with credit cards only, and demand deposits answer "the user has not authorized this function".
 */
import * as oidc from 'openid-client';
import { launchBrowser, type TestBrowser } from '../support/browser';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';
import { SCOPE_GROUPS as GROUPS, taiwanFintech } from '../support/taiwan';
import { type Tpp, tppClient } from '../support/tpp';

jest.setTimeout(120_000);

describe('Taiwan Open Banking scenario: Enjoy Life, TPI Bank and Anne', () => {
  let sandbox: TestSandbox;
  let browser: TestBrowser;
  let enjoyLife: Tpp;
  let bankAdmin: Tpp;
  let adminToken: string;

  beforeAll(async () => {
    [sandbox, browser] = await Promise.all([startSandboxProcess(), launchBrowser()]);
    [enjoyLife, bankAdmin] = await Promise.all([tppClient(sandbox, 'tsp2'), tppClient(sandbox, 'bank-admin')]);
    fintech = taiwanFintech(sandbox, enjoyLife, browser);
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

  let fintech: ReturnType<typeof taiwanFintech>;
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
    const first = await fintech.authorizes(GROUPS);
    expect(first.expires_in).toBeGreaterThan(3600);

    // Step 7: the fintech's queries, each one use of the access token
    const demand = await fintech.gateway('GET', '/demandDeposit/accounts', first.access_token);
    expect(demand).toMatchObject({ status: 200, type: 'application/jose' });
    expect((await fintech.decrypt(demand.text)).accounts.length).toBeGreaterThan(0);
    const time = await fintech.gateway('GET', '/timeDeposit/balances', first.access_token);
    expect(time.status).toBe(200);
    expect(JSON.parse(time.text).timeDeposits[0]).toMatchObject({ accountId: 'anne-time-deposit-twd' });
    const signed = await fintech.signedRoadsideRequest();
    const roadside = await fintech.gateway('POST', '/creditCards/roadsideAssistance', first.access_token, signed);
    expect(roadside.status).toBe(200);
    expect(await fintech.decrypt(roadside.text)).toMatchObject({ status: 'Accepted', plateNumber: 'ABC-1234' });

    // The fourth use is over the quota
    const fourth = await fintech.gateway('GET', '/timeDeposit/balances', first.access_token);
    expect(fourth.status).toBe(403);
    expect(JSON.parse(fourth.text)).toEqual({
      error: 'access_denied',
      error_description: 'access token usage quota exceeded',
    });

    // Step 8-1: Anne keeps credit cards only; the earlier grant is replaced at once
    const second = await fintech.authorizes(['credit_cards']);
    expect((await fintech.gateway('POST', '/creditCards/roadsideAssistance', second.access_token, signed)).status).toBe(
      200,
    );

    // Step 8-2: demand deposits are no longer authorized
    const refused = await fintech.gateway('GET', '/demandDeposit/accounts', second.access_token);
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
    const earlier = await fintech.consents(GROUPS);

    // Act: Anne re-authorises with credit cards only, then the earlier code arrives at the token endpoint
    const later = await fintech.authorizes(['credit_cards']);
    const stale = oidc.authorizationCodeGrant(enjoyLife.config, earlier.callback, {
      pkceCodeVerifier: earlier.verifier,
      expectedState: earlier.state,
    });

    // Assess: the earlier grant yields no tokens; the later one works, and only for credit cards
    await expect(stale).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await fintech.gateway('GET', '/timeDeposit/balances', later.access_token)).status).toBe(403);
    const signed = await fintech.signedRoadsideRequest();
    expect((await fintech.gateway('POST', '/creditCards/roadsideAssistance', later.access_token, signed)).status).toBe(
      200,
    );
  });
});
