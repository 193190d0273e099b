/**
 * A load run on a target with what the server spent on it: CPU time of the server process and of its store
 * process (`/proc`), and its DynamoDB calls by command, both over the measured requests only (warm-up
 * excluded). Runs of one kind pool into one figure: latencies merged, totals summed.
 */
import { cpuMs } from './cpu';
import type { Target } from './ipc';
import { type LoadResult, type LoadSpec, percentile, runLoad } from './load';
import type { StoreCalls } from './store-calls';

export interface Measured {
  readonly result: LoadResult;
  /** CPU ms of the server process (what Lambda would run) and of its store process (dynalite). */
  readonly serverCpuMs: number;
  readonly storeCpuMs: number;
  /** Totals over the measured requests. */
  readonly storeCalls: StoreCalls;
}

/** A target's processes: its own pid first, then its store's (`pids` of `ipc.ts`). */
async function processesOf(target: Target): Promise<{ server: number; store: number[] }> {
  const [server, ...store] = await target.call<number[]>('pids');
  return { server: server!, store };
}

export async function measuredRun(target: Target, spec: LoadSpec): Promise<Measured> {
  const pids = await processesOf(target);
  let server = 0;
  let store = 0;
  let storeCalls: StoreCalls = {};
  const result = await runLoad(spec, {
    start: async () => {
      await target.call('resetStoreCalls');
      server = -cpuMs([pids.server]);
      store = -cpuMs(pids.store);
    },
    stop: async () => {
      server += cpuMs([pids.server]);
      store += cpuMs(pids.store);
      storeCalls = await target.call<StoreCalls>('storeCalls');
    },
  });
  return { result, serverCpuMs: server, storeCpuMs: store, storeCalls };
}

export interface Pooled {
  readonly runs: number;
  readonly requests: number;
  readonly failures: number;
  readonly firstFailure?: string;
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Per request: server + store process, and the server process alone. */
  readonly cpuMsPerRequest: number;
  readonly serverCpuMsPerRequest: number;
  /** Per request, by command. */
  readonly storeCalls: StoreCalls;
}

export function pool(runs: readonly Measured[]): Pooled {
  const requests = runs.reduce((sum, run) => sum + run.result.requests, 0);
  const seconds = runs.reduce((sum, run) => sum + run.result.seconds, 0);
  const latencies = Float64Array.from(runs.flatMap((run) => [...run.result.latencies])).sort();
  const serverCpu = runs.reduce((sum, run) => sum + run.serverCpuMs, 0);
  const storeCpu = runs.reduce((sum, run) => sum + run.storeCpuMs, 0);
  const storeCalls: StoreCalls = {};
  for (const run of runs) {
    for (const [command, count] of Object.entries(run.storeCalls)) {
      storeCalls[command] = (storeCalls[command] ?? 0) + count / requests;
    }
  }
  return {
    runs: runs.length,
    requests,
    failures: runs.reduce((sum, run) => sum + run.result.failures, 0),
    firstFailure: runs.find((run) => run.result.firstFailure)?.result.firstFailure,
    throughput: requests / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    cpuMsPerRequest: (serverCpu + storeCpu) / requests,
    serverCpuMsPerRequest: serverCpu / requests,
    storeCalls,
  };
}
