/**
 * Issue 13, the customer's side end to end (real sandbox, Debian chromium, by role and accessible name, axe
 * on every state, screenshots): Steve authorises two fintechs on the consent page, sees both under
 * "Connected apps", stops sharing with one in the dialog; that fintech's next /accounts call is refused (and
 * its refresh token) while the other still works; Anne sees none of Steve's and cannot stop them (404).
 * Then Anne grants Enjoy Life scope groups without a consent (Taiwan gateway) and stops that grant the same way.
 */
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { checkScreen, signInAtIdp, signInToPortal } from '../support/portal';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';
import { SCOPE_GROUPS, taiwanFintech } from '../support/taiwan';
import { createConsent, type Tpp, tppClient } from '../support/tpp';

jest.setTimeout(240_000);

const AISP = '/open-banking/v3.1/aisp';
const PERMISSIONS = [
  'ReadAccountsDetail',
  'ReadBalances',
  'ReadTransactionsDetail',
  'ReadTransactionsCredits',
  'ReadTransactionsDebits',
];

let sandbox: TestSandbox;
let browser: TestBrowser;

const customer = (username: string) => sandbox.manifest.customers.find((c) => c.username === username)!;
const accountPage = () => sandbox.manifest.urls.account_page;

interface Grant {
  readonly tpp: Tpp;
  readonly consentId: string;
  readonly tokens: oidc.TokenEndpointResponse;
}

/** The fintech asks (PAR + signed request object + PKCE), the customer allows on the consent page, the code is redeemed. */
async function authorise(clientId: string, username: string): Promise<Grant> {
  const tpp = await tppClient(sandbox, clientId);
  const consentId = await createConsent(sandbox, tpp, PERMISSIONS);
  const verifier = oidc.randomPKCECodeVerifier();
  const redirectUri = sandbox.client(clientId).redirect_uris[0]!;
  const params = {
    redirect_uri: redirectUri,
    scope: 'openid accounts',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: oidc.randomState(),
    claims: JSON.stringify({ id_token: { openbanking_intent_id: { value: consentId, essential: true } } }),
  };
  const jar = await oidc.buildAuthorizationUrlWithJAR(tpp.config, params, { key: tpp.signingKey, kid: tpp.kid });
  const url = await oidc.buildAuthorizationUrlWithPAR(tpp.config, { request: jar.searchParams.get('request')! });

  const page = await browser.newPage();
  await page.route(`${redirectUri}**`, (route) =>
    route.fulfill({ contentType: 'text/plain', body: 'back at the app' }),
  );
  await page.goto(url.href);
  await signInAtIdp(page, customer(username));
  await page
    .getByRole('group', { name: 'Choose the accounts to share' })
    .getByRole('checkbox', { name: 'Select all' })
    .check();
  await page.getByRole('checkbox', { name: 'I have read and agreed to the Privacy Policy' }).check();
  await page.getByRole('button', { name: 'Allow', exact: true }).click();
  await page.waitForURL((u) => u.href.startsWith(redirectUri));
  const callback = new URL(page.url());
  await page.close();
  const tokens = await oidc.authorizationCodeGrant(tpp.config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: params.state,
    idTokenExpected: true,
  });
  return { tpp, consentId, tokens };
}

async function readAccounts(grant: Grant) {
  const response = await grant.tpp.fetch(`${sandbox.manifest.mtls_base_url}${AISP}/accounts`, {
    headers: { authorization: `Bearer ${grant.tokens.access_token}`, 'x-fapi-interaction-id': crypto.randomUUID() },
  });
  await response.body?.cancel();
  return response.status;
}

/** One fintech's card under "Connected apps" (a region named by the fintech). */
const appCard = (page: Page, name: string) => page.getByRole('region', { name, exact: true });

let steve: Page;
let enjoyLife: Grant;
let sample: Grant;

beforeAll(async () => {
  [sandbox, browser] = await Promise.all([startSandboxProcess(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

test('a customer who shares nothing sees an empty "Connected apps"', async () => {
  // Act
  const anne = await browser.newPage();
  await signInToPortal(anne, accountPage(), customer('anne'));
  await anne.getByText('You have not connected any apps to your accounts.').waitFor();

  // Assess
  expect(await anne.getByRole('heading', { level: 1 }).textContent()).toBe('Connected apps');
  await checkScreen(anne, 'account-empty');
  await anne.close();
});

test('Steve authorises two fintechs and sees both, grouped by fintech, with what they share', async () => {
  // Prepare
  enjoyLife = await authorise('tsp2', 'steve');
  sample = await authorise('tpp-sample', 'steve');
  expect(await readAccounts(enjoyLife)).toBe(200);

  // Act
  steve = await browser.newPage();
  await signInToPortal(steve, accountPage(), customer('steve'));
  await appCard(steve, 'Enjoy Life').waitFor();

  // Assess
  const enjoy = (await appCard(steve, 'Enjoy Life').textContent())!;
  for (const text of [
    'Status: Active',
    'Granted on',
    'Expires onNo expiry',
    'Everyday ••••0001',
    'TWD time deposit ••••0003',
    'Your Account Details',
    'Your Account Transactions',
    'Used 1 time in the last 30 days',
    enjoyLife.consentId,
  ]) {
    expect(enjoy).toContain(text);
  }
  expect(enjoy).not.toContain('Last usedNever');
  expect(await appCard(steve, 'TPP Sample App').textContent()).toContain('Last usedNever');
  // The access history names the API and the interaction id the fintech sent.
  await appCard(steve, 'Enjoy Life').getByText('Recent access', { exact: true }).click();
  expect(await appCard(steve, 'Enjoy Life').getByRole('table').textContent()).toContain('Account details');
  await checkScreen(steve, 'account-connected-apps');
});

test('"Stop sharing with Enjoy Life" asks first; "Keep sharing" changes nothing', async () => {
  // Act
  await steve.getByRole('button', { name: 'Stop sharing with Enjoy Life' }).click();
  const dialog = steve.getByRole('dialog', { name: 'Stop sharing with Enjoy Life?' });
  await dialog.waitFor();
  await checkScreen(steve, 'account-stop-sharing-dialog');
  const said = await dialog.textContent();
  await dialog.getByRole('button', { name: 'Keep sharing' }).click();

  // Assess
  expect(said).toContain('Enjoy Life will no longer be able to see information from your accounts');
  expect(said).toContain('already holds is between you and Enjoy Life');
  expect(await dialog.count()).toBe(0);
  expect(await readAccounts(enjoyLife)).toBe(200);
});

test('confirming stops Enjoy Life at once (resource call and refresh refused, consent Revoked); TPP Sample still works', async () => {
  // Act
  await steve.getByRole('button', { name: 'Stop sharing with Enjoy Life' }).click();
  await steve
    .getByRole('dialog', { name: 'Stop sharing with Enjoy Life?' })
    .getByRole('button', { name: 'Stop sharing' })
    .click();
  await steve.getByRole('status').filter({ hasText: 'You stopped sharing with Enjoy Life.' }).waitFor();
  await appCard(steve, 'Enjoy Life').getByText('Status: Inactive (Revoked').waitFor();

  // Assess
  expect(await readAccounts(enjoyLife)).toBe(401);
  await expect(oidc.refreshTokenGrant(enjoyLife.tpp.config, enjoyLife.tokens.refresh_token!)).rejects.toMatchObject({
    error: 'invalid_grant',
  });
  expect(await readAccounts(sample)).toBe(200);
  const { access_token } = await oidc.clientCredentialsGrant(enjoyLife.tpp.config, { scope: 'accounts' });
  const consent = await enjoyLife.tpp.fetch(
    `${sandbox.manifest.mtls_base_url}${AISP}/account-access-consents/${enjoyLife.consentId}`,
    { headers: { authorization: `Bearer ${access_token}` } },
  );
  expect(((await consent.json()) as { Data: { Status: string } }).Data.Status).toBe('Revoked');
  expect(await steve.getByRole('button', { name: 'Stop sharing with Enjoy Life' }).count()).toBe(0);
  await steve.getByRole('radio', { name: 'Inactive' }).check();
  expect(await appCard(steve, 'TPP Sample App').count()).toBe(0);
  await checkScreen(steve, 'account-inactive-filter');
});

test("Anne sees none of Steve's connections and cannot stop them (404, nothing changes)", async () => {
  // Prepare
  const anne = await browser.newPage();
  await signInToPortal(anne, accountPage(), customer('anne'));
  await anne.getByText('You have not connected any apps to your accounts.').waitFor();

  // Act: Anne's own session and CSRF token, Steve's consent id.
  const status = await anne.evaluate(async (consentId) => {
    const session = (await (await fetch('/account/api/session')).json()) as { csrf_token: string };
    const response = await fetch(`/account/api/consents/${encodeURIComponent(consentId)}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
      body: '{}',
    });
    return response.status;
  }, sample.consentId);

  // Assess
  expect(status).toBe(404);
  expect(await readAccounts(sample)).toBe(200);
  await anne.close();
});

test('Anne stops sharing her consent-less grant with Enjoy Life: gateway and refresh refused at once, Inactive (Revoked); Steve cannot stop it (404)', async () => {
  // Prepare: Anne grants Enjoy Life scope groups on the consent page (no OBUK consent), the fintech calls the gateway.
  const fintech = taiwanFintech(sandbox, enjoyLife.tpp, browser);
  const tokens = await fintech.authorizes(SCOPE_GROUPS, 'anne');
  expect((await fintech.gateway('GET', '/demandDeposit/accounts', tokens.access_token)).status).toBe(200);
  // Steve's own session and CSRF token on Anne's grant: her grant is keyed by her, so his call finds none.
  const steveTried = await steve.evaluate(async () => {
    const session = (await (await fetch('/account/api/session')).json()) as { csrf_token: string };
    const response = await fetch('/account/api/grants/tsp2/revoke', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
      body: '{}',
    });
    return response.status;
  });
  expect(steveTried).toBe(404);
  expect((await fintech.gateway('GET', '/timeDeposit/balances', tokens.access_token)).status).toBe(200);
  const anne = await browser.newPage();
  await signInToPortal(anne, accountPage(), customer('anne'));
  const card = appCard(anne, 'Enjoy Life');
  await card.getByText('Status: Active').waitFor();
  expect(await card.textContent()).toContain('Connection reference: tsp2');

  // Act
  await anne.getByRole('button', { name: 'Stop sharing with Enjoy Life' }).click();
  const dialog = anne.getByRole('dialog', { name: 'Stop sharing with Enjoy Life?' });
  await dialog.waitFor();
  await checkScreen(anne, 'account-stop-sharing-grant-dialog');
  await dialog.getByRole('button', { name: 'Stop sharing' }).click();
  await anne.getByRole('status').filter({ hasText: 'You stopped sharing with Enjoy Life.' }).waitFor();
  await card.getByText('Status: Inactive (Revoked').waitFor();

  // Assess
  expect([401, 403]).toContain((await fintech.gateway('GET', '/demandDeposit/accounts', tokens.access_token)).status);
  await expect(oidc.refreshTokenGrant(enjoyLife.tpp.config, tokens.refresh_token!)).rejects.toMatchObject({
    error: 'invalid_grant',
  });
  expect(await anne.getByRole('button', { name: 'Stop sharing with Enjoy Life' }).count()).toBe(0);
  await checkScreen(anne, 'account-grant-revoked');
  await anne.close();
});
