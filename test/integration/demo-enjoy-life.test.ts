/**
 * "Enjoy Life" end to end in Chromium against both sandbox banks:
 *   - seed 004's Resource Owner scenario for Anne (steps 1–8-2): log in, connect TPI Bank (sign in, authorise),
 *     view her time deposit balance, request roadside assistance (JWS request, JWE response), narrow access to
 *     credit cards only, and see "the user has not authorized this function" for demand deposits;
 *   - seed 000's Financroo steps for Steve: both banks connected, the dashboard shows the accounts of both, and
 *     the spending charts' tables match the transactions; filters; disconnect revokes the consent at the bank;
 *     a consent revoked without the app's knowledge shows "Reconnect".
 */
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { demoBank } from '../../sandbox/seed';
import { NORTH_BANK, TPI_BANK } from '../../sandbox/tenants';
import { allowAtBank, signInAtBank } from '../support/bank-journey';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { type DemoSandbox, startDemoSandbox } from '../support/demo-sandbox';
import { checkScreen } from '../support/portal';
import { deleteConsent, tppClient } from '../support/tpp';

jest.setTimeout(300_000);

const ALL_GROUPS = ['Demand deposits', 'Time deposits', 'Credit cards'];

describe('Enjoy Life', () => {
  let demo: DemoSandbox;
  let browser: TestBrowser;
  let appUrl: string;

  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDemoSandbox(), launchBrowser()]);
    appUrl = demo.manifest.apps.find((a) => a.name === 'Enjoy Life')!.url;
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  const user = (username: string) =>
    demo.manifest.apps.find((a) => a.name === 'Enjoy Life')!.users.find((u) => u.username === username)!;
  const customer = (bank: string, username: string) =>
    demo.manifest.tenants.find((t) => t.name === bank)!.customers.find((c) => c.username === username)!;

  async function logIn(page: Page, username: string, screens?: string) {
    await page.goto(appUrl);
    if (screens) await checkScreen(page, `${screens}-log-in`);
    await page.getByRole('textbox', { name: 'Username' }).fill(username);
    await page.getByRole('textbox', { name: 'Password' }).fill(user(username).password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: /^Hello/ }).waitFor();
  }

  /** From the "Connect a bank" (or "Manage access") form: choose, go to the bank, authorise, come back. */
  async function authorise(
    page: Page,
    bank: string,
    options: { share?: readonly string[]; groups?: readonly string[]; username: string; screens?: string },
  ) {
    await page.getByRole('radio', { name: bank }).check();
    if (options.share) {
      for (const box of await page
        .getByRole('group', { name: 'What Enjoy Life may see and do' })
        .getByRole('checkbox')
        .all()) {
        const label = (await box.evaluate((el) => el.parentElement?.textContent ?? '')).trim();
        await box.setChecked(options.share.includes(label));
      }
    }
    if (options.screens) await checkScreen(page, `${options.screens}-choose`);
    await page.getByRole('button', { name: 'Go to the bank' }).click();
    await signInAtBank(page, customer(bank, options.username), options.screens);
    await allowAtBank(page, options.groups);
    await page.waitForURL((url) => url.origin === appUrl);
    expect(await page.getByRole('status').first().textContent()).toBe(`Connected to ${bank}.`);
  }

  async function tableRows(page: Page, name: string | RegExp): Promise<string[][]> {
    const table = page.getByRole('table', { name, exact: typeof name === 'string' });
    return table
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('th, td')].map((cell) => (cell.textContent ?? '').trim())),
      );
  }

  it("Anne: seed 004's Resource Owner scenario, steps 1 to 8-2", async () => {
    const page = await browser.newPage();
    // Step 1: log in to Enjoy Life
    await logIn(page, 'anne', 'enjoy-life');
    await checkScreen(page, 'enjoy-life-dashboard-empty');

    // Steps 2-6: grant Enjoy Life access at TPI Bank (sign in, agree, choose the items), back "Connected"
    await page.getByRole('link', { name: 'Connect a bank' }).first().click();
    await authorise(page, 'TPI Bank', { groups: ALL_GROUPS, username: 'anne', screens: 'enjoy-life-tpi-bank' });
    await checkScreen(page, 'enjoy-life-dashboard-anne');

    // Step 7-1: View Time Deposit Balance -> Query
    await page.getByRole('link', { name: 'View Time Deposit Balance' }).click();
    await page.getByRole('button', { name: 'Query' }).click();
    const deposits = await tableRows(page, 'Time deposit balances');
    expect(deposits).toHaveLength(1);
    expect(deposits[0]![0]).toBe('****0003');
    expect(deposits[0]![3]).toBe('TWD');
    expect(Number(deposits[0]![2])).toBeGreaterThan(1_200_000);
    await checkScreen(page, 'enjoy-life-time-deposits');

    // Step 7-2: Request Credit Card Roadside Assistance (request signed by the app, answer encrypted to it)
    await page.getByRole('link', { name: 'Request Credit Card Roadside Assistance' }).click();
    await page.getByRole('textbox', { name: 'Credit Card Number' }).fill('4111 1111 1111 1111');
    await page.getByRole('textbox', { name: 'Vehicle Plate Number' }).fill('abc-1234');
    await page.getByRole('button', { name: 'Request' }).click();
    expect(await page.getByRole('status').textContent()).toBe('TPI Bank accepted the request (status Accepted).');
    expect(await page.getByRole('main').textContent()).toContain('ABC-1234');
    await checkScreen(page, 'enjoy-life-roadside');

    // Step 8-1: repeat the authorisation; on the bank's authorisation items keep credit cards only
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('link', { name: 'Manage access' }).click();
    await authorise(page, 'TPI Bank', { groups: ['Credit cards'], username: 'anne' });
    const shared = await page.getByRole('region', { name: 'TPI Bank', exact: true }).textContent();
    expect(shared).toContain('Credit card services, such as roadside assistance.');
    expect(shared).not.toContain('deposit');

    // Step 8-2: demand deposits are no longer authorised; a button grants them again
    await page.getByRole('link', { name: 'View Demand Deposit Balance' }).click();
    await page.getByRole('button', { name: 'Query' }).click();
    expect(await page.getByRole('alert').textContent()).toBe('TPI Bank: the user has not authorized this function');
    await page.getByRole('link', { name: 'Grant access to this service' }).waitFor();
    await checkScreen(page, 'enjoy-life-not-authorized');
    // ...while roadside assistance still works
    await page.getByRole('link', { name: 'Request Credit Card Roadside Assistance' }).click();
    await page.getByRole('textbox', { name: 'Credit Card Number' }).fill('4111111111111111');
    await page.getByRole('textbox', { name: 'Vehicle Plate Number' }).fill('ABC-1234');
    await page.getByRole('button', { name: 'Request' }).click();
    expect(await page.getByRole('status').textContent()).toContain('accepted the request');
    await page.close();
  });

  it('Steve: both banks on one dashboard, charts that match the transactions, disconnect and bank-side revocation', async () => {
    const page = await browser.newPage();
    await logIn(page, 'steve');
    await page.getByRole('link', { name: 'Connect a bank' }).first().click();
    const accountsOnly = ['Your accounts, balances and transactions'];
    await authorise(page, 'TPI Bank', { share: accountsOnly, username: 'steve' });
    await page.getByRole('link', { name: 'Connect a bank' }).first().click();
    await authorise(page, 'North Bank', { share: accountsOnly, username: 'steve', screens: 'enjoy-life-north-bank' });

    // Accounts of both banks (Steve shared all of them)
    const accounts = await tableRows(page, 'Accounts');
    expect(accounts.filter((r) => r[0] === 'TPI Bank')).toHaveLength(3);
    expect(accounts.filter((r) => r[0] === 'North Bank')).toHaveLength(2);
    await checkScreen(page, 'enjoy-life-dashboard-steve');

    // The transactions are the banks' own for the three months shown (the demo data is deterministic)
    const months = (await tableRows(page, 'Spending by month')).map((r) => r[0]!);
    const transactions = await tableRows(page, /^Recent transactions/);
    const bankCount = (tenantName: string, anchorIso: string) =>
      demoBank(new Date(anchorIso), tenantName === 'TPI Bank' ? TPI_BANK : NORTH_BANK).transactions.filter(
        (t) => t.AccountId.startsWith('steve-') && months.includes(t.BookingDateTime.slice(0, 7)),
      ).length;
    expect(transactions.filter((r) => r[1]!.startsWith('TPI Bank:'))).toHaveLength(
      bankCount('TPI Bank', demo.tpi.manifest.demo_data_anchor),
    );
    expect(transactions.filter((r) => r[1]!.startsWith('North Bank:'))).toHaveLength(
      bankCount('North Bank', demo.north.manifest.demo_data_anchor),
    );

    // Spending counts debits only; the chart tables add up the listed transactions
    const spending = (rows: string[][], key: (row: string[]) => string) => {
      const sums = new Map<string, number>();
      for (const row of rows.filter((r) => r[4]!.startsWith('−'))) {
        const id = `${key(row)}|${row[5]}`;
        sums.set(id, Math.round(((sums.get(id) ?? 0) + Number(row[4]!.replace(/[−,]|out/g, ''))) * 100) / 100);
      }
      return sums;
    };
    const asMap = (rows: string[][]) =>
      new Map(rows.filter((r) => Number(r[1]!.replace(/,/g, '')) > 0).map((r) => [`${r[0]}|${r[2]}`, Number(r[1])]));
    const byCategory = await tableRows(page, 'Spending by category');
    expect(asMap(byCategory)).toEqual(spending(transactions, (r) => r[3]!));
    const byMonth = await tableRows(page, 'Spending by month');
    expect(asMap(byMonth)).toEqual(spending(transactions, (r) => r[0]!.slice(0, 7)));
    expect(byCategory.length).toBeGreaterThan(3);
    expect(await page.getByRole('img', { name: /^Spending by category \(GBP\)/ }).count()).toBe(1);
    expect(await page.getByRole('img', { name: /^Spending by month \(GBP\)/ }).count()).toBe(1);

    // Filters: one bank, one category
    await page.getByRole('combobox', { name: 'Bank' }).selectOption('North Bank');
    await page.getByRole('combobox', { name: 'Category' }).selectOption('Groceries');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const filtered = await tableRows(page, /^Recent transactions/);
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((r) => r[1]!.startsWith('North Bank:') && r[3] === 'Groceries')).toBe(true);
    expect(asMap(await tableRows(page, 'Spending by category'))).toEqual(spending(filtered, (r) => r[3]!));
    await checkScreen(page, 'enjoy-life-dashboard-filtered');

    // Disconnect North Bank: the consent is Revoked at the bank
    await page.goto(appUrl);
    const northSection = page.getByRole('region', { name: 'North Bank', exact: true });
    const consentId = (await northSection.locator('code').textContent())!;
    await page.getByRole('button', { name: 'Disconnect North Bank' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Disconnected from North Bank.');
    const atNorth = await tppClient(demo.north, 'tsp2');
    const { access_token } = await oidc.clientCredentialsGrant(atNorth.config, { scope: 'accounts' });
    const consent = await atNorth.fetch(
      `${demo.north.manifest.mtls_base_url}/open-banking/v3.1/aisp/account-access-consents/${consentId}`,
      { headers: { authorization: `Bearer ${access_token}` } },
    );
    expect((await consent.json()).Data.Status).toBe('Revoked');
    expect(await page.getByRole('table', { name: 'Accounts' }).locator('tbody tr').count()).toBe(3);

    // TPI Bank's consent revoked without Enjoy Life's knowledge: the dashboard offers "Reconnect"
    const tpiConsent = (await page
      .getByRole('region', { name: 'TPI Bank', exact: true })
      .locator('code')
      .textContent())!;
    await deleteConsent(demo.tpi, await tppClient(demo.tpi, 'tsp2'), tpiConsent);
    await page.reload();
    await page.getByRole('button', { name: 'Reconnect' }).waitFor();
    expect(
      await page.getByRole('region', { name: 'TPI Bank', exact: true }).getByRole('alert').textContent(),
    ).toContain('TPI Bank no longer gives Enjoy Life access');
    await checkScreen(page, 'enjoy-life-reconnect');
    await page.close();
  });

  it('tells a refusal at the bank apart: Cancel is access_denied, nothing connected', async () => {
    const page = await browser.newPage();
    await logIn(page, 'steve');
    await page.getByRole('link', { name: 'Connect a bank' }).first().click();
    await page.getByRole('radio', { name: 'North Bank' }).check();
    await page.getByRole('button', { name: 'Go to the bank' }).click();
    await signInAtBank(page, customer('North Bank', 'steve'));
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL((url) => url.origin === appUrl);
    expect(await page.getByRole('alert').first().textContent()).toBe(
      'You did not give Enjoy Life access at North Bank. Nothing was shared.',
    );
    await page.close();
  });
});
