/**
 * The bench's knobs (environment) and what every section reports into. BENCH_QUICK=1: a short run (a few
 * hundred requests, one round) that still exercises every path, e.g. to check the bench itself.
 */
const quick = process.env.BENCH_QUICK === '1';
const knob = (name: string, full: number, short: number) => Number(process.env[name] ?? (quick ? short : full));

export const settings = {
  quick,
  /** Measured requests per run, after the warm-up requests. */
  requests: knob('BENCH_REQUESTS', 2000, 300),
  warmup: knob('BENCH_WARMUP', 200, 50),
  connections: knob('BENCH_CONNECTIONS', 16, 16),
  /** Token comparisons: rounds of alternating runs (A then B, then B then A, ...). */
  rounds: knob('BENCH_ROUNDS', 3, 1),
  /** Fresh-process imports per handler bundle (median). */
  importRuns: knob('BENCH_IMPORT_RUNS', 5, 3),
};

/** One line of the summary: a figure, its target, and whether it is met (undefined: reported only). */
export interface Verdict {
  readonly figure: string;
  readonly value: string;
  readonly target: string;
  readonly met?: boolean;
}
