/**
 * Fault injection for resilience tests, at the two AWS ports the handlers use:
 * - the store: a middleware on the process-wide DynamoDB document client (the in-process sandbox's
 *   handlers share it), failing chosen calls with the errors the SDK really throws;
 * - KMS: the handlers' KMS client is built inside `wiring.keys` (`lambdas/wiring.ts`) and not exposed, so the
 *   only in-process seam is the SDK class itself (`KMSClient.prototype.send`), wrapped and restored here.
 * And a sandbox child process that can be killed hard (SIGKILL) and started again on the same data dir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type TableKey, tableName } from '../../lambdas/tables';
import { wiring } from '../../lambdas/wiring';
import type { SandboxPorts } from '../../sandbox/sandbox';
import { type SandboxProcess, startSandboxProcess } from '../../sandbox/tenant-process';
import { type TestSandbox, wrap } from './sandbox';
import { portEnv } from './sandbox-process';

/** Throttling, a timeout and a 5xx: the infrastructure faults a caller can sensibly retry. */
export type FaultKind = 'throttling' | 'timeout' | 'serviceError';

/** The error the AWS SDK v3 throws for each kind (name + $metadata, as the handlers see it). */
export function awsFault(kind: FaultKind, service: 'dynamodb' | 'kms' = 'dynamodb'): Error {
  const [name, httpStatusCode] =
    kind === 'throttling'
      ? [service === 'kms' ? 'ThrottlingException' : 'ProvisionedThroughputExceededException', 400]
      : kind === 'timeout'
        ? ['TimeoutError', undefined]
        : [service === 'kms' ? 'KMSInternalException' : 'InternalServerError', 500];
  return Object.assign(new Error(`injected ${kind}`), {
    name,
    $fault: httpStatusCode === 400 ? 'client' : 'server',
    $metadata: { httpStatusCode, attempts: 1 },
  });
}

/** One store call as the SDK sends it: operation without `Command` (PutItem, UpdateItem, ...) and table. */
export interface StoreCall {
  readonly operation: string;
  readonly table: string;
}

export interface StoreFaultRule {
  /** e.g. 'PutItem'; any when absent. */
  readonly operation?: string;
  /** Logical table (tables.ts key); any when absent. */
  readonly table?: TableKey;
  /** Fail the nth matching call from now on (1 = the next one). @default 1 */
  readonly nth?: number;
  /** How many consecutive matching calls fail, starting at `nth`. @default 1 */
  readonly times?: number;
  readonly kind: FaultKind;
}

export interface StoreFaults {
  /** Every call since injection (or the last `reset`), failed ones included. */
  readonly calls: readonly StoreCall[];
  /** Calls that were failed. */
  readonly failed: readonly StoreCall[];
  fail(rule: StoreFaultRule): void;
  /** Drops all rules and the call log. */
  reset(): void;
}

const MIDDLEWARE_NAME = 'resilienceTestFaults';

/**
 * Adds (once per client) a middleware that records every call and fails those the active rules match.
 * The middleware stays on the client; `reset()` makes it a pass-through again.
 */
export function injectStoreFaults(client: DynamoDBDocumentClient = wiring.documentClient): StoreFaults {
  const calls: StoreCall[] = [];
  const failed: StoreCall[] = [];
  let rules: { rule: StoreFaultRule; seen: number }[] = [];
  client.middlewareStack.remove(MIDDLEWARE_NAME);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const call: StoreCall = {
        operation: String(context.commandName ?? '').replace(/Command$/, ''),
        table: String((args.input as { TableName?: string }).TableName ?? ''),
      };
      calls.push(call);
      for (const entry of rules) {
        const { rule } = entry;
        if (rule.operation !== undefined && rule.operation !== call.operation) continue;
        if (rule.table !== undefined && tableName(rule.table) !== call.table) continue;
        entry.seen += 1;
        const first = rule.nth ?? 1;
        if (entry.seen >= first && entry.seen < first + (rule.times ?? 1)) {
          failed.push(call);
          throw awsFault(rule.kind, 'dynamodb');
        }
      }
      return next(args);
    },
    { step: 'initialize', name: MIDDLEWARE_NAME, override: true },
  );
  return {
    calls,
    failed,
    fail: (rule) => {
      rules.push({ rule, seen: 0 });
    },
    reset: () => {
      rules = [];
      calls.length = 0;
      failed.length = 0;
    },
  };
}

export interface KmsFaults {
  /** KMS operations attempted since injection (Sign, GetPublicKey, Decrypt). */
  readonly calls: readonly string[];
  /** Fails the next `times` calls of `operation`. */
  fail(operation: 'Sign' | 'GetPublicKey' | 'Decrypt', kind: FaultKind, times?: number): void;
  /** Puts the SDK's own `send` back. */
  restore(): void;
}

/** Wraps `KMSClient.prototype.send` for every KMS client of this process (the handlers' included). */
export function injectKmsFaults(): KmsFaults {
  const prototype = KMSClient.prototype as unknown as { send: (...args: unknown[]) => Promise<unknown> };
  const original = Object.getOwnPropertyDescriptor(prototype, 'send');
  const inherited = prototype.send;
  const calls: string[] = [];
  const pending = new Map<string, { kind: FaultKind; left: number }>();
  prototype.send = function send(this: KMSClient, ...args: unknown[]) {
    const operation = (args[0] as object).constructor.name.replace(/Command$/, '');
    calls.push(operation);
    const fault = pending.get(operation);
    if (fault && fault.left > 0) {
      fault.left -= 1;
      return Promise.reject(awsFault(fault.kind, 'kms'));
    }
    return inherited.apply(this, args);
  };
  return {
    calls,
    fail: (operation, kind, times = 1) => {
      pending.set(operation, { kind, left: times });
    },
    restore: () => {
      if (original) Object.defineProperty(prototype, 'send', original);
      else delete (prototype as { send?: unknown }).send;
    },
  };
}

// ---- A sandbox child process that can be killed hard ----------------------------------------------

export interface KillableSandbox {
  /** The running sandbox (replaced by `crashAndRestart`). */
  readonly current: TestSandbox;
  /** Everything the child processes wrote to stdout and stderr so far, across restarts. */
  output(): string;
  /** SIGKILL (no shutdown hooks, no flushing), then a fresh process on the same data dir and ports. */
  crashAndRestart(): Promise<TestSandbox>;
  stop(): Promise<void>;
}

/** `tsx sandbox/main.ts` as `npm start` runs it, with `env` added, exposing the child for a hard kill. */
export async function startKillableSandbox(env: Record<string, string> = {}): Promise<KillableSandbox> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bankgate-killable-'));
  let output = '';
  let child: SandboxProcess | undefined;

  async function launch(ports: SandboxPorts): Promise<SandboxProcess> {
    child = await startSandboxProcess(
      dataDir,
      { ...env, ...portEnv('BANKGATE_', ports) },
      {
        output: (chunk) => {
          output += chunk;
        },
      },
    );
    return child;
  }

  const ephemeral: SandboxPorts = { browser: 0, mtls: 0, idp: 0, kms: 0, dynamo: 0 };
  let current: TestSandbox;
  try {
    current = await wrap(await launch(ephemeral), dataDir, launch);
  } catch (error) {
    await child?.kill();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    get current() {
      return current;
    },
    output: () => output,
    crashAndRestart: async () => {
      await child?.kill();
      // restart() closes the agents; closing the dead process resolves at once; same ports, same dir.
      current = await current.restart();
      return current;
    },
    stop: () => current.stop(),
  };
}
