/**
 * The developer portal (`/developer/`) and the console's Approvals (`/admin/#approvals`) as people use them,
 * in Debian Chromium against the sandbox as `npm start` runs it (seed 004, TSP scenario steps 1-6): a fintech
 * signs up (a weak password is named by its field), is held at "under review", the bank returns the sign-up
 * with a comment, the fintech resubmits, the bank approves; the fintech registers an application (Pending)
 * and applies for timeDeposit/balances; the bank approves both; My API lists it. Every screen is scanned
 * with axe and photographed into screenshots/. The protocol side (token, gateway 200/403) is
 * developer-portal.test.ts.
 */

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { issueCertificate, loadCertificateAuthority } from '../../sandbox/pki';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { checkScreen, signInToPortal } from '../support/portal';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';

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

it('seed 004, TSP scenario: sign up, review, application, API application, My API', async () => {
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

  // An application from a certificate of the sandbox CA: Pending with its client id.
  const ca = await loadCertificateAuthority(
    readFileSync(sandbox.manifest.ca, 'utf8'),
    readFileSync(join(dirname(sandbox.manifest.ca), 'ca-key.pem'), 'utf8'),
  );
  const issued = await issueCertificate(
    ca,
    { country: 'TW', organization: 'Enjoy Life', commonName: 'tsp2new-app' },
    { kind: 'client' },
  );
  await menu.getByRole('button', { name: 'Applications' }).click();
  await fintech.getByRole('textbox', { name: 'Name' }).fill('Enjoy Life app');
  await fintech.getByRole('textbox', { name: 'Redirect URIs' }).fill('https://enjoylife.example/callback');
  await fintech.getByRole('textbox', { name: 'Certificate (PEM)' }).fill(issued.certPem);
  await fintech.getByRole('button', { name: 'Register application' }).click();
  await fintech.getByRole('status').filter({ hasText: 'Pending' }).waitFor();
  await fintech.getByRole('cell', { name: 'Pending' }).waitFor();
  await checkScreen(fintech, 'developer-applications');
  await decide('Application', 'Approve');

  // Step 4: API Application: timeDeposit/balances, a purpose, Submit.
  await menu.getByRole('button', { name: 'API Application' }).click();
  await fintech.getByRole('checkbox', { name: 'Time deposit balances' }).check();
  await fintech.getByRole('textbox', { name: 'Purpose' }).fill('Show customers their time deposits');
  await checkScreen(fintech, 'developer-api-application');
  await fintech.getByRole('button', { name: 'Submit' }).click();
  await fintech.getByText('Request submitted successfully').waitFor();

  // Step 5: the bank approves; Status shows every request and its history.
  await decide('API application', 'Approve');
  await menu.getByRole('button', { name: 'Status' }).click();
  await fintech.getByRole('table', { name: 'Your requests, newest first' }).waitFor();
  expect(await fintech.getByRole('cell', { name: 'Approved', exact: true }).count()).toBe(3);
  await checkScreen(fintech, 'developer-status');

  // Step 6: My API lists the authorised API.
  await menu.getByRole('button', { name: 'My API' }).click();
  await fintech.getByText(/Time deposit balances: GET/).waitFor();
  await checkScreen(fintech, 'developer-my-api');

  await fintech.getByRole('button', { name: 'Log out' }).click();
  await fintech.getByRole('heading', { name: 'Log in to the developer portal' }).waitFor();
});
