/**
 * The bench talks to each server under test (Bankgate's sandbox, the oidc-provider peer) in its own child
 * process, so the load generator never shares an event loop with the server it measures. Requests and
 * replies are plain IPC messages matched by id.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Suffix of a round-trip counter for a call to the sample bank's data table (the bank's core system). */
export const BANK_DATA_MARK = ' (bank data)';

type TargetHandlers = Record<string, (payload: never) => unknown>;

interface IpcRequest {
  readonly id: number;
  readonly type: string;
  readonly payload?: unknown;
}

interface IpcReply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

/** Child side: answers the parent's requests; `close` replies before the process exits. */
export function serveTarget(handlers: TargetHandlers, close: () => Promise<void>): void {
  process.on('message', async (message: IpcRequest) => {
    const reply = (r: Omit<IpcReply, 'id'>) => process.send?.({ id: message.id, ...r });
    if (message.type === 'close') {
      await close();
      reply({ ok: true });
      process.disconnect();
      return;
    }
    try {
      const handler = handlers[message.type];
      if (!handler) throw new Error(`unknown request ${message.type}`);
      reply({ ok: true, value: await handler(message.payload as never) });
    } catch (error) {
      reply({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
  process.send?.({ id: 0, ok: true, value: 'ready' });
}

export interface Target {
  call<T>(type: string, payload?: unknown): Promise<T>;
  close(): Promise<void>;
}

/**
 * Parent side: forks a TypeScript target (through tsx) and waits until it serves. With
 * BENCH_CPU_PROF_DIR set, each target writes a V8 CPU profile there on exit (open it in Chrome DevTools).
 */
export async function startTarget(script: string): Promise<Target> {
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const child: ChildProcess = fork(script, [], {
    execArgv: ['--import', 'tsx', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  child.on('message', (reply: IpcReply) => {
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (reply.ok) waiter?.resolve(reply.value);
    else waiter?.reject(new Error(reply.error));
  });
  child.on('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${script} exited with ${code}`));
    pending.clear();
  });
  await ready;
  const call = <T>(type: string, payload?: unknown) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, type, payload } satisfies IpcRequest);
    });
  return {
    call,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      await call('close').catch(() => undefined);
      await exited;
    },
  };
}

/** This process and all its descendants: a server and its store process (the CPU per request counts both). */
export function targetPids(pid = process.pid): number[] {
  return [pid, ...childPids(pid).flatMap((child) => targetPids(child))];
}

/** The direct child processes of a process (Linux), e.g. the sandbox's dynalite. */
function childPids(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number),
    );
  } catch {
    return [];
  }
}
