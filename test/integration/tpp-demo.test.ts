/**
 * `npm run tpp-demo` headless against a sandbox: the script prints the authorization URL, the customer signs
 * in and allows (the cookie-jar journey, no browser engine), the callback URL is pasted into its stdin, and
 * it exchanges the code over mTLS and prints the shared accounts — FAPI 2.0 as `tsp2` and FAPI 1.0 Advanced
 * as `tpp-fapi1` (hybrid `code id_token`, detached signature checked, tls_client_auth).
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { decodeJwt } from 'jose';
import { CookieBrowser, signInAndAllow } from '../support/customer-journey';
import { withoutNodeVersionLine } from '../support/node-line';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';

jest.setTimeout(240_000);

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startSandboxProcess();
});
afterAll(() => sandbox?.stop());

/**
 * Runs the demo with `args`; the customer answers the URL it prints, and the address the browser landed on
 * (after `rewrite`) is pasted into it; resolves with its exit code, its output and that address.
 */
function runDemo(args: string[], rewrite: (landed: URL) => URL = (landed) => landed) {
  const child = spawn(process.execPath, ['--import', 'tsx', join('sandbox', 'tpp-demo.ts'), ...args], {
    env: { ...process.env, BANKGATE_DATA_DIR: sandbox.dataDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let answering = false;
  let callback: URL | undefined;
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
    const url = AUTHORIZATION_URL.exec(stdout)?.[1];
    if (!url || answering || !stdout.includes('Paste the URL')) return;
    answering = true;
    signInAndAllow(sandbox, new CookieBrowser(sandbox.browserAgent()), url, 'steve').then(
      (landed) => {
        callback = rewrite(landed);
        child.stdin.end(`${callback.href}\n`);
      },
      (error: unknown) => {
        stderr += `journey failed: ${error}`;
        child.kill();
      },
    );
  });
  return new Promise<{ code: number | null; stdout: string; stderr: string; callback?: URL }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr, callback })),
  );
}

const AUTHORIZATION_URL = /^ {2}(https:\/\/\S+\/authorize\?\S+)$/m;

it('FAPI 2.0 (default): PAR as tsp2, the code in the query, the accounts shared', async () => {
  // Act
  const { code, stdout, stderr, callback } = await runDemo([]);
  // Assess
  expect({ code, stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/Error|WARNING/) });
  expect(stdout).toContain('Demo TPP tsp2 (Enjoy Life): FAPI 2.0 (PAR, private_key_jwt).');
  expect(stdout).toMatch(
    /\/authorize\?request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3A[\w-]+&client_id=tsp2$/m,
  );
  expect(callback?.searchParams.has('code')).toBe(true);
  expect(stdout).toMatch(/GET \/accounts: \{\n {2}"Data": \{\n {4}"Account": \[/);
});

it('FAPI 1.0 Advanced: tpp-fapi1 with a signed request object, hybrid response, detached signature, tls_client_auth', async () => {
  // Act
  const { code, stdout, stderr, callback } = await runDemo(['--profile', 'fapi1']);
  // Assess
  expect({ code, stderr }).toEqual({ code: 0, stderr: expect.not.stringMatching(/Error|WARNING/) });
  expect(stdout).toContain(
    'Demo TPP tpp-fapi1 (Financroo): FAPI 1.0 Advanced (hybrid code id_token, tls_client_auth).',
  );
  const authorization = new URL(AUTHORIZATION_URL.exec(stdout)![1]!);
  expect([...authorization.searchParams.keys()].sort()).toEqual(['client_id', 'request']);
  expect(decodeJwt(authorization.searchParams.get('request')!)).toMatchObject({
    client_id: 'tpp-fapi1',
    response_type: 'code id_token',
    nonce: expect.any(String),
    code_challenge_method: 'S256',
  });
  const fragment = new URLSearchParams(callback!.hash.slice(1));
  expect(fragment.has('code') && fragment.has('id_token') && fragment.has('state')).toBe(true);
  expect(stdout).toMatch(
    /Front-channel ID token \(detached signature\) verified: signature, nonce, c_hash [\w-]{22} \(code\), s_hash [\w-]{22} \(state\)\./,
  );
  expect(stdout).toMatch(/GET \/accounts: \{\n {2}"Data": \{\n {4}"Account": \[/);
});

it('FAPI 1.0 Advanced: a tampered front-channel ID token is refused before the code is exchanged', async () => {
  // The same run, with the customer's callback altered: the code swapped keeps c_hash from matching.
  const { code, stdout, stderr } = await runDemo(['--profile', 'fapi1'], (landed) => {
    const fragment = new URLSearchParams(landed.hash.slice(1));
    fragment.set('code', `${fragment.get('code')}x`);
    landed.hash = fragment.toString();
    return landed;
  });
  expect(code).toBe(1);
  expect(stdout).not.toContain('GET /accounts');
  expect(withoutNodeVersionLine(stderr)).toEqual([
    expect.stringMatching(/^The bank's answer did not verify, nothing was exchanged: .*c_hash/),
  ]);
});

it("--scope 'openid time_deposits': the token it prints calls a gateway API with curl and the Taiwan headers (README)", async () => {
  // Prepare: the customer grants Enjoy Life the time deposits scope group.
  const { code, stdout } = await runDemo(['--scope', 'openid time_deposits']);
  expect(code).toBe(0);
  expect(stdout).not.toContain('Consent aac-');
  const token = /^Access token \(openid time_deposits; bound to tsp2's certificate, \d+ s\):\n(\S+)$/m.exec(
    stdout,
  )![1]!;
  const { ca, mtls_base_url } = sandbox.manifest;
  const { cert, key } = sandbox.client('tsp2');
  // Act: the README's curl, word for word apart from the variables.
  const { stdout: answer } = await promisify(execFile)('curl', [
    '-s',
    '--cacert',
    ca,
    '--cert',
    cert,
    '--key',
    key,
    `${mtls_base_url}/gateway/timeDeposit/balances`,
    '-H',
    `authorization: Bearer ${token}`,
    '-H',
    'x-stan: 0000001',
    '-H',
    'x-destinationid: 0120000',
    '-H',
    'x-clientid: tsp2',
    '-H',
    `x-txninitdatetime: ${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`,
  ]);
  // Assess
  expect(JSON.parse(answer)).toMatchObject({ timeDeposits: expect.any(Array) });
});
