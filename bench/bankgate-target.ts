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
import { BANK_DATA_MARK, rssSampler, serveTarget } from './ipc';

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
  readonly requests: number;
  readonly connections: number;
}

/**
 * The private_key_jwt token's store calls and nothing else: the client read, the jti claim and the token
 * write, through the production adapters, from `connections` concurrent loops. No TLS, HTTP, JOSE or
 * handler: the ceiling any token endpoint on this store, this SDK and this machine can reach.
 */
async function storeFloor({ clientId, requests, connections }: StoreFloorRequest) {
  const { clients, once, tokens } = wiring.stores;
  const client = (await clients.get(clientId))!;
  const oneToken = async () => {
    const now = Math.floor(Date.now() / 1000);
    await clients.get(clientId);
    await once.claim({ key: { purpose: 'jti', clientId, value: randomUUID() }, expiresAt: now + 60 }, now);
    const { record } = mintToken({
      kind: 'access',
      client,
      scope: 'accounts',
      certThumbprint: 'bench-floor-thumbprint',
      now,
      ttl: 300,
      maxUses: 0,
    });
    await tokens.put(record);
  };
  let next = 0;
  const worker = async () => {
    while (next++ < requests) await oneToken();
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: connections }, worker));
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  return { throughput: requests / seconds, cpuMsPerRequest: (used.user + used.system) / 1000 / requests };
}

async function main() {
  const dataDir = await mkdtemp(join(tmpdir(), 'bankgate-bench-'));
  const sandbox = await startSandbox({
    dataDir,
    ports: { browser: 0, mtls: 0, idp: 0, kms: 0, dynamo: 0 },
    quiet: true,
  });

  // The handlers share this process-wide client (sandbox in-process), so its middleware sees every call.
  let roundTrips: Record<string, number> = {};
  wiring.documentClient.middlewareStack.add(
    (next, context) => async (args) => {
      // Reads of the sample bank's data stand in for the bank's core system (an upstream call in production).
      const table = (args.input as { TableName?: string }).TableName;
      const command = `${context.commandName ?? 'unknown'}${table === BANK_DATA_TABLE ? BANK_DATA_MARK : ''}`;
      roundTrips[command] = (roundTrips[command] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'benchRoundTripCounter' },
  );

  const memory = rssSampler();
  serveTarget(
    {
      manifest: () => sandbox.manifest,
      resetRoundTrips: () => {
        roundTrips = {};
      },
      roundTrips: () => roundTrips,
      storeFloor,
      startMemory: () => memory.start(),
      stopMemory: () => memory.stop(),
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
