/**
 * A sandbox in a child process (`tsx sandbox/main.ts`), observed only through its manifest and its output:
 * how `npm start` runs its second bank (the handler modules read their configuration once per process, so
 * two tenants need two processes), and how tests run the sandbox exactly as `npm start` does.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { SandboxManifest } from './sandbox';

const ROOT = resolve(__dirname, '..');
const STARTUP_MS = 240_000;

export interface SandboxProcess<M = SandboxManifest> {
  readonly manifest: M;
  readonly manifestPath: string;
  /** SIGTERM, then waits for the process to exit. */
  close(): Promise<void>;
  /** SIGKILL (no shutdown hooks, no flushing), then waits for the process to exit. */
  kill(): Promise<void>;
}

export interface SandboxProcessOptions {
  /** Receives everything the process writes (stdout and stderr, from the start); else its stderr after startup goes to ours. */
  readonly output?: (chunk: string) => void;
}

/**
 * Starts `sandbox/main.ts` with `env` on top of this process's environment and data dir `dataDir`; resolves
 * once it printed that it is running and its manifest exists. The child exits when this process goes away
 * (its stdin closes), so a killed parent leaves no bank behind.
 */
export async function startSandboxProcess<M = SandboxManifest>(
  dataDir: string,
  env: Record<string, string>,
  options: SandboxProcessOptions = {},
): Promise<SandboxProcess<M>> {
  // Taken before the first await: a sandbox starting in this process sets its handlers' environment later.
  const inherited = { ...process.env };
  const manifestPath = join(dataDir, 'sandbox.json');
  await rm(manifestPath, { force: true });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'sandbox', 'main.ts')], {
    cwd: ROOT,
    env: {
      ...inherited,
      ...env,
      BANKGATE_DATA_DIR: dataDir,
      BANKGATE_EXIT_WITH_PARENT: '1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let started = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    options.output?.(chunk.toString());
    if (!started) output += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    options.output?.(chunk.toString());
    if (!started) output += chunk;
    // Through console: under jest it goes to the test file's log (test/support/test-logs.ts).
    else if (!options.output) console.error(chunk.toString().replace(/\n$/, ''));
  });
  const deadline = Date.now() + STARTUP_MS;
  while (!existsSync(manifestPath) || !output.includes('is running')) {
    if (child.exitCode !== null) throw new Error(`sandbox process exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sandbox process did not start within ${STARTUP_MS / 1000} s:\n${output}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  started = true;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as M;
  const stop = (signal: NodeJS.Signals) =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill(signal);
    });
  return { manifest, manifestPath, close: () => stop('SIGTERM'), kill: () => stop('SIGKILL') };
}
