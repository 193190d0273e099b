/**
 * The whole sandbox for integration tests: a fresh temp data dir, ephemeral ports, undici agents that
 * trust the sandbox CA (and present a demo client's certificate on the mTLS origin), and cleanup.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import {
  type RunningSandbox,
  type SandboxManifest,
  type SandboxManifestClient,
  type SandboxPorts,
  startSandbox,
} from '../../sandbox/sandbox';

export interface TestSandbox {
  readonly dataDir: string;
  readonly manifest: SandboxManifest;
  readonly manifestPath: string;
  readonly caPem: string;
  client(clientId: string): SandboxManifestClient;
  /** Trusts the sandbox CA; no client certificate (browser origin, IdP). */
  browserAgent(): Agent;
  /** Presents `clientId`'s demo certificate, as that TPP calling the mTLS origin. */
  mtlsAgent(clientId: string): Agent;
  /**
   * Stops and starts again on the same data dir and the same ports (handler modules keep their clients
   * at module scope, as a warm Lambda does, so the endpoints must not move within one test process).
   */
  restart(): Promise<TestSandbox>;
  /** Stops everything, closes the agents and deletes the data dir. */
  stop(): Promise<void>;
}

const EPHEMERAL: SandboxPorts = { browser: 0, mtls: 0, idp: 0, kms: 0, dynamo: 0 };

/** A running sandbox (in this process or a child process) as tests use it; `start` starts it again on the same dir. */
export async function wrap(
  running: RunningSandbox,
  dataDir: string,
  start: (ports: SandboxPorts) => Promise<RunningSandbox> = (ports) => startSandbox({ dataDir, ports, quiet: true }),
): Promise<TestSandbox> {
  const { manifest } = running;
  const caPem = readFileSync(manifest.ca, 'utf8');
  const agents: Agent[] = [];
  const track = (agent: Agent) => {
    agents.push(agent);
    return agent;
  };
  const client = (clientId: string) => {
    const found = manifest.clients.find((c) => c.client_id === clientId);
    if (!found) throw new Error(`No demo client ${clientId} in the sandbox manifest`);
    return found;
  };
  const shutdown = async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.close()));
    await running.close();
  };
  return {
    dataDir,
    manifest,
    manifestPath: running.manifestPath,
    caPem,
    client,
    browserAgent: () => track(new Agent({ connect: { ca: caPem } })),
    mtlsAgent: (clientId) => {
      const { cert, key } = client(clientId);
      return track(new Agent({ connect: { ca: caPem, cert: readFileSync(cert), key: readFileSync(key) } }));
    },
    restart: async () => {
      await shutdown();
      return wrap(await start(manifest.ports), dataDir, start);
    },
    stop: async () => {
      await shutdown();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startTestSandbox(): Promise<TestSandbox> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dataDir = await mkdtemp(join(tmpdir(), 'bankgate-sandbox-'));
  try {
    return await wrap(await startSandbox({ dataDir, ports: EPHEMERAL, quiet: true }), dataDir);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}
