/**
 * Bankgate under test, in its own process: the sandbox (the product's handler modules behind local
 * HTTPS + mTLS, dynalite on disk, local KMS) on ephemeral ports in a throwaway data dir, with every
 * DynamoDB call of the handlers counted by command name.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mintToken } from '../lambdas/domain/token-issuer';
import { certificateThumbprint } from '../lambdas/http/request';
import { tables } from '../lambdas/tables';
import { wiring } from '../lambdas/wiring';
import { sandboxTableName } from '../sandbox/dynamo';
import { startSandbox } from '../sandbox/sandbox';
import { cpuMs } from './cpu';
import { BANK_DATA_MARK, serveTarget, targetPids } from './ipc';
import { settings } from './settings';
import { countStoreCalls, KMS_PREFIX } from './store-calls';
import { transactionsTargetHandlers } from './transactions-target';

export interface ResourceTokenRequest {
  readonly clientId: string;
  /** The Open Banking UK consent; gateway grants have none. */
  readonly consentId?: string;
  readonly subject: string;
  readonly accountIds: readonly string[];
  /** An Open Banking UK consent's permissions (`/accounts`), or ... */
  readonly permissions?: readonly string[];
  /** ... the API groups the customer granted (gateway APIs), also requested as scopes. */
  readonly grantedScopes?: readonly string[];
}

const BANK_DATA_TABLE = sandboxTableName(tables.bankData);

export interface StoreFloorRequest {
  readonly clientId: string;
}

/** Per jti design: the store calls of a private_key_jwt client_credentials token, nothing else. */
export interface StoreFloorRun {
  readonly design: 'jti write + transaction' | 'jti in the transaction';
  readonly setsPerSecond: number;
  /** The SDK side (this process) and dynalite's, per set. */
  readonly clientCpuMs: number;
  readonly storeCpuMs: number;
  /** Store calls per set by command. */
  readonly storeCalls: Record<string, number>;
}

export type StoreFloor = readonly StoreFloorRun[];

/**
 * The private_key_jwt token's store calls and nothing else, through the production adapters, from
 * `settings.connections` concurrent loops, once per jti design: the client read, then either the jti claim
 * and the issuance transaction, or the issuance transaction with the claim as one of its items. No TLS,
 * HTTP, JOSE or handler: the ceiling any token endpoint on this store, this SDK and this machine can reach.
 */
async function storeFloor(
  { clientId }: StoreFloorRequest,
  counter: ReturnType<typeof countStoreCalls>,
): Promise<StoreFloor> {
  const { clients, once, tokens } = wiring.stores;
  const client = (await clients.get(clientId))!;
  const certificate = { thumbprint: 'bench-floor-thumbprint', issuerSerial: 'bench-floor-issuer-serial' };
  const requests = settings.requests;
  const runs: StoreFloorRun[] = [];
  for (const design of ['jti write + transaction', 'jti in the transaction'] as const) {
    const oneToken = async () => {
      const now = Math.floor(Date.now() / 1000);
      await clients.get(clientId);
      const claim = { key: { purpose: 'jti' as const, clientId, value: randomUUID() }, expiresAt: now + 60 };
      if (design === 'jti write + transaction') await once.claim(claim, now);
      const { record } = mintToken({
        kind: 'access',
        client,
        scope: 'accounts',
        certThumbprint: certificate.thumbprint,
        now,
        ttl: 300,
        maxUses: 0,
      });
      await tokens.issue([record], {
        certificate,
        ...(design === 'jti in the transaction' ? { replayClaim: { record: claim, now } } : {}),
      });
    };
    let next = 0;
    const worker = async () => {
      while (next++ < requests) await oneToken();
    };
    const [, ...storePids] = targetPids();
    counter.reset();
    const started = performance.now();
    const cpu = process.cpuUsage();
    const storeCpu = cpuMs(storePids);
    await Promise.all(Array.from({ length: settings.connections }, worker));
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - started) / 1000;
    runs.push({
      design,
      setsPerSecond: requests / seconds,
      clientCpuMs: (used.user + used.system) / 1000 / requests,
      storeCpuMs: (cpuMs(storePids) - storeCpu) / requests,
      storeCalls: Object.fromEntries(Object.entries(counter.calls()).map(([command, n]) => [command, n / requests])),
    });
  }
  return runs;
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'bankgate-bench-'));
  const sandbox = await startSandbox({
    dataDir,
    ports: { browser: 0, mtls: 0, idp: 0, kms: 0, dynamo: 0 },
    quiet: true,
  });

  // The handlers share this process-wide client (sandbox in-process), so its middleware sees every call.
  // Reads of the sample bank's data stand in for the bank's core system (an upstream call in production).
  const counter = countStoreCalls(wiring.documentClient, (table) => (table === BANK_DATA_TABLE ? BANK_DATA_MARK : ''));
  // KMS requests of the handlers (each a billed request on AWS), counted with the store calls.
  const keys = wiring.keys;
  const { signJws, unwrapKey } = keys;
  Object.assign(keys, {
    signJws: (...args: Parameters<typeof signJws>) => {
      counter.add(`${KMS_PREFIX}Sign`, 1);
      return signJws.apply(keys, args);
    },
    unwrapKey: (...args: Parameters<typeof unwrapKey>) => {
      counter.add(`${KMS_PREFIX}Decrypt`, 1);
      return unwrapKey.apply(keys, args);
    },
  });

  serveTarget(
    {
      manifest: () => sandbox.manifest,
      pids: () => targetPids(),
      resetStoreCalls: () => counter.reset(),
      storeCalls: () => counter.calls(),
      storeFloor: (request: StoreFloorRequest) => storeFloor(request, counter),
      ...transactionsTargetHandlers,
      /** A bench fixture: a customer access token as the code exchange would issue it, bound to the client's certificate. */
      mintResourceToken: async (request: ResourceTokenRequest) => {
        const manifestClient = sandbox.manifest.clients.find((c) => c.client_id === request.clientId)!;
        const client = (await wiring.stores.clients.get(request.clientId))!;
        const now = Math.floor(Date.now() / 1000);
        const { value, record } = mintToken({
          kind: 'access',
          client,
          scope: ['openid', request.grantedScopes ? '' : 'accounts', ...(request.grantedScopes ?? [])]
            .filter(Boolean)
            .join(' '),
          certThumbprint: certificateThumbprint(readFileSync(manifestClient.cert, 'utf8')),
          now,
          ttl: 3600,
          maxUses: 0,
          grant: {
            grantId: `bench-grant-${now}`,
            consentId: request.consentId,
            subject: request.subject,
            accountIds: request.accountIds,
            permissions: request.permissions,
            grantedScopes: request.grantedScopes,
            authTime: now,
          },
        });
        await wiring.stores.tokens.put(record);
        return value;
      },
    },
    async () => {
      await sandbox.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  );
}

main().catch((error: unknown) => {
  console.error('bankgate bench target failed:', error);
  process.exit(1);
});
