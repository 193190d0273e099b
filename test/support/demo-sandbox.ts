/**
 * The whole demo as `npm start` runs it (both banks, and the demo fintechs), in a child process on
 * ephemeral ports, with a TestSandbox view of each bank for the protocol helpers.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoManifest } from '../../sandbox/main';
import type { SandboxManifest } from '../../sandbox/sandbox';
import { startSandboxProcess } from '../../sandbox/tenant-process';
import { NORTH_BANK } from '../../sandbox/tenants';
import { type TestSandbox, wrap } from './sandbox';
import { portEnv } from './sandbox-process';

export interface DemoSandbox {
  readonly manifest: DemoManifest;
  readonly tpi: TestSandbox;
  readonly north: TestSandbox;
  stop(): Promise<void>;
}

export async function startDemoSandbox(): Promise<DemoSandbox> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bankgate-demo-'));
  try {
    const demo = await startSandboxProcess<DemoManifest>(dataDir, {
      ...portEnv('BANKGATE_'),
      ...portEnv(NORTH_BANK.portEnvPrefix),
      BANKGATE_TPP_APP_PORT: '0',
      BANKGATE_ENJOY_LIFE_PORT: '0',
    });
    const view = async (index: number, dir: string, close: () => Promise<void>) => {
      const manifestPath = demo.manifest.tenants[index]!.manifest;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as SandboxManifest;
      return wrap({ manifest, manifestPath, close }, dir);
    };
    // Stopping TPI Bank's view stops the whole demo process and deletes the data dir (North Bank's is inside).
    const tpi = await view(0, dataDir, () => demo.close());
    const north = await view(1, join(dataDir, NORTH_BANK.id), async () => {});
    return {
      manifest: demo.manifest,
      tpi,
      north,
      stop: async () => {
        await tpi.stop();
        await north.stop();
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
