import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { checkScreen } from '../support/portal';
import { type StaticServer, startStaticServer } from '../support/static-server';

/**
 * The consent SPA, built by Vite and served under /consent/ as in the sandbox, in Debian chromium.
 * The consent-session API is stubbed at the network layer, so these tests pin the page's contract
 * with it: what it shows, what it posts, where it sends the browser.
 */

jest.setTimeout(60_000);

const repoRoot = join(__dirname, '..', '..');
const apiBaseUrl = 'https://auth.bank.test';
const tppCallback = 'https://tpp.example/callback';
const loginId = 'login-7f3a';
const loginState = 'state-Q2x9';

const session = {
  login_id: loginId,
  consent_id: 'aac-1234',
  status: 'AwaitingAuthorisation',
  client: { client_id: 'tsp2', client_name: 'Enjoy Life', logo_uri: null, agent_name: 'Budget Buddy Ltd' },
  permissions: [
    'ReadAccountsBasic',
    'ReadAccountsDetail',
    'ReadBalances',
    'ReadTransactionsCredits',
    'ReadTransactionsDebits',
    'ReadTransactionsDetail',
  ],
  requested_scopes: ['openid', 'accounts'],
  expiration_date_time: '2027-01-01T12:00:00Z',
  transaction_from_date_time: '2026-01-01T12:00:00Z',
  transaction_to_date_time: '2026-12-31T12:00:00Z',
  subject: 'steve',
  customer_name: 'Steve Smith',
  accounts: [
    {
      account_id: 'acc-current',
      nickname: 'Everyday Current',
      masked_number: '••••5678',
      currency: 'GBP',
      account_type: 'Personal',
      account_sub_type: 'CurrentAccount',
      description: null,
      has_sort_code: true,
    },
    {
      account_id: 'acc-savings',
      nickname: 'Rainy Day Saver',
      masked_number: '••••4321',
      currency: 'GBP',
      account_type: 'Personal',
      account_sub_type: 'Savings',
      description: null,
      has_sort_code: true,
    },
    {
      account_id: 'acc-deposit',
      nickname: 'TWD time deposit',
      masked_number: '••••0003',
      currency: 'TWD',
      account_type: 'Personal',
      account_sub_type: 'Savings',
      description: '12-month time deposit',
      has_sort_code: false,
    },
  ],
  scope_groups: [{ id: 'demandDeposits', label: 'Demand deposits', description: 'Current account data' }],
  // Far enough away for every test but the ones about the session's end, which set their own.
  session_expires_at: new Date(Date.now() + 3600_000).toISOString(),
  return_on_expiry: `${tppCallback}?error=access_denied&state=tpp-state`,
};

const privacyPolicyUrl = 'https://www.tpi-bank.example/privacy';

interface ApiCall {
  readonly method: string;
  readonly url: string;
  readonly body: unknown;
  readonly cookie?: string;
  readonly loginState?: string;
}

let outDir: string;
let server: StaticServer;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'bankgate-web-'));
  execFileSync(
    process.execPath,
    [
      join(repoRoot, 'node_modules/vite/bin/vite.js'),
      'build',
      'web',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'error',
    ],
    { cwd: repoRoot, stdio: 'pipe' },
  );
  writeFileSync(
    join(outDir, 'config.json'),
    JSON.stringify({
      apiBaseUrl,
      tenantName: 'TPI Bank',
      branding: { logoUrl: null, primaryColour: '#0b5394', privacyPolicyUrl },
    }),
  );
  // The site as CloudFront serves it: config.json at the root, one page per portal.
  server = await startStaticServer(outDir, '/');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(outDir, { recursive: true, force: true });
});

beforeEach(async () => {
  context = await browser.newContext({ locale: 'en-GB', timezoneId: 'Europe/London' });
  // The customer's session as the API sets it: an HttpOnly cookie the SPA never reads.
  await context.addCookies([
    { name: 'bg_session', value: 'opaque-session', url: apiBaseUrl, httpOnly: true, secure: true, sameSite: 'None' },
  ]);
});

afterEach(async () => {
  await context.close();
});

/** Stubs the consent-session API (with the CORS answers a cross-origin API gives) and the TPP's callback page. */
async function stubApi(
  page: Page,
  load: { status: number; body: unknown; delay?: Promise<void> } = { status: 200, body: session },
) {
  const calls: ApiCall[] = [];
  const pageOrigin = new URL(server.url).origin;
  const cors = { 'access-control-allow-origin': pageOrigin, 'access-control-allow-credentials': 'true' };
  await page.route(`${apiBaseUrl}/consent-api/**`, async (route, request) => {
    if (request.method() === 'OPTIONS') {
      await route.fulfill({
        status: 204,
        headers: {
          ...cors,
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'content-type, x-login-state',
        },
      });
      return;
    }
    calls.push(await describeCall(request));
    const decided = request.method() === 'POST';
    if (!decided) await load.delay;
    await route.fulfill({
      status: decided ? 200 : load.status,
      headers: cors,
      contentType: 'application/json',
      body: JSON.stringify(decided ? { redirect_to: `${tppCallback}?code=c0de&state=tpp-state` } : load.body),
    });
  });
  await page.route(`${tppCallback}**`, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<h1>Back at Enjoy Life</h1>' }),
  );
  return calls;
}

async function describeCall(request: Request): Promise<ApiCall> {
  const headers = await request.allHeaders();
  return {
    method: request.method(),
    url: request.url(),
    body: request.postDataJSON(),
    cookie: headers.cookie,
    ...(headers['x-login-state'] ? { loginState: headers['x-login-state'] } : {}),
  };
}

async function openConsentPage(page: Page) {
  const query = new URLSearchParams({ login_id: loginId });
  await page.goto(`${server.url}consent/?${query}#${new URLSearchParams({ login_state: loginState })}`);
  await page.getByRole('heading', { level: 1 }).waitFor();
}

const allow = (page: Page) => page.getByRole('button', { name: 'Allow', exact: true });
const cancel = (page: Page) => page.getByRole('button', { name: 'Cancel', exact: true });
const accountList = (page: Page) => page.getByRole('group', { name: 'Choose the accounts to share' });
const privacy = (page: Page) => page.getByRole('checkbox', { name: 'I have read and agreed to the Privacy Policy' });

test('shows the bank, the fintech and the requested data in plain language', async () => {
  // Prepare
  const page = await context.newPage();
  const calls = await stubApi(page);

  // Act
  await openConsentPage(page);

  // Assess
  const text = await page.getByRole('main').textContent();
  expect(await page.getByRole('banner').textContent()).toContain('TPI Bank');
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
    'Enjoy Life wants to access your account information',
  );
  for (const line of [
    'Your Account Details',
    'Your Account Transactions',
    'Your account names, types and currencies',
    'Your account numbers and sort codes',
    'Your account balances',
    'Your incoming transactions',
    'Your outgoing transactions',
    'Your transaction details',
    'Transactions from 1 January 2026 to 31 December 2026',
    'Until 1 January 2027',
    'On behalf of Budget Buddy Ltd',
  ]) {
    expect(text).toContain(line);
  }
  expect(text).not.toMatch(/Read[A-Z]\w+/);
  // Services are never pre-ticked; clusters are in the Guidelines' order.
  expect(await page.getByRole('checkbox', { name: 'Demand deposits', exact: true }).isChecked()).toBe(false);
  expect(text!.indexOf('Your Account Details')).toBeLessThan(text!.indexOf('Your Account Transactions'));
  expect(await page.getByRole('link', { name: 'You can cancel access at any time' }).getAttribute('href')).toBe(
    '../account/',
  );
  await checkScreen(page, 'consent-normal');
  // Only the consent load, with the session cookie. Chromium sometimes replays the very first cross-origin
  // request of a fresh browser at the interception layer, so the count is not asserted.
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) {
    expect(call).toEqual({
      method: 'GET',
      url: `${apiBaseUrl}/consent-api/account-access-consent/${loginId}`,
      body: null,
      cookie: 'bg_session=opaque-session',
      loginState,
    });
  }
  // login_state came in the fragment and is gone from the address bar (and from history).
  expect(page.url()).toBe(`${server.url}consent/?login_id=${loginId}`);
});

test('offers one unticked checkbox per account, named by nickname and masked number, and "Select all"', async () => {
  // Prepare
  const page = await context.newPage();
  await stubApi(page);

  // Act
  await openConsentPage(page);
  const current = accountList(page).getByRole('checkbox', { name: 'Everyday Current ••••5678' });
  const savings = accountList(page).getByRole('checkbox', { name: 'Rainy Day Saver ••••4321' });
  const deposit = accountList(page).getByRole('checkbox', { name: 'TWD time deposit ••••0003' });
  const before = [await current.isChecked(), await savings.isChecked(), await deposit.isChecked()];
  await accountList(page).getByRole('checkbox', { name: 'Select all' }).check();

  // Assess
  expect(await accountList(page).getByRole('checkbox', { name: /••••/ }).count()).toBe(3);
  expect(before).toEqual([false, false, false]);
  expect([await current.isChecked(), await savings.isChecked(), await deposit.isChecked()]).toEqual([true, true, true]);
  // A time deposit is named as the bank names it, not "savings account"; no balance is shown.
  const text = await accountList(page).textContent();
  expect(text).toContain('12-month time deposit · TWD');
  expect(text).not.toMatch(/savings account · TWD|£|balance/i);
});

test('Allow stays disabled until an account is chosen, then posts exactly the choice and follows redirect_to', async () => {
  // Prepare
  const page = await context.newPage();
  const calls = await stubApi(page);
  await openConsentPage(page);
  const disabledBeforeChoice = await allow(page).isDisabled();
  const hintBeforeChoice = await page.getByText('Choose at least one account to continue.').isVisible();

  // Act
  await accountList(page).getByRole('checkbox', { name: 'Rainy Day Saver ••••4321' }).check();
  const disabledBeforeAgreement = await allow(page).isDisabled();
  await privacy(page).check();
  await checkScreen(page, 'consent-privacy-agreed');
  await allow(page).click();
  await page.waitForURL(`${tppCallback}**`);

  // Assess
  expect([disabledBeforeChoice, hintBeforeChoice, disabledBeforeAgreement]).toEqual([true, true, true]);
  expect(page.url()).toBe(`${tppCallback}?code=c0de&state=tpp-state`);
  expect(calls.filter((call) => call.method === 'POST')).toEqual([
    {
      method: 'POST',
      url: `${apiBaseUrl}/consent-api/account-access-consent/${loginId}/accept`,
      body: {
        granted_scopes: ['openid', 'accounts'],
        account_ids: ['acc-savings'],
        login_state: loginState,
      },
      cookie: 'bg_session=opaque-session',
    },
  ]);
});

test('Cancel rejects with access_denied and follows redirect_to', async () => {
  // Prepare
  const page = await context.newPage();
  const calls = await stubApi(page);
  await openConsentPage(page);

  // Act
  await cancel(page).click();
  await page.waitForURL(`${tppCallback}**`);

  // Assess
  expect(calls.filter((call) => call.method === 'POST')).toEqual([
    {
      method: 'POST',
      url: `${apiBaseUrl}/consent-api/account-access-consent/${loginId}/reject`,
      body: { login_state: loginState, error: 'access_denied', error_description: 'The customer cancelled' },
      cookie: 'bg_session=opaque-session',
    },
  ]);
});

test('an expired session shows an alert and no Allow button', async () => {
  // Prepare
  const page = await context.newPage();
  await stubApi(page, { status: 401, body: { error: 'login_required', error_description: 'Session expired' } });

  // Act
  await openConsentPage(page);

  // Assess
  expect(await page.getByRole('alert').textContent()).toContain('Your session has expired');
  expect(await allow(page).count()).toBe(0);
  await checkScreen(page, 'consent-error');
});

test('while loading, the page says so', async () => {
  // Prepare
  const page = await context.newPage();
  let release!: () => void;
  await stubApi(page, { status: 200, body: session, delay: new Promise<void>((resolve) => (release = resolve)) });

  // Act
  await page.goto(
    `${server.url}consent/?${new URLSearchParams({ login_id: loginId })}#${new URLSearchParams({ login_state: loginState })}`,
  );
  await page.getByRole('status').filter({ hasText: 'Loading the details of this request' }).waitFor();

  // Assess
  await checkScreen(page, 'consent-loading');
  release();
  await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Enjoy Life' }).waitFor();
});

test("shows the time left from the server's session expiry and warns two minutes before the end", async () => {
  // Prepare
  const page = await context.newPage();
  const expiresAt = new Date(Date.now() + 100_000).toISOString();
  await stubApi(page, { status: 200, body: { ...session, session_expires_at: expiresAt } });

  // Act
  await openConsentPage(page);
  const warning = page.getByRole('alert').filter({ hasText: 'Your session is about to end' });
  await warning.waitFor();

  // Assess
  expect(await page.getByText('Time left to answer:').textContent()).toMatch(/1 minute \d+ seconds|\d+ seconds/);
  await checkScreen(page, 'consent-session-warning');
});

test('when the session ends unanswered: a plain message and the way back to the fintech (access_denied)', async () => {
  // Prepare
  const page = await context.newPage();
  const expiresAt = new Date(Date.now() + 2_000).toISOString();
  await stubApi(page, { status: 200, body: { ...session, session_expires_at: expiresAt } });

  // Act
  await openConsentPage(page);
  await page.getByRole('heading', { level: 1, name: 'Your session has ended' }).waitFor();
  await checkScreen(page, 'consent-expired');
  await page.getByRole('link', { name: 'Return to Enjoy Life' }).click();
  await page.waitForURL(`${tppCallback}**`);

  // Assess
  expect(page.url()).toBe(`${tppCallback}?error=access_denied&state=tpp-state`);
  expect(await allow(page).count()).toBe(0);
});

test('without a login_id there is nothing to do', async () => {
  // Prepare
  const page = await context.newPage();
  const calls = await stubApi(page);

  // Act
  await page.goto(`${server.url}consent/`);
  await page.getByRole('heading', { level: 1 }).waitFor();

  // Assess
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Nothing to do here');
  expect(calls).toEqual([]);
});
