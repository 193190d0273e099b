/**
 * The TPP walkthrough app (seed 000 "TPP sample app") end to end against both sandbox banks, in Chromium:
 * pick the bank and the permissions, Connect, sign in and allow at the bank, and every step of the flow is
 * on one page with its raw HTTP exchange and x-fapi-interaction-id, the ID token's signature verified; the
 * trace downloads as JSON with its secrets truncated; a cancelled authorisation shows as the failed step.
 */
import type { Page } from 'playwright-core';
import { allowAtBank, signInAtBank } from '../support/bank-journey';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { type DemoSandbox, startDemoSandbox } from '../support/demo-sandbox';
import { checkScreen } from '../support/portal';

jest.setTimeout(240_000);

const STEPS = [
  '1. Client credentials token',
  '2. Account-access consent',
  '3. Request object (signed)',
  '4. Pushed authorization request (PAR)',
  '5. Authorization URL',
  '6. Callback parameters',
  '7. Token request and response',
  '8. ID token (signature verified)',
  '9. GET /accounts',
  '10. GET /balances',
  '11. GET /transactions',
];
/** Steps that call the bank (and so carry an x-fapi-interaction-id). */
const HTTP_STEPS = [STEPS[0], STEPS[1], STEPS[3], STEPS[6], STEPS[7], STEPS[8], STEPS[9], STEPS[10]];

describe('TPP walkthrough against TPI Bank and North Bank', () => {
  let demo: DemoSandbox;
  let browser: TestBrowser;
  let appUrl: string;

  beforeAll(async () => {
    [demo, browser] = await Promise.all([startDemoSandbox(), launchBrowser()]);
    appUrl = demo.manifest.apps.find((a) => a.name === 'TPP Sample App')!.url;
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
  });

  const step = (page: Page, title: string) =>
    page.getByRole('region', { name: new RegExp(`^${title.replace(/[.()/]/g, '\\$&')}`) });

  async function connect(page: Page, bank: string, screens?: string) {
    await page.goto(appUrl);
    if (screens) await checkScreen(page, `${screens}-start`);
    await page.getByRole('radio', { name: bank }).check();
    // Keep one permission per cluster off, to see the consent carry exactly the chosen ones.
    await page.getByRole('checkbox', { name: 'ReadTransactionsBasic' }).uncheck();
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('link', { name: `Continue to ${bank}` }).waitFor();
    if (screens) await checkScreen(page, `${screens}-registered`);
  }

  it.each([
    ['TPI Bank', 'PS256'],
    ['North Bank', 'ES256'],
  ])('runs every step at %s, with the ID token verified (%s)', async (bank, alg) => {
    const tenant = demo.manifest.tenants.find((t) => t.name === bank)!;
    const screens = `tpp-walkthrough-${bank.toLowerCase().replace(' ', '-')}`;
    const page = await browser.newPage();
    await connect(page, bank, bank === 'TPI Bank' ? 'tpp-walkthrough' : undefined);
    await page.getByRole('link', { name: `Continue to ${bank}` }).click();
    await signInAtBank(page, tenant.customers.find((c) => c.username === 'steve')!, screens);
    await allowAtBank(page);
    await page.waitForURL((url) => url.origin === appUrl && url.pathname === '/run');

    expect(await page.getByRole('status').textContent()).toBe('All steps completed.');
    expect(await page.getByRole('heading', { level: 2 }).allTextContents()).toEqual(STEPS);
    for (const title of HTTP_STEPS) {
      expect(await step(page, title!).textContent()).toMatch(/x-fapi-interaction-id: [0-9a-f-]{36}/);
    }
    const consent = await step(page, STEPS[1]!).textContent();
    expect(consent).toContain('"ReadTransactionsDetail"');
    expect(consent).not.toContain('"ReadTransactionsBasic"');
    expect(consent).toContain('AwaitingAuthorisation');
    const requestObject = await step(page, STEPS[2]!).textContent();
    expect(requestObject).toContain('"typ": "oauth-authz-req+jwt"');
    expect(requestObject).toContain('"openbanking_intent_id"');
    expect(await step(page, STEPS[3]!).textContent()).toContain('"request_uri": "urn:ietf:params:oauth:request_uri:');
    const idToken = await step(page, STEPS[7]!).textContent();
    expect(idToken).toContain(`Verified: ${alg} signature by key`);
    expect(idToken).toContain(`"iss": "${tenant.issuer}"`);
    expect(await step(page, STEPS[8]!).textContent()).toContain('"AccountId"');
    expect(await step(page, STEPS[9]!).textContent()).toContain('"InterimAvailable"');
    const transactions = await step(page, STEPS[10]!).textContent();
    expect(transactions).toContain('"TransactionId"');
    expect(transactions).toMatch(
      /This first page holds \d+ transactions; there is a next page \(Links\.Next\): https:\/\/\S+cursor=/,
    );
    // Secrets are only ever shown truncated
    const text = (await page.getByRole('main').textContent())!;
    expect(text).not.toMatch(/"access_token": "[^"…]{20,}"/);
    expect(text).toMatch(/authorization: Bearer [^\s]{8}…\(\d+ chars\)/);
    await checkScreen(page, `${screens}-run`);

    // The trace as JSON: every step, its exchanges, secrets truncated
    const download = await page.context().request.get(`${appUrl}/trace.json`);
    expect(download.headers()['content-disposition']).toMatch(/^attachment; filename="trace-/);
    const trace = (await download.json()) as {
      bank: string;
      status: string;
      steps: { title: string; exchanges: { interactionId?: string; response: { body?: string } }[] }[];
    };
    expect(trace).toMatchObject({ bank, status: 'complete' });
    expect(trace.steps.map((s) => s.title)).toEqual(STEPS);
    const tokenResponse = trace.steps[6]!.exchanges[0]!.response.body!;
    expect(JSON.parse(tokenResponse).access_token).toMatch(/…\(\d+ chars\)$/);
    // The PKCE verifier leaves the app only inside the token request, truncated
    expect(JSON.stringify(trace)).not.toMatch(/code_verifier=[^…\\]{20}/);
    expect(trace).not.toHaveProperty('verifier');
    await page.close();
  });

  it('shows a cancelled authorisation as the failed step with its error', async () => {
    const page = await browser.newPage();
    await connect(page, 'TPI Bank');
    await page.getByRole('link', { name: 'Continue to TPI Bank' }).click();
    await signInAtBank(page, demo.manifest.tenants[0]!.customers[0]!);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.waitForURL((url) => url.origin === appUrl && url.pathname === '/run');

    const failed = step(page, '6. Callback parameters');
    expect(await failed.getByRole('heading', { level: 2 }).textContent()).toBe('6. Callback parameters — failed');
    const alert = await failed.getByRole('alert').textContent();
    expect(alert).toContain('error: access_denied');
    expect(alert).toContain('error_description:');
    expect(alert).toContain('x-fapi-interaction-id:');
    expect(await page.getByRole('heading', { level: 2 }).count()).toBe(6);
    await checkScreen(page, 'tpp-walkthrough-cancelled');
    await page.close();
  });
});
