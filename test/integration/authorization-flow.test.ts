/**
 * Issue 3 end to end: a fintech using openid-client takes a bank customer (driven in headless Chromium)
 * through consent creation, the bank login, account choice on the consent page, the code exchange over
 * mTLS, and reads exactly the accounts the customer chose — for FAPI 2.0 (PAR + JAR + PKCE) and for
 * FAPI 1.0 Advanced (hybrid flow with detached-signature checks). Then refresh, revocation, cancel.
 */

import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';
import { createConsent, deleteConsent, type Tpp, tppClient } from '../support/tpp';

jest.setTimeout(120_000);

const AISP = '/open-banking/v3.1/aisp';

describe('the customer authorization journey and the account APIs', () => {
  let sandbox: TestSandbox;
  let browser: TestBrowser;

  beforeAll(async () => {
    [sandbox, browser] = await Promise.all([startSandboxProcess(), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  const mtls = (path: string) => `${sandbox.manifest.mtls_base_url}${path}`;

  function authorizationParameters(
    tpp: Tpp,
    consentId: string,
    codeChallenge: string,
    extra: Record<string, string> = {},
  ) {
    return {
      redirect_uri: externalRedirect(tpp),
      scope: 'openid accounts',
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
      state: oidc.randomState(),
      claims: JSON.stringify({
        id_token: {
          openbanking_intent_id: { value: consentId, essential: true },
          acr: { essential: true, values: ['urn:openbanking:psd2:sca'] },
        },
      }),
      ...extra,
    };
  }

  const externalRedirect = (tpp: Tpp) =>
    sandbox.client(tpp.clientId).redirect_uris.find((u) => !u.includes('localhost'))!;

  /** Signs in at the bank's IdP and answers the consent page; returns the URL the browser was sent back to. */
  async function customerJourney(
    authorizationUrl: URL,
    redirectUri: string,
    customer: { username: string; password: string },
    choose: (page: Page) => Promise<void>,
  ): Promise<URL> {
    const page = await browser.newPage();
    const redirectOrigin = new URL(redirectUri).origin;
    await page.route(`${redirectOrigin}/**`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the fintech' }),
    );
    await page.goto(authorizationUrl.href);
    await page.getByRole('textbox', { name: 'Username' }).fill(customer.username);
    await page.getByRole('textbox', { name: 'Password' }).fill(customer.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    // TPI Bank's tenant config has a privacy policy: Allow waits for the customer's agreement.
    await page.getByRole('checkbox', { name: 'I have read and agreed to the Privacy Policy' }).check();
    await choose(page);
    await page.waitForURL((url) => url.origin === redirectOrigin);
    const returned = new URL(page.url());
    // The session cookie is HttpOnly and nothing sensitive lives in browser storage.
    const cookies = await page.context().cookies();
    expect(cookies.every((c) => c.httpOnly && c.secure)).toBe(true);
    expect(await page.evaluate(() => Object.keys(localStorage).length + Object.keys(sessionStorage).length)).toBe(0);
    await page.close();
    return returned;
  }

  const steve = () => sandbox.manifest.customers.find((c) => c.username === 'steve')!;

  async function getJson(tpp: Tpp, path: string, token: string) {
    const response = await tpp.fetch(mtls(path), { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.json() };
  }

  it('FAPI 2.0: PAR + signed request object + PKCE, consent page, code exchange, accounts, refresh, revocation', async () => {
    // Prepare
    const tpp = await tppClient(sandbox, 'tsp2');
    const consentId = await createConsent(sandbox, tpp, ['ReadAccountsDetail', 'ReadBalances']);
    const verifier = oidc.randomPKCECodeVerifier();
    const params = authorizationParameters(tpp, consentId, await oidc.calculatePKCECodeChallenge(verifier));
    const jar = await oidc.buildAuthorizationUrlWithJAR(tpp.config, params, { key: tpp.signingKey, kid: tpp.kid });
    const authorizationUrl = await oidc.buildAuthorizationUrlWithPAR(tpp.config, {
      request: jar.searchParams.get('request')!,
    });
    expect(authorizationUrl.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);

    // Act: the customer signs in and shares two of their accounts
    let chosen: string[] = [];
    const callback = await customerJourney(authorizationUrl, params.redirect_uri, steve(), async (page) => {
      const boxes = page.getByRole('checkbox', { name: /••••/ });
      expect(await boxes.count()).toBeGreaterThanOrEqual(3);
      for (const index of [0, 2]) {
        await boxes.nth(index).check();
        chosen.push(
          (await boxes.nth(index).getAttribute('aria-label')) ??
            (await boxes.nth(index).evaluate((el) => (el as HTMLInputElement).labels?.[0]?.textContent ?? '')),
        );
      }
      await page.getByRole('button', { name: 'Allow' }).click();
    });
    expect(callback.searchParams.get('iss')).toBe(sandbox.manifest.issuer);
    const tokens = await oidc.authorizationCodeGrant(tpp.config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: params.state,
      idTokenExpected: true,
    });

    // Assess: tokens and ID token
    expect(tokens.token_type).toMatch(/bearer/i);
    expect(tokens.refresh_token).toBeDefined();
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ sub: 'steve', openbanking_intent_id: consentId, acr: 'urn:openbanking:psd2:sca' });
    expect(typeof claims.auth_time).toBe('number');

    // Assess: exactly the chosen accounts, and balances for them only
    const accounts = await getJson(tpp, `${AISP}/accounts`, tokens.access_token);
    expect(accounts.status).toBe(200);
    expect(accounts.body.Data.Account).toHaveLength(2);
    expect(accounts.body.Data.Account[0].Account).toBeDefined(); // ReadAccountsDetail
    chosen = chosen.map((label) => label.match(/••••\d{4}/)?.[0] ?? label);
    const masked = accounts.body.Data.Account.map(
      (a: { Account: { Identification: string }[] }) => `••••${a.Account[0]!.Identification.slice(-4)}`,
    );
    expect(masked.sort()).toEqual(chosen.sort());
    const balances = await getJson(tpp, `${AISP}/balances`, tokens.access_token);
    expect(new Set(balances.body.Data.Balance.map((b: { AccountId: string }) => b.AccountId))).toEqual(
      new Set(accounts.body.Data.Account.map((a: { AccountId: string }) => a.AccountId)),
    );
    const transactions = await getJson(tpp, `${AISP}/transactions`, tokens.access_token);
    expect(transactions.status).toBe(403);

    // Introspection carries the consent fields
    const introspection = await oidc.tokenIntrospection(tpp.config, tokens.access_token);
    expect(introspection).toMatchObject({
      active: true,
      client_id: 'tsp2',
      consent_id: consentId,
      status: 'Authorised',
    });

    // Refresh, then revocation makes the tokens inactive
    const refreshed = await oidc.refreshTokenGrant(tpp.config, tokens.refresh_token!);
    expect((await getJson(tpp, `${AISP}/accounts`, refreshed.access_token)).status).toBe(200);
    await oidc.tokenRevocation(tpp.config, tokens.refresh_token!);
    expect((await getJson(tpp, `${AISP}/accounts`, refreshed.access_token)).status).toBe(401);
    await expect(oidc.refreshTokenGrant(tpp.config, tokens.refresh_token!)).rejects.toMatchObject({
      error: 'invalid_grant',
    });

    // The code cannot be redeemed twice
    await expect(
      oidc.authorizationCodeGrant(tpp.config, callback, { pkceCodeVerifier: verifier, expectedState: params.state }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('FAPI 1.0 Advanced: hybrid flow with a signed request object and detached signature checks', async () => {
    const tpp = await tppClient(sandbox, 'tpp-fapi1', {
      execute: [oidc.useCodeIdTokenResponseType, oidc.enableDetachedSignatureResponseChecks],
    });
    const consentId = await createConsent(sandbox, tpp, [
      'ReadAccountsBasic',
      'ReadTransactionsDetail',
      'ReadTransactionsCredits',
    ]);
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const params = authorizationParameters(tpp, consentId, await oidc.calculatePKCECodeChallenge(verifier), { nonce });
    const authorizationUrl = await oidc.buildAuthorizationUrlWithJAR(tpp.config, params, {
      key: tpp.signingKey,
      kid: tpp.kid,
    });

    const callback = await customerJourney(authorizationUrl, params.redirect_uri, steve(), async (page) => {
      await page.getByRole('checkbox', { name: /••••/ }).first().check();
      await page.getByRole('button', { name: 'Allow' }).click();
    });
    expect(callback.hash).toContain('id_token=');

    const tokens = await oidc.authorizationCodeGrant(tpp.config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: params.state,
      expectedNonce: nonce,
    });
    expect(tokens.claims()).toMatchObject({ nonce, openbanking_intent_id: consentId });

    const accounts = await getJson(tpp, `${AISP}/accounts`, tokens.access_token);
    expect(accounts.body.Data.Account).toHaveLength(1);
    expect(accounts.body.Data.Account[0].Account).toBeUndefined(); // Basic only
    const transactions = await getJson(tpp, `${AISP}/transactions`, tokens.access_token);
    expect(transactions.status).toBe(200);
    expect(
      transactions.body.Data.Transaction.every(
        (t: { CreditDebitIndicator: string }) => t.CreditDebitIndicator === 'Credit',
      ),
    ).toBe(true);

    // The TPP deletes the consent: its tokens stop working at once
    await deleteConsent(sandbox, tpp, consentId);
    expect((await getJson(tpp, `${AISP}/accounts`, tokens.access_token)).status).toBe(401);
  });

  it('Cancel on the consent page returns access_denied and rejects the consent', async () => {
    const tpp = await tppClient(sandbox, 'tsp2');
    const consentId = await createConsent(sandbox, tpp, ['ReadAccountsBasic']);
    const verifier = oidc.randomPKCECodeVerifier();
    const params = authorizationParameters(tpp, consentId, await oidc.calculatePKCECodeChallenge(verifier));
    const authorizationUrl = await oidc.buildAuthorizationUrlWithPAR(tpp.config, params);
    const callback = await customerJourney(authorizationUrl, params.redirect_uri, steve(), async (page) => {
      await page.getByRole('button', { name: 'Cancel' }).click();
    });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe(params.state);
    const { access_token } = await oidc.clientCredentialsGrant(tpp.config, { scope: 'accounts' });
    const consent = await getJson(tpp, `${AISP}/account-access-consents/${consentId}`, access_token);
    expect(consent.body.Data.Status).toBe('Rejected');
  });
});
