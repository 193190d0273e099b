/**
 * The sandbox exactly as `npm start` runs it: a child process (`tsx sandbox/main.ts`) on ephemeral ports,
 * observed only through its manifest and its HTTPS origins. Used where the handlers' outbound HTTPS (the
 * federation to the bank's IdP) must run in a real Node process rather than inside jest's VM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningSandbox, SandboxManifest, SandboxPorts } from '../../sandbox/sandbox';
import { type TestSandbox, wrap } from './sandbox';

const ROOT = join(__dirname, '..', '..');

async function launch(dataDir: string, ports: SandboxPorts): Promise<RunningSandbox> {
  const manifestPath = join(dataDir, 'sandbox.json');
  await rm(manifestPath, { force: true });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'sandbox', 'main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      BANKGATE_DATA_DIR: dataDir,
      BANKGATE_BROWSER_PORT: String(ports.browser),
      BANKGATE_MTLS_PORT: String(ports.mtls),
      BANKGATE_IDP_PORT: String(ports.idp),
      BANKGATE_KMS_PORT: String(ports.kms),
      BANKGATE_DYNAMO_PORT: String(ports.dynamo),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const deadline = Date.now() + 60_000;
  while (!existsSync(manifestPath) || !output.includes('running')) {
    if (child.exitCode !== null) throw new Error(`sandbox exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sandbox did not start within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as SandboxManifest;
  return {
    manifest,
    manifestPath,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function startSandboxProcess(): Promise<TestSandbox> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bankgate-sandbox-process-'));
  const ephemeral: SandboxPorts = { browser: 0, mtls: 0, idp: 0, kms: 0, dynamo: 0 };
  try {
    return await wrap(await launch(dataDir, ephemeral), dataDir, (ports) => launch(dataDir, ports));
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
