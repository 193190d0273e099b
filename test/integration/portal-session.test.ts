/**
 * The portal foundation with the real sandbox and Debian chromium: sign-in at the bank's IdP through OIDC
 * federation, the `__Host-` session cookie, CSRF on state-changing calls, rotation on sign-in, sign-out.
 * The customer dashboard (`/account/`) is the portal under test; every portal shares `lambdas/http/portal.ts`.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { request } from 'undici';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { checkScreen, signInToPortal } from '../support/portal';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';

jest.setTimeout(120_000);

let sandbox: TestSandbox;
let browser: TestBrowser;
let page: Page;

const steve = () => sandbox.manifest.customers.find((c) => c.username === 'steve')!;
const api = (path: string) => `${sandbox.manifest.issuer}/account/api${path}`;

async function sessionCookie(context: BrowserContext) {
  return (await context.cookies(sandbox.manifest.issuer)).find((c) => c.name === '__Host-bankgate_account');
}

/** A call with only the cookie (and optionally a CSRF header), as another site's page could make it. */
async function callWithCookie(method: 'GET' | 'POST', path: string, cookie: string, csrf?: string) {
  const response = await request(api(path), {
    method,
    dispatcher: sandbox.browserAgent(),
    headers: {
      cookie: `__Host-bankgate_account=${cookie}`,
      'content-type': 'application/json',
      ...(csrf ? { 'x-csrf-token': csrf } : {}),
    },
    body: method === 'POST' ? '{}' : undefined,
  });
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  [sandbox, browser] = await Promise.all([startSandboxProcess(), launchBrowser()]);
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await sandbox?.stop();
});

test('signs in through the bank IdP into a __Host- session cookie (HttpOnly, Secure, Strict), with branding', async () => {
  // Act
  await page.goto(sandbox.manifest.urls.account_page);
  await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor();
  await checkScreen(page, 'account-sign-in');
  await signInToPortal(page, sandbox.manifest.urls.account_page, steve());

  // Assess
  const cookie = await sessionCookie(page.context());
  expect(cookie).toMatchObject({ path: '/', secure: true, httpOnly: true, sameSite: 'Strict' });
  expect(cookie!.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(await page.getByRole('banner').textContent()).toContain('Steve Morgan');
  // The logo is decoration next to the bank's name (alt=""), served from the bank's own origin.
  expect(await page.getByRole('banner').locator('img').getAttribute('src')).toBe('/branding/logo.svg');
  await expect(page.getByRole('link', { name: 'TPI Bank privacy policy' }).getAttribute('href')).resolves.toBe(
    'https://www.tpi-bank.example/privacy',
  );
});

test('a state-changing call needs the session CSRF token; GET /session hands it only to the cookie holder', async () => {
  // Prepare
  const cookie = (await sessionCookie(page.context()))!.value;

  // Act
  const session = await callWithCookie('GET', '/session', cookie);
  const withoutToken = await callWithCookie('POST', '/sign-out', cookie);
  const wrongToken = await callWithCookie('POST', '/sign-out', cookie, 'x'.repeat(43));
  const stillThere = await callWithCookie('GET', '/session', cookie);
  const noCookie = await request(api('/session'), { dispatcher: sandbox.browserAgent() });

  // Assess
  expect(session).toMatchObject({ status: 200, body: { subject: 'steve', name: 'Steve Morgan', roles: [] } });
  expect(Date.parse(session.body.expires_at as string)).toBeGreaterThan(Date.now());
  expect(withoutToken.status).toBe(403);
  expect(wrongToken.status).toBe(403);
  expect(stillThere.status).toBe(200);
  expect(noCookie.statusCode).toBe(401);
  expect(noCookie.headers['x-fapi-interaction-id']).toBeDefined();
  await noCookie.body.dump();
});

test('a new sign-in rotates the session: the old cookie no longer works', async () => {
  // Prepare
  const before = (await sessionCookie(page.context()))!.value;

  // Act
  await page.goto(api('/sign-in'));
  await page.waitForURL((url) => url.href.startsWith(sandbox.manifest.urls.account_page));
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  const after = (await sessionCookie(page.context()))!.value;

  // Assess: the IdP remembers Steve, so no form this time; the portal still starts a new session.
  expect(after).not.toBe(before);
  expect((await callWithCookie('GET', '/session', before)).status).toBe(401);
  expect((await callWithCookie('GET', '/session', after)).status).toBe(200);
});

test('"Sign out" ends the session on the server and in the browser', async () => {
  // Prepare
  const cookie = (await sessionCookie(page.context()))!.value;

  // Act
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor();

  // Assess
  expect(await sessionCookie(page.context())).toBeUndefined();
  expect((await callWithCookie('GET', '/session', cookie)).status).toBe(401);
});
