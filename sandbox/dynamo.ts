/**
 * DynamoDB for the sandbox: dynalite (the DynamoDB HTTP API on LevelDB) persisted under the data dir,
 * and the tables of `lambdas/tables.ts` created in it exactly as CDK declares them.
 * dynalite has no UpdateTimeToLive: TTL is skipped, and code already treats expired items as absent. It has no
 * TransactWriteItems either: `dynamo-transactions.ts` adds it.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { allTables, type KeyAttribute, type TableDefinition } from '../lambdas/tables';
import { addTransactions } from './dynamo-transactions';

export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`: the value of AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  readonly port: number;
  close(): Promise<void>;
}

/** `path`: the LevelDB directory (persisted); in memory without it. */
export async function startLocalDynamo(opts: {
  path?: string;
  port: number;
  host?: string;
  separateProcess?: boolean;
}): Promise<LocalDynamo> {
  const host = opts.host ?? '127.0.0.1';
  if (opts.separateProcess) return startDynaliteProcess({ ...opts, host });
  const server = dynalite({ path: opts.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const transactions = await addTransactions(server);
  const inFlight = new Set<Promise<unknown>>();
  server.on('request', (_request, response) => {
    const answered = once(response, 'close');
    inFlight.add(answered);
    answered.finally(() => inFlight.delete(answered));
  });
  server.listen(opts.port, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close: async () => {
      await transactions.close();
      // LevelDB must outlive every request dynalite is still serving: a write after it closed throws out of
      // dynalite's callback and ends the whole process (bounded, for a client that never reads its answer).
      const deadline = Date.now() + 5_000;
      while (inFlight.size > 0 && Date.now() < deadline) await Promise.race([...inFlight, sleep(100)]);
      await new Promise<void>((resolve, reject) => {
        // dynalite's close waits for the HTTP server, then closes LevelDB; keep-alive sockets must go first.
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

async function startDynaliteProcess(opts: { path?: string; port: number; host: string }): Promise<LocalDynamo> {
  const child = fork(join(__dirname, 'dynamo-process.ts'), [String(opts.port), opts.host, opts.path ?? ''], {
    // A profiled sandbox (bench's BENCH_CPU_PROF_DIR) profiles its store too.
    execArgv: ['--import', 'tsx', ...process.execArgv.filter((arg) => arg.startsWith('--cpu-prof'))],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [message] = (await Promise.race([
    once(child, 'message'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`dynalite exited with ${code} before listening`);
    }),
  ])) as [{ port: number }];
  const { port } = message;
  return {
    endpoint: `http://${opts.host}:${port}`,
    port,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send('close');
      await exited;
    },
  };
}

/** The physical table name the sandbox uses (CDK lets CloudFormation name tables). */
export function sandboxTableName(table: TableDefinition, prefix = 'bankgate'): string {
  return `${prefix}-${table.name}`;
}

function keySchema(partitionKey: KeyAttribute, sortKey?: KeyAttribute) {
  return [
    { AttributeName: partitionKey.name, KeyType: 'HASH' as const },
    ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' as const }] : []),
  ];
}

function attributeDefinitions(table: TableDefinition): AttributeDefinition[] {
  const keys = [table.partitionKey, table.sortKey, ...table.indexes.flatMap((i) => [i.partitionKey, i.sortKey])];
  const byName = new Map<string, AttributeDefinition>();
  for (const key of keys) {
    if (key) byName.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  }
  return [...byName.values()];
}

async function waitUntilActive(client: DynamoDBClient, name: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await sleep(10);
  }
  throw new Error(`Table ${name} did not become ACTIVE`);
}

/**
 * dynalite cannot add an index to an existing table (UpdateTable has no GSI Create), so a data dir from before
 * an index was declared cannot be upgraded in place: say so instead of failing later on a query.
 */
async function requireIndexes(client: DynamoDBClient, name: string, table: TableDefinition): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  const missing = table.indexes.filter((index) => !present.has(index.indexName)).map((index) => index.indexName);
  if (missing.length > 0) {
    throw new Error(
      `The sandbox data was created by an older version: table ${name} lacks the index ${missing.join(', ')}. ` +
        'Delete the data directory (.local/) and start again.',
    );
  }
}

/** Creates every missing table (keys and GSIs as declared); returns the names it created. */
export async function ensureTables(
  client: DynamoDBClient,
  definitions: readonly TableDefinition[] = allTables,
  prefix = 'bankgate',
): Promise<string[]> {
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) existing.add(name);
    start = page.LastEvaluatedTableName;
  } while (start);

  const created: string[] = [];
  for (const table of definitions) {
    const name = sandboxTableName(table, prefix);
    if (existing.has(name)) {
      await requireIndexes(client, name, table);
      continue;
    }
    try {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: attributeDefinitions(table),
          KeySchema: keySchema(table.partitionKey, table.sortKey),
          GlobalSecondaryIndexes: table.indexes.length
            ? table.indexes.map((index) => ({
                IndexName: index.indexName,
                KeySchema: keySchema(index.partitionKey, index.sortKey),
                Projection:
                  typeof index.projection === 'object'
                    ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.projection.include] }
                    : { ProjectionType: index.projection },
              }))
            : undefined,
        }),
      );
      created.push(name);
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    await waitUntilActive(client, name);
  }
  return created;
}
