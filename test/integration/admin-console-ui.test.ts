/**
 * The bank administrator's console (`/admin/`) as a person uses it, in Debian Chromium against the sandbox as
 * `npm start` runs it: staff sign in at the staff IdP, TPI Bank's scenarios 1 (token limits for Enjoy Life) and
 * 2 (JWT settings of two APIs) are done by clicking, and their effect is checked through the real endpoints;
 * two administrators race on one client; scenario 3 (consents per fintech) revokes one consent and then all of a
 * fintech's, and a TPP certificate goes on the revocation list and off it again; a clerk and a customer are
 * turned away. Every screen is scanned with axe and photographed into screenshots/.
 */
import { readFileSync } from 'node:fs';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { certificateThumbprint } from '../../lambdas/http/request';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { CookieBrowser, signInAndAllow } from '../support/customer-journey';
import { checkScreen, signInAtIdp, signInToPortal } from '../support/portal';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';
import { SCOPE_GROUPS, taiwanFintech } from '../support/taiwan';
import { createConsent, type Tpp, tppClient } from '../support/tpp';

jest.setTimeout(180_000);

let sandbox: TestSandbox;
let browser: TestBrowser;
let enjoyLife: Tpp;
let bankAdmin: Tpp;
let fintech: ReturnType<typeof taiwanFintech>;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [sandbox, browser] = await Promise.all([startSandboxProcess(), launchBrowser()]);
  [enjoyLife, bankAdmin] = await Promise.all([tppClient(sandbox, 'tsp2'), tppClient(sandbox, 'bank-admin')]);
  fintech = taiwanFintech(sandbox, enjoyLife, browser);
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await sandbox?.stop();
});

const consoleUrl = () => `${sandbox.manifest.urls.browser}/admin/`;
const staff = (username: string) => sandbox.manifest.staff.find((s) => s.username === username)!;

/** A fresh browser context (own cookies) with the console open, signed in as `username`. */
async function signedIn(username = 'admin'): Promise<Page> {
  const context = await (browser.browser as Browser).newContext({ ignoreHTTPSErrors: true });
  contexts.push(context);
  const page = await context.newPage();
  await signInToPortal(page, consoleUrl(), staff(username));
  return page;
}

/** The bank's automation over mTLS: reads and resets state the console test starts from or checks. */
async function admin(method: 'GET' | 'PUT', path: string, body?: unknown) {
  const { access_token } = await oidc.clientCredentialsGrant(bankAdmin.config, { scope: 'admin' });
  const response = await bankAdmin.fetch(`${sandbox.manifest.mtls_base_url}${path}`, {
    method,
    headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function openSecurity(page: Page, clientId: string) {
  await page.getByRole('link', { name: 'Client Management' }).click();
  await page.getByRole('searchbox', { name: 'Search clients' }).fill(clientId);
  await page.getByRole('button', { name: `Security ${clientId}` }).click();
  await page.getByRole('tab', { name: 'Token Setting', selected: true }).waitFor();
  await page.getByRole('spinbutton', { name: 'Access token uses' }).waitFor();
}

describe('who may use the console', () => {
  it.each([
    ['a staff member without the admin role', () => staff('clerk')],
    ['a bank customer', () => sandbox.manifest.customers.find((c) => c.username === 'steve')!],
  ])('turns away %s with "Not authorised" and no admin data', async (_who, person) => {
    // Prepare
    const context = await (browser.browser as Browser).newContext({ ignoreHTTPSErrors: true });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(consoleUrl());
    // Act
    await page.getByRole('link', { name: 'Sign in', exact: true }).click();
    await signInAtIdp(page, person());
    // Assess
    await page.getByRole('heading', { name: 'Not authorised' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Admin console' }).count()).toBe(0);
    const clients = await page.evaluate(async () => (await fetch('/admin/api/clients')).status);
    expect(clients).toBe(401);
    await checkScreen(page, 'admin-not-authorised');
  });
});

describe("TPI Bank's scenario 1: Enjoy Life's token limits, set in the console", () => {
  it('sets 3 uses a day and 3 refreshes every 7 days; the 4th use and the 4th refresh are refused', async () => {
    // Prepare
    const page = await signedIn();
    await checkScreen(page, 'admin-client-management');

    // Act: Client Management > tsp2 > Security > Token Setting
    await openSecurity(page, 'tsp2');
    await page.getByRole('spinbutton', { name: 'Access token validity' }).fill('1');
    await page.getByRole('combobox', { name: 'Access token validity unit' }).selectOption({ label: 'days' });
    await page.getByRole('spinbutton', { name: 'Access token uses' }).fill('3');
    await page.getByRole('spinbutton', { name: 'Refresh token validity' }).fill('7');
    await page.getByRole('combobox', { name: 'Refresh token validity unit' }).selectOption({ label: 'days' });
    await page.getByRole('spinbutton', { name: 'Refresh token uses' }).fill('3');
    await page.getByText('This change shortens the access token uses, refresh token uses.').waitFor();
    await checkScreen(page, 'admin-token-setting');
    await page.getByRole('button', { name: 'Save' }).click();

    // Assess: saved, audited with the staff member's name
    await page.getByRole('status').filter({ hasText: 'Token settings saved' }).waitFor();
    expect((await admin('GET', '/admin/clients/tsp2/token-settings')).body).toEqual({
      access_token_ttl: 86_400,
      access_token_max_uses: 3,
      refresh_token_ttl: 604_800,
      refresh_token_max_uses: 3,
    });
    await page.getByRole('link', { name: 'Audit Log' }).click();
    const row = page.getByRole('row').filter({ hasText: 'client:tsp2' }).first();
    await row.getByText('access_token_max_uses: 0 → 3').waitFor();
    expect(await row.textContent()).toContain(staff('admin').name);
    await checkScreen(page, 'admin-audit-log');

    // Assess: Enjoy Life's tokens, from the real endpoints
    const tokens = await fintech.authorizes(SCOPE_GROUPS);
    const uses = [];
    for (let i = 0; i < 4; i++)
      uses.push((await fintech.gateway('GET', '/timeDeposit/balances', tokens.access_token)).status);
    expect(uses).toEqual([200, 200, 200, 403]);
    for (let i = 0; i < 3; i++) await oidc.refreshTokenGrant(enjoyLife.config, tokens.refresh_token!);
    await expect(oidc.refreshTokenGrant(enjoyLife.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
      error_description: 'refresh token usage quota exceeded',
    });

    // Assess: the console counts those tokens (the first access token spent, three new ones from the refreshes)
    // and previews a shorter quota with the real number of active tokens
    await openSecurity(page, 'tsp2');
    await page
      .getByText('Now 4 active access tokens, used 3 times in all. The one closest to its limit: 3 of 3 uses.')
      .waitFor();
    await page
      .getByText(
        'Now 1 active refresh token, refreshed 3 times in all. The one closest to its limit: 3 of 3 refreshes.',
      )
      .waitFor();
    await page.getByRole('spinbutton', { name: 'Access token uses' }).fill('2');
    await page
      .getByText(
        'It applies to new tokens from the next token request on; the 4 active access tokens and 1 active refresh token keep',
        { exact: false },
      )
      .waitFor();
    await checkScreen(page, 'admin-token-setting-usage');
  });
});

describe("TPI Bank's scenario 2: JWT settings of two APIs, set in the console", () => {
  it('sets demand deposits to response JWE and roadside assistance to request JWS + response JWE, refusing what a GET cannot have', async () => {
    // Prepare: both APIs without JOSE, so what the console sets is what takes effect
    for (const apiId of ['GET.demandDeposit.accounts', 'POST.creditCards.roadsideAssistance']) {
      expect(
        (await admin('PUT', `/admin/apis/${apiId}/jose-policy`, { request: 'none', response: 'none' })).status,
      ).toBe(200);
    }
    const page = await signedIn();
    await page.getByRole('link', { name: 'API List' }).click();
    await page.getByRole('button', { name: 'Search' }).click();
    await checkScreen(page, 'admin-api-list');

    // Act: Update > request "JWE" on a GET is refused with the reason
    await page.getByRole('button', { name: 'Update /demandDeposit/accounts' }).click();
    const dialog = page.getByRole('dialog', { name: 'JWT settings of /demandDeposit/accounts' });
    await dialog.getByRole('combobox', { name: 'Request' }).selectOption({ label: 'JWE' });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'GET request has no body' }).waitFor();
    await checkScreen(page, 'admin-api-update-refused');
    // Act: the scenario's settings
    await dialog.getByRole('combobox', { name: 'Request' }).selectOption({ label: 'Do not use' });
    await dialog.getByRole('combobox', { name: 'Response' }).selectOption({ label: 'JWE' });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Update /creditCards/roadsideAssistance' }).click();
    const roadside = page.getByRole('dialog', { name: 'JWT settings of /creditCards/roadsideAssistance' });
    await roadside.getByRole('combobox', { name: 'Request' }).selectOption({ label: 'JWS' });
    await roadside.getByRole('combobox', { name: 'Response' }).selectOption({ label: 'JWE' });
    await checkScreen(page, 'admin-api-update');
    await roadside.getByRole('button', { name: 'Save' }).click();
    await roadside.waitFor({ state: 'detached' });

    // Assess: the list shows the new JWT status
    const cells = async (path: string) =>
      (await page.getByRole('row').filter({ hasText: path }).getByRole('cell').allTextContents()).slice(4, 6);
    expect(await cells('/demandDeposit/accounts')).toEqual(['Do not use', 'JWE']);
    expect(await cells('/creditCards/roadsideAssistance')).toEqual(['JWS', 'JWE']);
    await checkScreen(page, 'admin-api-list-updated');

    // Assess: the gateway answers demand deposits as JWE and refuses an unsigned roadside request
    const tokens = await fintech.authorizes(SCOPE_GROUPS);
    const demand = await fintech.gateway('GET', '/demandDeposit/accounts', tokens.access_token);
    expect(demand).toMatchObject({ status: 200, type: 'application/jose' });
    expect((await fintech.decrypt(demand.text)).accounts.length).toBeGreaterThan(0);
    const unsigned = await fintech.gateway(
      'POST',
      '/creditCards/roadsideAssistance',
      tokens.access_token,
      JSON.stringify({ cardNumber: '4111111111111111', plateNumber: 'ABC-1234' }),
    );
    expect(unsigned.status).toBe(400);
  });
});

describe('registering an API in the console', () => {
  it('registers a sample-bank API that the gateway then serves, and refuses the same method and path again', async () => {
    // Prepare
    const page = await signedIn();
    await page.getByRole('link', { name: 'API List' }).click();
    const form = page.getByRole('form', { name: 'Register an API' });
    const register = async () => {
      await form.getByRole('textbox', { name: 'Name' }).fill('Savings balances');
      await form.getByRole('combobox', { name: 'Method' }).selectOption('GET');
      await form.getByRole('textbox', { name: 'Path' }).fill('/savings/balances');
      await form.getByRole('combobox', { name: 'Scope group' }).selectOption({ label: 'Time deposits' });
      await form.getByRole('radio', { name: 'The built-in sample bank' }).check();
      await form.getByRole('combobox', { name: 'Sample bank operation' }).selectOption('time-deposit-balances');
      await form.getByRole('button', { name: 'Register API' }).click();
    };
    // Act
    await register();
    await page.getByRole('status').filter({ hasText: 'API /savings/balances registered' }).waitFor();
    await checkScreen(page, 'admin-api-registered');
    await register();
    // Assess
    await form.getByRole('alert').filter({ hasText: 'already registered' }).waitFor();
    expect(await page.getByRole('row').filter({ hasText: '/savings/balances' }).count()).toBe(1);
    const tokens = await fintech.authorizes(SCOPE_GROUPS);
    const served = await fintech.gateway('GET', '/savings/balances', tokens.access_token);
    expect(served.status).toBe(200);
    expect(JSON.parse(served.text).timeDeposits.length).toBeGreaterThan(0);
  });
});

describe('two administrators editing one client', () => {
  it('lets the first Save win and shows the second the conflict and the current values', async () => {
    // Prepare: both open tsp2's token settings
    const [first, second] = await Promise.all([signedIn(), signedIn()]);
    await Promise.all([openSecurity(first, 'tsp2'), openSecurity(second, 'tsp2')]);

    // Act
    await first.getByRole('spinbutton', { name: 'Access token uses' }).fill('5');
    await second.getByRole('spinbutton', { name: 'Access token uses' }).fill('7');
    await first.getByRole('button', { name: 'Save' }).click();
    await first.getByRole('status').filter({ hasText: 'Token settings saved' }).waitFor();
    await second.getByRole('button', { name: 'Save' }).click();

    // Assess
    await second.getByRole('alert').filter({ hasText: 'Another administrator changed these settings' }).waitFor();
    expect(await second.getByRole('spinbutton', { name: 'Access token uses' }).inputValue()).toBe('5');
    await checkScreen(second, 'admin-token-setting-conflict');
    expect((await admin('GET', '/admin/clients/tsp2/token-settings')).body.access_token_max_uses).toBe(5);
  });
});

describe("TPI Bank's scenario 3: consents per fintech, ended in the console", () => {
  const ACCOUNTS = '/open-banking/v3.1/aisp/accounts';
  const accounts = async (accessToken: string) =>
    (
      await enjoyLife.fetch(`${sandbox.manifest.mtls_base_url}${ACCOUNTS}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).status;

  /** `username` authorises an account-access consent of Enjoy Life (tsp2); its id and tokens. */
  async function authorisedConsent(username: string) {
    const consentId = await createConsent(sandbox, enjoyLife, ['ReadAccountsBasic']);
    const verifier = oidc.randomPKCECodeVerifier();
    const url = await oidc.buildAuthorizationUrlWithPAR(enjoyLife.config, {
      redirect_uri: sandbox.client('tsp2').redirect_uris.find((u) => !u.includes('localhost'))!,
      scope: 'openid accounts',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      claims: JSON.stringify({ id_token: { openbanking_intent_id: { value: consentId, essential: true } } }),
    });
    const callback = await signInAndAllow(sandbox, new CookieBrowser(sandbox.browserAgent()), url.href, username);
    const tokens = await oidc.authorizationCodeGrant(enjoyLife.config, callback, { pkceCodeVerifier: verifier });
    return { consentId, tokens };
  }

  const refused = (refreshToken: string) =>
    expect(oidc.refreshTokenGrant(enjoyLife.config, refreshToken)).rejects.toMatchObject({ error: 'invalid_grant' });

  beforeAll(async () => {
    // The earlier scenarios limited Enjoy Life's token uses; here every call must count only the revocation.
    const unlimited = { access_token_max_uses: 0, refresh_token_max_uses: 0 };
    expect((await admin('PUT', '/admin/clients/tsp2/token-settings', unlimited)).status).toBe(200);
  });

  it("revokes one of Steve's consents: Enjoy Life's next /accounts call is refused and its refresh is invalid_grant", async () => {
    // Prepare
    const [kept, revoked] = [await authorisedConsent('steve'), await authorisedConsent('steve')];
    expect(await accounts(revoked.tokens.access_token)).toBe(200);
    const page = await signedIn();
    await page.getByRole('link', { name: 'Consents' }).click();
    await page.getByRole('textbox', { name: 'Customer username' }).fill('steve');
    await page.getByRole('button', { name: 'Search' }).click();
    const row = page.getByRole('row').filter({ hasText: revoked.consentId });
    await row.getByRole('cell', { name: 'Authorised' }).waitFor();
    // Last used: the /accounts call above; the kept consent's tokens were never used.
    expect(await row.getByRole('cell').nth(6).textContent()).not.toBe('Never');
    expect(await page.getByRole('row').filter({ hasText: kept.consentId }).getByRole('cell').nth(6).textContent()).toBe(
      'Never',
    );
    await checkScreen(page, 'admin-consents');

    // Act
    await row.getByRole('button', { name: `Revoke ${revoked.consentId}` }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke consent ${revoked.consentId}?` });
    await checkScreen(page, 'admin-consent-revoke');
    await dialog.getByRole('button', { name: 'Revoke consent' }).click();

    // Assess
    await page
      .getByRole('status')
      .filter({ hasText: `Consent ${revoked.consentId} revoked` })
      .waitFor();
    await row.getByRole('cell', { name: 'Revoked' }).waitFor();
    expect([401, 403]).toContain(await accounts(revoked.tokens.access_token));
    await refused(revoked.tokens.refresh_token!);
    expect(await accounts(kept.tokens.access_token)).toBe(200);
    const audit = await admin('GET', `/admin/audit?entity=consent:${revoked.consentId}`);
    expect(audit.body.changes[0]).toMatchObject({ action: 'consent.revoke', actor: { name: staff('admin').name } });
  });

  it('"Revoke all of Enjoy Life" ends every customer\'s consents and consent-less grants with it', async () => {
    // Prepare: Steve's consent and Anne's consent-less (Taiwan-style) grant
    const steve = await authorisedConsent('steve');
    const anne = await fintech.authorizes(SCOPE_GROUPS);
    expect((await fintech.gateway('GET', '/timeDeposit/balances', anne.access_token)).status).toBe(200);
    const page = await signedIn();
    await page.getByRole('link', { name: 'Consents' }).click();
    await page.getByRole('radio', { name: 'Fintech' }).check();
    await page.getByRole('combobox', { name: 'Fintech' }).selectOption({ value: 'tsp2' });
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('row').filter({ hasText: steve.consentId }).waitFor();

    // Act
    const revokeAll = page.getByRole('button', { name: /^Revoke all of / });
    const fintechName = (await revokeAll.textContent())!.replace('Revoke all of ', '');
    await revokeAll.click();
    const dialog = page.getByRole('dialog', { name: `Revoke every consent of ${fintechName}?` });
    await checkScreen(page, 'admin-consents-revoke-all');
    await dialog.getByRole('button', { name: 'Revoke all' }).click();

    // Assess
    await page
      .getByRole('status')
      .filter({ hasText: `of ${fintechName} revoked` })
      .waitFor();
    await page.getByRole('row').filter({ hasText: steve.consentId }).getByRole('cell', { name: 'Revoked' }).waitFor();
    expect([401, 403]).toContain(await accounts(steve.tokens.access_token));
    await refused(steve.tokens.refresh_token!);
    expect([401, 403]).toContain((await fintech.gateway('GET', '/timeDeposit/balances', anne.access_token)).status);
    await expect(oidc.refreshTokenGrant(enjoyLife.config, anne.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  });
});

describe('the certificate revocation list in the console', () => {
  it('refuses a listed TPP certificate at the token endpoint from the next request, and accepts it once removed', async () => {
    // Prepare
    const tpp = await tppClient(sandbox, 'tpp-fapi1');
    const token = () => oidc.clientCredentialsGrant(tpp.config, { scope: 'accounts' });
    await expect(token()).resolves.toHaveProperty('access_token');
    const thumbprint = certificateThumbprint(readFileSync(sandbox.client('tpp-fapi1').cert, 'utf8'));
    const page = await signedIn();
    await page.getByRole('link', { name: 'Certificates' }).click();
    const form = page.getByRole('form', { name: 'Revoke a certificate' });
    await form.getByRole('textbox', { name: 'Thumbprint' }).waitFor();
    await checkScreen(page, 'admin-certificates');

    // Act: add the entry
    await form.getByRole('textbox', { name: 'Thumbprint' }).fill(thumbprint);
    await form.getByRole('combobox', { name: 'Reason' }).selectOption({ label: 'Key compromised' });
    await form.getByRole('button', { name: 'Revoke certificate' }).click();

    // Assess: listed with who and why, refused from the next request on
    await page.getByRole('status').filter({ hasText: 'Certificate added to the revocation list' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: thumbprint });
    await row.getByRole('cell', { name: 'Key compromised' }).waitFor();
    expect(await row.textContent()).toContain(staff('admin').name);
    await checkScreen(page, 'admin-certificates-listed');
    await expect(token()).rejects.toMatchObject({ error: 'invalid_client' });

    // Act: remove it
    await row.getByRole('button', { name: /^Remove / }).click();
    await page
      .getByRole('dialog', { name: 'Remove this certificate from the revocation list?' })
      .getByRole('button', { name: 'Remove' })
      .click();

    // Assess
    await page.getByRole('status').filter({ hasText: 'Certificate removed from the revocation list' }).waitFor();
    await row.waitFor({ state: 'detached' });
    await expect(token()).resolves.toHaveProperty('access_token');
    const audit = (await admin('GET', '/admin/audit')).body.changes.filter((c: { entity: string }) =>
      c.entity.startsWith('certificate:'),
    );
    expect(audit.slice(0, 2).map((c: { action: string }) => c.action)).toEqual([
      'revocation.lift',
      'revocation.create',
    ]);
  });
});
