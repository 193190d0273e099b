/**
 * `npm start` for a newcomer: `--help` prints usage instead of starting; a busy port is one line naming the
 * variable that moves it, and a data dir another sandbox uses is one line naming its pid (no stack trace).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { claimDataDir } from '../../sandbox/data-dir-lock';
import { startSandboxProcess } from '../../sandbox/tenant-process';
import { withoutNodeVersionLine } from '../support/node-line';

jest.setTimeout(300_000);

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
    expect(withoutNodeVersionLine(stderr)).toEqual([
      `Port ${port} is in use (another sandbox or program?): stop it, or set BANKGATE_BROWSER_PORT=<free port> (or 0 for any). npm start -- --help lists the ports.`,
    ]);
  } finally {
    blocker.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

it('says in one line that the data dir is used by another sandbox, and leaves that one running', async () => {
  // Prepare: a sandbox (TPI Bank alone, any free ports) running on the data dir.
  const dataDir = await mkdtemp(join(tmpdir(), 'bankgate-start-'));
  const anyPorts = Object.fromEntries(
    ['BROWSER', 'MTLS', 'IDP', 'KMS', 'DYNAMO'].map((n) => [`BANKGATE_${n}_PORT`, '0']),
  );
  const first = await startSandboxProcess(dataDir, { BANKGATE_TENANT: 'tpi-bank', ...anyPorts }, { output: () => {} });
  try {
    // Act: a second one on the same data dir.
    const { code, stdout, stderr } = await start([], {
      BANKGATE_DATA_DIR: dataDir,
      BANKGATE_TENANT: 'tpi-bank',
      ...anyPorts,
    });
    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(withoutNodeVersionLine(stderr)).toEqual([
      expect.stringMatching(
        /^The data dir .+ is in use by another sandbox \(pid \d+\): stop that one, or set BANKGATE_DATA_DIR to another folder\.$/,
      ),
    ]);
    // The first keeps its claim: the pid named is the one in its lock, and it is still there.
    const owner = /pid (\d+)/.exec(stderr)![1];
    expect(readFileSync(join(dataDir, 'sandbox.pid'), 'utf8')).toBe(owner);
  } finally {
    await first.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

it('takes over a lock left by a sandbox that is gone', () => {
  // Prepare
  const dataDir = mkdtempSync(join(tmpdir(), 'bankgate-lock-'));
  writeFileSync(join(dataDir, 'sandbox.pid'), '2147483646');
  // Act
  const release = claimDataDir(dataDir);
  // Assess
  expect(readFileSync(join(dataDir, 'sandbox.pid'), 'utf8')).toBe(String(process.pid));
  release();
  expect(existsSync(join(dataDir, 'sandbox.pid'))).toBe(false);
  rmSync(dataDir, { recursive: true });
});

it('says in one line that the running Node.js is outside the supported line, and nothing else about it', async () => {
  // Act
  const { code, stdout, stderr } = await start(['--help'], {});
  // Assess
  expect(code).toBe(0);
  expect(stdout).toMatch(/^Usage: npm start/);
  const major = Number(process.versions.node.split('.')[0]);
  expect(stderr.trim()).toBe(
    major === 22
      ? ''
      : `Node.js ${process.version} is outside Bankgate's supported line ^22.12.0 (package.json engines; Lambda runs Node 22): it runs, but install Node 22 for what is deployed (e.g. nvm install 22).`,
  );
});
