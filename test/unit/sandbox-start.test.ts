/**
 * `npm start` for a newcomer: `--help` prints usage instead of starting; a busy port is one line naming the
 * variable that moves it (no stack trace).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

jest.setTimeout(60_000);

const start = (args: string[], env: Record<string, string>) =>
  promisify(execFile)(join('node_modules', '.bin', 'tsx'), ['sandbox/main.ts', ...args], {
    env: { ...process.env, ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({ ...error }),
  );

it('prints usage with the ports, their variables, the data dir and reset on --help, and starts nothing', async () => {
  const { code, stdout } = await start(['--help'], {});
  expect(code).toBe(0);
  expect(stdout).toMatch(/^Usage: npm start/);
  expect(stdout).toMatch(/BANKGATE_BROWSER_PORT +8443 +TPI Bank browser/);
  expect(stdout).toMatch(/BANKGATE_NORTH_BANK_MTLS_PORT +8454 +North Bank mtls/);
  expect(stdout).toContain('BANKGATE_ENJOY_LIFE_PORT');
  expect(stdout).toContain('BANKGATE_DATA_DIR');
  expect(stdout).toContain('npm run reset');
});

it('names the variable that moves a busy port, in one line', async () => {
  // Prepare: the browser port taken by another program.
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as { port: number };
  const dataDir = await mkdtemp(join(tmpdir(), 'bankgate-start-'));
  try {
    // Act
    const { code, stderr } = await start([], {
      BANKGATE_DATA_DIR: dataDir,
      BANKGATE_TENANT: 'tpi-bank',
      BANKGATE_BROWSER_PORT: String(port),
      ...Object.fromEntries(['MTLS', 'IDP', 'KMS', 'DYNAMO'].map((name) => [`BANKGATE_${name}_PORT`, '0'])),
    });
    // Assess
    expect(code).toBe(1);
    // The demo IdP's library warns on Node 20 by itself (README, "Node versions"): not ours to silence.
    const lines = stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('oidc-provider WARNING: Unsupported runtime'));
    expect(lines).toEqual([
      `Port ${port} is in use (another sandbox or program?): stop it, or set BANKGATE_BROWSER_PORT=<free port> (or 0 for any). npm start -- --help lists the ports.`,
    ]);
  } finally {
    blocker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
