/**
 * Federated login end to end: Bankgate's OIDC relying party (openid-client) against the sandbox's demo IdP
 * (oidc-provider on local HTTPS), with a headless chromium playing the bank's customer.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { Agent } from 'undici';
import {
  createOidcIdentityProvider,
  type OidcIdentityProviderOptions,
} from '../../lambdas/adapters/oidc-identity-provider';
import {
  APP_NAME_PARAMETER,
  type IdentityProvider,
  IdentityProviderError,
} from '../../lambdas/ports/identity-provider';
import { type DemoIdp, type DemoIdpOptions, SCA_ACR, startDemoIdp } from '../../sandbox/idp/server';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { checkScreen } from '../support/portal';
import { createThrowawayPki } from '../support/throwaway-pki';

jest.setTimeout(60_000);

const REDIRECT_URI = 'https://bankgate.test/idp/callback';
const CLIENT = {
  client_id: 'bankgate',
  client_secret: 'a-demo-client-secret-of-enough-length',
  redirect_uris: [REDIRECT_URI],
};
const ALICE = {
  username: 'alice',
  password: 'correct horse battery staple',
  subject: 'cust-0001',
  name: 'Alice Example',
};

/** The sample tenants' branding from cdk.json, as the sandbox gives it to each bank's IdP. */
const ROOT = path.join(__dirname, '..', '..');
const tenants = JSON.parse(readFileSync(path.join(ROOT, 'cdk.json'), 'utf8')).context['bankgate:tenants'];
const TPI_BANK = {
  bankName: 'TPI Bank',
  primaryColour: tenants['tpi-bank'].branding.primaryColour as string,
  logoSvg: readFileSync(path.join(ROOT, tenants['tpi-bank'].branding.logoFile), 'utf8'),
};
const NORTH_BANK = { bankName: 'North Bank', primaryColour: tenants['north-bank'].branding.primaryColour as string };

let dataDir: string;
let idpOptions: DemoIdpOptions;
let idp: DemoIdp;
let rp: IdentityProvider;
let browser: TestBrowser;
/** Node's fetch over an agent that trusts the throwaway CA (jest's VM context hides undici's global dispatcher). */
let fetchTrustingTestCa: (url: string, init?: RequestInit) => Promise<Response>;

beforeAll(async () => {
  const pki = await createThrowawayPki();
  const trustingAgent = new Agent({ connect: { ca: pki.caCert } });
  fetchTrustingTestCa = (url, init) => fetch(url, { ...init, dispatcher: trustingAgent } as RequestInit);
  dataDir = await mkdtemp(path.join(tmpdir(), 'bankgate-idp-'));
  idpOptions = {
    port: 0,
    dataDir,
    tls: { key: pki.serverKey, cert: pki.serverCert },
    customers: [ALICE],
    clients: [CLIENT],
    branding: TPI_BANK,
  };
  [idp, browser] = await Promise.all([startDemoIdp(idpOptions), launchBrowser()]);
  rp = relyingParty(idp.issuer);
});

/** Bankgate's relying party for the IdP at `issuer` (discovery on first use). */
const relyingParty = (issuer: string) =>
  createOidcIdentityProvider({
    issuer,
    clientId: CLIENT.client_id,
    clientSecret: CLIENT.client_secret,
    customFetch: fetchTrustingTestCa as unknown as OidcIdentityProviderOptions['customFetch'],
  });

afterAll(async () => {
  await Promise.all([idp?.close(), browser?.close()]);
  await rm(dataDir, { recursive: true, force: true });
});

/** Resolves with the URL the IdP sends the browser back to; the redirect URI's host never needs to exist. */
async function captureCallback(page: Page): Promise<() => Promise<string>> {
  let resolveCallback: (url: string) => void;
  const callback = new Promise<string>((resolve) => {
    resolveCallback = resolve;
  });
  await page.route(`${REDIRECT_URI}?*`, async (route) => {
    resolveCallback(route.request().url());
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'Back at Bankgate' });
  });
  return () => callback;
}

async function signIn(page: Page, loginUrl: string, password: string): Promise<void> {
  if (page.url() !== loginUrl) await page.goto(loginUrl);
  await page.getByRole('textbox', { name: 'Username' }).fill(ALICE.username);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a customer signs in at the bank and Bankgate learns who, how and when', async () => {
  // Prepare
  const page = await browser.newPage();
  const callback = await captureCallback(page);
  const startedAt = Math.floor(Date.now() / 1000);

  // Act
  const login = await rp.startLogin({ redirectUri: REDIRECT_URI, loginHint: ALICE.username });
  await page.goto(login.url);
  const bankHeadingShown = await page.getByRole('heading', { name: 'TPI Bank' }).isVisible();
  const prefilledUsername = await page.getByRole('textbox', { name: 'Username' }).inputValue();
  await signIn(page, login.url, ALICE.password);
  const customer = await rp.completeLogin({
    callbackUrl: await callback(),
    redirectUri: REDIRECT_URI,
    expected: login,
  });

  // Assess
  expect(new URL(login.url).origin).toBe(idp.issuer);
  expect(bankHeadingShown).toBe(true);
  expect(prefilledUsername).toBe(ALICE.username);
  expect(customer).toEqual({
    subject: ALICE.subject,
    name: ALICE.name,
    acr: SCA_ACR,
    authTime: expect.any(Number),
    // Every verified ID token claim, for admission rules (a staff IdP's role claim).
    claims: expect.objectContaining({ iss: idp.issuer, sub: ALICE.subject, name: ALICE.name, acr: SCA_ACR }),
  });
  expect(customer.claims.auth_time).toBe(customer.authTime);
  expect(customer.authTime).toBeGreaterThanOrEqual(startedAt);
  expect(customer.authTime).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
});

test('a wrong password is refused on the sign-in page with an alert', async () => {
  // Prepare
  const page = await browser.newPage();
  let redirectedBack = false;
  await page.route(`${REDIRECT_URI}?*`, async (route) => {
    redirectedBack = true;
    await route.abort();
  });
  const login = await rp.startLogin({ redirectUri: REDIRECT_URI });

  // Act
  const answer = page.waitForResponse((response) => response.request().method() === 'POST');
  await signIn(page, login.url, 'not the password');
  const response = await answer;

  // Assess
  expect(response.status()).toBe(401);
  expect(await page.getByRole('alert').textContent()).toBe('The username or password is incorrect.');
  expect(new URL(page.url()).pathname).toMatch(/^\/interaction\//);
  expect(await page.getByRole('textbox', { name: 'Password' }).inputValue()).toBe('');
  expect(redirectedBack).toBe(false);
});

test('a callback whose state was tampered with is rejected', async () => {
  // Prepare
  const page = await browser.newPage();
  const callback = await captureCallback(page);
  const login = await rp.startLogin({ redirectUri: REDIRECT_URI });
  await signIn(page, login.url, ALICE.password);
  const tampered = new URL(await callback());
  tampered.searchParams.set('state', `${login.state}x`);

  // Act
  const completing = rp.completeLogin({ callbackUrl: tampered.href, redirectUri: REDIRECT_URI, expected: login });

  // Assess
  await expect(completing).rejects.toBeInstanceOf(IdentityProviderError);
  await expect(completing).rejects.toThrow(/state/);
});

test('an error answered by the IdP surfaces as an IdentityProviderError carrying its code', async () => {
  // Prepare
  const login = await rp.startLogin({ redirectUri: REDIRECT_URI });
  const callbackUrl = `${REDIRECT_URI}?${new URLSearchParams({ error: 'access_denied', state: login.state, iss: idp.issuer })}`;

  // Act
  const completing = rp.completeLogin({ callbackUrl, redirectUri: REDIRECT_URI, expected: login });

  // Assess
  await expect(completing).rejects.toMatchObject({ name: 'IdentityProviderError', error: 'access_denied' });
});

test('a restarted IdP on the same data directory keeps its signing key', async () => {
  // Prepare
  const kidsOf = async (issuer: string) => {
    const jwks = (await (await fetchTrustingTestCa(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    return jwks.keys.map((key) => key.kid);
  };
  const before = await kidsOf(idp.issuer);

  // Act
  await idp.close();
  idp = await startDemoIdp(idpOptions);
  const after = await kidsOf(idp.issuer);

  // Assess
  expect(before).toHaveLength(1);
  expect(after).toEqual(before);
});

it('answers its root with a landing page naming the bank and linking its discovery and the bank', async () => {
  const response = await fetchTrustingTestCa(`${idp.issuer}/`);
  const page = await response.text();
  expect(response.status).toBe(200);
  expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  expect(page).toContain('<h1>TPI Bank: sign-in service (sandbox)</h1>');
  expect(page).toContain('href="/.well-known/openid-configuration"');
  expect(page).toContain('href="https://bankgate.test/"');
});

describe('the sign-in page says which bank and which app, in the bank branding', () => {
  // The IdP may have been restarted on another port above: a relying party of its current issuer.
  let tpiRp: IdentityProvider;
  beforeAll(() => {
    tpiRp = relyingParty(idp.issuer);
  });
  const headerColour = (page: Page) =>
    page.locator('header').evaluate((header) => getComputedStyle(header).backgroundColor);
  const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

  it('names the app Bankgate pushed, with TPI Bank colour and logo, accessible', async () => {
    // Prepare
    const page = await browser.newPage();
    // Act
    const login = await tpiRp.startLogin({ redirectUri: REDIRECT_URI, appName: 'Enjoy Life' });
    await page.goto(login.url);
    // Assess
    await page.getByRole('heading', { name: 'Sign in to TPI Bank' }).waitFor();
    expect(
      await page.getByText('Enjoy Life asks for access to your TPI Bank accounts.', { exact: false }).count(),
    ).toBe(1);
    expect(await page.getByRole('banner').textContent()).toContain('TPI Bank');
    expect(await page.locator('header .logo svg').count()).toBe(1);
    expect(await headerColour(page)).toBe(rgb(TPI_BANK.primaryColour));
    expect(new URL(login.url).searchParams.has(APP_NAME_PARAMETER)).toBe(false);
    await checkScreen(page, 'idp-sign-in-tpi-bank');
  });

  it('shows no name the browser adds to the URL, and refuses a request that was not pushed', async () => {
    // Prepare
    const page = await browser.newPage();
    const login = await tpiRp.startLogin({ redirectUri: REDIRECT_URI, appName: 'Enjoy Life' });
    const forged = new URL(login.url);
    forged.searchParams.set(APP_NAME_PARAMETER, 'Totally Safe Bank App');
    const unpushed = new URL(`${idp.issuer}/auth`);
    for (const [name, value] of Object.entries({
      client_id: CLIENT.client_id,
      redirect_uri: REDIRECT_URI,
      response_type: 'code',
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      [APP_NAME_PARAMETER]: 'Totally Safe Bank App',
    })) {
      unpushed.searchParams.set(name, value);
    }
    // Act
    await page.goto(forged.href);
    const forgedPage = await page.content();
    const answer = await fetchTrustingTestCa(unpushed.href, { redirect: 'manual' });
    const refusal = new URL(answer.headers.get('location') ?? 'about:blank');
    // Assess
    expect(forgedPage).toContain('Enjoy Life asks for access');
    expect(forgedPage).not.toContain('Totally Safe');
    // Not pushed: the IdP sends the browser back with an error instead of showing a sign-in page.
    expect(answer.status).toBe(303);
    expect(refusal.origin + refusal.pathname).toBe(REDIRECT_URI);
    expect(refusal.searchParams.get('error')).toBe('invalid_request');
    expect(refusal.searchParams.get('error_description')).toMatch(/pushed authorization request/i);
  });

  it('is in North Bank branding at North Bank IdP, without an app name for a portal sign-in', async () => {
    // Prepare
    const northDir = await mkdtemp(path.join(tmpdir(), 'bankgate-idp-north-'));
    const north = await startDemoIdp({ ...idpOptions, dataDir: northDir, branding: NORTH_BANK });
    const northRp = relyingParty(north.issuer);
    const page = await browser.newPage();
    try {
      // Act
      await page.goto((await northRp.startLogin({ redirectUri: REDIRECT_URI })).url);
      // Assess
      await page.getByRole('heading', { name: 'Sign in to North Bank' }).waitFor();
      expect(await headerColour(page)).toBe(rgb(NORTH_BANK.primaryColour));
      expect(rgb(NORTH_BANK.primaryColour)).not.toBe(rgb(TPI_BANK.primaryColour));
      expect(await page.locator('header .logo').count()).toBe(0);
      expect(await page.getByText('asks for access').count()).toBe(0);
      await checkScreen(page, 'idp-sign-in-north-bank');
    } finally {
      await north.close();
      await rm(northDir, { recursive: true, force: true });
    }
  });
});
