/**
 * The developer portal (`/developer/`) and the console's Approvals (`/admin/#approvals`) as people use them,
 * in Debian Chromium against the sandbox as `npm start` runs it: issue 15's whole scenario (seed 004, TSP
 * scenario steps 1-6) in one test. A fintech signs up (a weak password is named by its field), is held at
 * "under review", the bank returns the sign-up with a comment, the fintech resubmits, the bank approves; the
 * fintech registers an application with "Issue sandbox certificate" (both PEM files downloaded) and an
 * encryption key of its own: Pending in the console, invalid_client at the token endpoint; the bank returns
 * it, the fintech edits and resubmits it, the bank approves; the fintech applies for timeDeposit/balances,
 * the bank returns that too, the fintech adds demandDeposit/accounts and resubmits, the bank approves; My API
 * lists both. Then openid-client over mTLS with the downloaded certificate and key obtains a customer's token:
 * the approved APIs answer 200 (demand deposits encrypted to the fintech's key), an unapproved one 403. Every
 * screen is scanned with axe and photographed into screenshots/.
 */

import { readFileSync } from 'node:fs';
import { compactDecrypt, exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { checkScreen, signInToPortal } from '../support/portal';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';
import { consentInBrowser, taiwanGateway } from '../support/taiwan';
import { tlsClientFromPem } from '../support/tpp';

jest.setTimeout(300_000);

const PASSWORD = 'enjoy life every day 2026';
let sandbox: TestSandbox;
let browser: TestBrowser;
let fintech: Page;
let bank: Page;
const contexts: BrowserContext[] = [];

async function newPage(): Promise<Page> {
  const context = await (browser.browser as Browser).newContext({ ignoreHTTPSErrors: true });
  contexts.push(context);
  return context.newPage();
}

beforeAll(async () => {
  [sandbox, browser] = await Promise.all([startSandboxProcess(), launchBrowser()]);
  [fintech, bank] = await Promise.all([newPage(), newPage()]);
  await signInToPortal(
    bank,
    `${sandbox.manifest.urls.browser}/admin/`,
    sandbox.manifest.staff.find((s) => s.username === 'admin')!,
  );
});

afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await sandbox?.stop();
});

/** The bank decides the one open submission of `type` in the Approvals queue. */
async function decide(type: string, decision: 'Approve' | 'Return', comment?: string) {
  await bank.goto(`${sandbox.manifest.urls.browser}/admin/#approvals`);
  await bank.reload();
  const section = bank.getByRole('region', { name: type });
  await section.getByRole('article').first().waitFor();
  await checkScreen(bank, `admin-approvals-${type.toLowerCase().replace(/ /g, '-')}`);
  if (comment) await section.getByRole('textbox', { name: 'Comment for the fintech' }).fill(comment);
  await section.getByRole('button', { name: decision }).first().click();
  await bank.getByRole('dialog').getByRole('button', { name: decision }).click();
  await bank
    .getByRole('status')
    .filter({ hasText: /approved|returned/ })
    .waitFor();
}

async function logIn() {
  await fintech.getByRole('textbox', { name: 'Username' }).fill('tsp2new');
  await fintech.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await fintech.getByRole('button', { name: 'Log in' }).click();
}

const REDIRECT = 'https://enjoylife.example/callback';

/** The file behind a download link, read once the browser has saved it. */
async function downloaded(page: Page, name: string): Promise<{ file: string; text: string }> {
  const [download] = (await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()])) as [
    Download,
    unknown,
  ];
  return { file: download.suggestedFilename(), text: readFileSync((await download.path())!, 'utf8') };
}

it("issue 15's scenario: sign up, review, sandbox certificate, returned and resubmitted applications, mTLS token, 200 and 403", async () => {
  await fintech.goto(`${sandbox.manifest.urls.browser}/developer/`);
  await checkScreen(fintech, 'developer-log-in');

  // Step 1: Sign Up; the weak password is named next to its field.
  await fintech.getByRole('button', { name: 'Sign Up' }).click();
  await fintech.getByRole('textbox', { name: 'Username' }).fill('tsp2new');
  await fintech.getByRole('textbox', { name: 'Organisation' }).fill('Enjoy Life');
  await fintech.getByRole('textbox', { name: 'E-mail' }).fill('dev@enjoylife.example');
  await fintech.getByRole('textbox', { name: 'Password' }).fill('password1234');
  await fintech.getByRole('button', { name: 'Create an Account' }).click();
  await fintech.getByText('This password is too easy to guess. Choose another one.').waitFor();
  await checkScreen(fintech, 'developer-sign-up-errors');
  await fintech.getByRole('textbox', { name: 'Password' }).fill(PASSWORD);
  await fintech.getByRole('button', { name: 'Create an Account' }).click();
  await fintech.getByRole('heading', { name: 'Registration Completed' }).waitFor();
  await fintech.getByText('Reviewing', { exact: true }).waitFor();
  await checkScreen(fintech, 'developer-registration-completed');

  // Under review: only that.
  await fintech.getByRole('button', { name: 'Go to log in' }).click();
  await logIn();
  await fintech.getByRole('heading', { name: 'Your account is under review' }).waitFor();
  expect(await fintech.getByRole('navigation', { name: 'My Account' }).count()).toBe(0);
  await checkScreen(fintech, 'developer-under-review');

  // Step 2: the bank returns it with a comment; the fintech edits and resubmits; the bank approves.
  await decide('Sign-up', 'Return', 'Please use your company e-mail address.');
  await fintech.reload();
  await fintech.getByText('Please use your company e-mail address.').waitFor();
  await checkScreen(fintech, 'developer-returned');
  await fintech.getByRole('textbox', { name: 'E-mail' }).fill('tsp2@enjoylife.example');
  await fintech.getByRole('button', { name: 'Resubmit' }).click();
  await fintech.getByRole('heading', { name: 'Your account is under review' }).waitFor();
  await decide('Sign-up', 'Approve');

  // Step 3: My Account > My Profile.
  await fintech.reload();
  const menu = fintech.getByRole('navigation', { name: 'My Account' });
  await menu.getByRole('button', { name: 'My Profile' }).click();
  await fintech.getByText('tsp2@enjoylife.example').waitFor();
  await checkScreen(fintech, 'developer-my-profile');

  // An application with a sandbox certificate (both PEM files downloaded) and an encryption key of its own.
  const encryption = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  const encryptionJwk = { ...(await exportJWK(encryption.publicKey)), kid: 'enjoy-life-enc-1', alg: 'RSA-OAEP-256' };
  await menu.getByRole('button', { name: 'Applications' }).click();
  await fintech.getByRole('textbox', { name: 'Name' }).fill('Enjoy Life app');
  await fintech.getByRole('textbox', { name: 'Redirect URIs' }).fill(REDIRECT);
  await fintech.getByRole('button', { name: 'Issue sandbox certificate' }).click();
  await fintech.getByRole('status').filter({ hasText: 'Sandbox certificate issued for' }).waitFor();
  const certificate = await downloaded(fintech, 'Download certificate (PEM)');
  const key = await downloaded(fintech, 'Download private key (PEM)');
  expect(certificate.file).toBe('enjoy-life-app-cert.pem');
  expect(certificate.text).toMatch(/^-----BEGIN CERTIFICATE-----/);
  expect(key.text).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  const subjectDn = await fintech.getByRole('textbox', { name: 'Certificate subject DN' }).inputValue();
  expect(subjectDn).toMatch(/^CN=enjoy-life-app-[0-9a-f]{32},O=Enjoy Life,C=TW$/);
  await fintech
    .getByRole('textbox', { name: 'Encryption key for JWE responses (JWK, optional)' })
    .fill(JSON.stringify(encryptionJwk));
  await checkScreen(fintech, 'developer-sandbox-certificate');
  await fintech.getByRole('button', { name: 'Register application' }).click();
  await fintech.getByRole('status').filter({ hasText: 'Pending' }).waitFor();
  await fintech.getByRole('cell', { name: 'Pending' }).waitFor();
  const clientId = (await fintech
    .getByRole('row')
    .filter({ hasText: 'Enjoy Life app' })
    .locator('code')
    .textContent())!;
  await checkScreen(fintech, 'developer-applications');

  // The console lists it Pending; its token request is invalid_client until the bank approves it.
  await bank.goto(`${sandbox.manifest.urls.browser}/admin/`);
  await bank.getByRole('link', { name: 'Client Management' }).click();
  await bank.getByRole('searchbox', { name: 'Search clients' }).fill(clientId);
  const row = bank.getByRole('row').filter({ hasText: clientId });
  expect(await row.getByRole('cell').nth(4).textContent()).toBe('Pending');
  await checkScreen(bank, 'admin-client-management-pending');
  const tpp = await tlsClientFromPem(sandbox, clientId, certificate.text, key.text);
  await expect(oidc.clientCredentialsGrant(tpp.config, { scope: 'openid' })).rejects.toMatchObject({
    error: 'invalid_client',
  });

  // The bank returns the application; the fintech edits it in Status and resubmits; the bank approves.
  await decide('Application', 'Return', 'Please name the application as customers will see it.');
  await menu.getByRole('button', { name: 'Status' }).click();
  await fintech.getByRole('button', { name: 'Edit and resubmit Application: Enjoy Life app' }).click();
  await fintech.getByText('Please name the application as customers will see it.').first().waitFor();
  await fintech.getByRole('textbox', { name: 'Name' }).fill('Enjoy Life');
  await checkScreen(fintech, 'developer-resubmit-application');
  await fintech.getByRole('button', { name: 'Resubmit', exact: true }).click();
  await fintech.getByRole('status').filter({ hasText: 'Application: Enjoy Life app resubmitted' }).waitFor();
  const history = fintech.getByRole('row').filter({ hasText: 'Application: Enjoy Life' }).getByRole('listitem');
  expect((await history.allTextContents()).map((item) => item.split(': ').pop()!.split(' ')[0])).toEqual([
    'submitted',
    'returned',
    'resubmitted',
  ]);
  await decide('Application', 'Approve');

  // Step 4: API Application: timeDeposit/balances, a purpose, Submit; returned, extended, resubmitted.
  await menu.getByRole('button', { name: 'API Application' }).click();
  await fintech.getByRole('checkbox', { name: 'Time deposit balances' }).check();
  await fintech.getByRole('textbox', { name: 'Purpose' }).fill('Show customers their time deposits');
  await checkScreen(fintech, 'developer-api-application');
  await fintech.getByRole('button', { name: 'Submit' }).click();
  await fintech.getByText('Request submitted successfully').waitFor();
  await decide('API application', 'Return', 'Your purpose also needs the demand deposit accounts.');
  await menu.getByRole('button', { name: 'Status' }).click();
  await fintech.getByRole('button', { name: 'Edit and resubmit API application: Enjoy Life' }).click();
  expect(await fintech.getByRole('checkbox', { name: 'Time deposit balances' }).isChecked()).toBe(true);
  await fintech.getByRole('checkbox', { name: 'Demand deposit accounts' }).check();
  await fintech.getByRole('textbox', { name: 'Purpose' }).fill('Show customers their deposits');
  await checkScreen(fintech, 'developer-resubmit-api-application');
  await fintech.getByRole('button', { name: 'Resubmit', exact: true }).click();
  await fintech.getByRole('status').filter({ hasText: 'API application: Enjoy Life resubmitted' }).waitFor();

  // Step 5: the bank approves; Status shows every request and its history.
  await decide('API application', 'Approve');
  await menu.getByRole('button', { name: 'My Profile' }).click();
  await menu.getByRole('button', { name: 'Status' }).click();
  await fintech.getByRole('table', { name: 'Your requests, newest first' }).waitFor();
  expect(await fintech.getByRole('cell', { name: 'Approved', exact: true }).count()).toBe(3);
  await checkScreen(fintech, 'developer-status');

  // Step 6: My API lists the authorised APIs.
  await menu.getByRole('button', { name: 'My API' }).click();
  await fintech.getByText(/Time deposit balances: GET/).waitFor();
  await fintech.getByText(/Demand deposit accounts: GET/).waitFor();
  await checkScreen(fintech, 'developer-my-api');

  // The approved client, over mTLS with the downloaded certificate: a customer's token, 200 and 403.
  const granted = await consentInBrowser(sandbox, browser, tpp.config, {
    redirectUri: REDIRECT,
    requested: ['time_deposits', 'demand_deposits'],
    groups: ['time_deposits', 'demand_deposits'],
  });
  const tokens = await oidc.authorizationCodeGrant(tpp.config, granted.callback, {
    pkceCodeVerifier: granted.verifier,
    expectedState: granted.state,
  });
  const gateway = taiwanGateway(sandbox, tpp);
  const balances = await gateway('GET', '/timeDeposit/balances', tokens.access_token);
  expect(balances.status).toBe(200);
  expect(JSON.parse(balances.text).timeDeposits.length).toBeGreaterThan(0);
  // Demand deposits answer JWE: encrypted to the key registered in the portal, opened with its private half.
  const demand = await gateway('GET', '/demandDeposit/accounts', tokens.access_token);
  expect(demand).toMatchObject({ status: 200, type: 'application/jose' });
  const { plaintext, protectedHeader } = await compactDecrypt(demand.text, encryption.privateKey);
  expect(protectedHeader).toMatchObject({ alg: 'RSA-OAEP-256', kid: 'enjoy-life-enc-1' });
  expect(JSON.parse(Buffer.from(plaintext).toString()).accounts.length).toBeGreaterThan(0);
  const refused = await gateway('POST', '/creditCards/roadsideAssistance', tokens.access_token);
  expect(refused.status).toBe(403);
  expect(JSON.parse(refused.text)).toEqual({
    error: 'access_denied',
    error_description: 'this API is not approved for the client; apply for it in the developer portal',
  });
  await tpp.agent.close();

  await fintech.getByRole('button', { name: 'Log out' }).click();
  await fintech.getByRole('heading', { name: 'Log in to the developer portal' }).waitFor();
});
