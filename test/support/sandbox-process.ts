/**
 * The sandbox exactly as `npm start` runs TPI Bank: a child process (`tsx sandbox/main.ts`) on ephemeral ports,
 * observed only through its manifest and its HTTPS origins. Used where the handlers' outbound HTTPS (the
 * federation to the bank's IdP) must run in a real Node process rather than inside jest's VM.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PORT_NAMES, portEnvName, type SandboxPorts } from '../../sandbox/sandbox';
import { startSandboxProcess as startProcess } from '../../sandbox/tenant-process';
import { type TestSandbox, wrap } from './sandbox';

/** The port variables for `ports` under `prefix`, e.g. BANKGATE_BROWSER_PORT=0. */
export const portEnv = (prefix: string, ports: Partial<SandboxPorts> = {}) =>
  Object.fromEntries(PORT_NAMES.map((name) => [portEnvName(prefix, name), String(ports[name] ?? 0)]));

const launch = (dataDir: string, ports: SandboxPorts) =>
  startProcess(dataDir, { BANKGATE_TENANT: 'tpi-bank', ...portEnv('BANKGATE_', ports) });

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
