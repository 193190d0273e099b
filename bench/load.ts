/**
 * A bounded closed-loop load run: N connections (an undici Pool, no pipelining) each send the next
 * request as soon as the previous answer is read, until the fixed number of requests is spent. Every
 * request body is built before the run (pre-signed assertions), so the clock measures only the server.
 * Latency is per request, microsecond resolution; throughput is completed requests per wall-clock second.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface TlsIdentity {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

export interface LoadSpec {
  readonly name: string;
  /** `https://host:port` */
  readonly origin: string;
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  /** The body of request i (warm-up requests come first), or undefined for none. */
  readonly body?: (i: number) => string;
  readonly expectStatus: number;
  readonly warmup: number;
  readonly requests: number;
  readonly connections: number;
  readonly tls: TlsIdentity;
}

export interface LoadResult {
  readonly name: string;
  readonly requests: number;
  readonly failures: number;
  /** One failure's status and body, to say what went wrong. */
  readonly firstFailure?: string;
  readonly seconds: number;
  readonly throughput: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Every measured request's latency, sorted (to pool runs). */
  readonly latencies: Float64Array;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Called right before and right after the measured requests (warm-up excluded), e.g. to read CPU counters. */
export interface MeasureHooks {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function runLoad(spec: LoadSpec, hooks?: MeasureHooks): Promise<LoadResult> {
  const pool = new Pool(spec.origin, {
    connections: spec.connections,
    pipelining: 1,
    connect: { key: spec.tls.key, cert: spec.tls.cert, ca: spec.tls.ca, servername: 'localhost' },
  });
  try {
    // Warm-up: TLS handshakes on every connection, JIT, caches. Not measured.
    await drive(pool, spec, 0, spec.warmup);
    await hooks?.start();
    const started = performance.now();
    const outcome = await drive(pool, spec, spec.warmup, spec.requests);
    const seconds = (performance.now() - started) / 1000;
    await hooks?.stop();
    const sorted = outcome.latencies.sort();
    return {
      name: spec.name,
      requests: spec.requests,
      failures: outcome.failures,
      firstFailure: outcome.firstFailure,
      seconds,
      throughput: spec.requests / seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      latencies: sorted,
    };
  } finally {
    await pool.close();
  }
}

async function drive(pool: Pool, spec: LoadSpec, offset: number, count: number) {
  const latencies = new Float64Array(count);
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const connection = async () => {
    for (let i = next++; i < count; i = next++) {
      const body = spec.body?.(offset + i);
      const sent = performance.now();
      const response = await pool.request({
        path: spec.path,
        method: spec.method,
        headers: {
          ...spec.headers,
          ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        body,
      });
      const text = await response.body.text();
      latencies[i] = performance.now() - sent;
      if (response.statusCode !== spec.expectStatus) {
        failures++;
        firstFailure ??= `${response.statusCode} ${text.slice(0, 300)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(spec.connections, count) }, connection));
  return { latencies, failures, firstFailure };
}
