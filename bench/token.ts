/**
 * The token endpoint, client_credentials, on two servers under the same load generator: per grant
 * (private_key_jwt with PS256 assertions, tls_client_auth), several rounds of alternating runs (A then B,
 * then B then A, ...) so a busy machine slows both alike; each run with fresh single-use assertions.
 * Pooled per side: throughput, p50, p99, errors, CPU per request of the server and its store process, and
 * the store calls per request by command; the ratios A / B.
 */
import type { SandboxManifest } from '../sandbox/sandbox';
import {
  clientCredentialsWithAssertion,
  clientCredentialsWithCertificate,
  clientOf,
  signAssertions,
  tlsIdentityOf,
} from './fixtures';
import type { Target } from './ipc';
import { type Measured, measuredRun, type Pooled, pool } from './measure';
import { fixed, ms, table } from './report';
import { settings, type Verdict } from './settings';
import { summarize } from './store-calls';

export interface TokenServer {
  readonly name: string;
  readonly target: Target;
  /** `https://host:port` of its token endpoint, and the audience of client assertions. */
  readonly origin: string;
  readonly issuer: string;
}

export const TOKEN_GRANTS = [
  { label: 'private_key_jwt', clientId: 'tsp2' },
  { label: 'tls_client_auth', clientId: 'tpp-fapi1' },
] as const;

export type TokenGrant = (typeof TOKEN_GRANTS)[number]['label'];

export interface TokenComparison {
  readonly grant: TokenGrant;
  readonly a: Pooled;
  readonly b: Pooled;
  /** Throughput ratio A / B of each round: the spread says how steady the machine was. */
  readonly roundRatios: readonly number[];
}

async function tokenRun(manifest: SandboxManifest, server: TokenServer, grant: (typeof TOKEN_GRANTS)[number]) {
  const client = clientOf(manifest, grant.clientId);
  const total = settings.warmup + settings.requests;
  let body: (i: number) => string;
  if (grant.label === 'private_key_jwt') {
    const assertions = await signAssertions(client, server.issuer, total);
    body = (i) => clientCredentialsWithAssertion(assertions[i]!);
  } else {
    const form = clientCredentialsWithCertificate(grant.clientId);
    body = () => form;
  }
  const measured = await measuredRun(server.target, {
    name: `${server.name} token ${grant.label}`,
    origin: server.origin,
    path: '/token',
    method: 'POST',
    body,
    expectStatus: 200,
    tls: tlsIdentityOf(manifest, grant.clientId),
    warmup: settings.warmup,
    requests: settings.requests,
    connections: settings.connections,
  });
  return measured;
}

export async function compareTokenEndpoints(
  manifest: SandboxManifest,
  a: TokenServer,
  b: TokenServer,
  rounds = settings.rounds,
): Promise<TokenComparison[]> {
  const comparisons: TokenComparison[] = [];
  for (const grant of TOKEN_GRANTS) {
    const runs: { a: Measured[]; b: Measured[] } = { a: [], b: [] };
    const roundRatios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
      const thisRound: Partial<Record<'a' | 'b', Measured>> = {};
      for (const side of order) {
        thisRound[side] = await tokenRun(manifest, side === 'a' ? a : b, grant);
        runs[side].push(thisRound[side]!);
      }
      roundRatios.push(thisRound.a!.result.throughput / thisRound.b!.result.throughput);
    }
    comparisons.push({ grant: grant.label, a: pool(runs.a), b: pool(runs.b), roundRatios });
  }
  return comparisons;
}

const ratio = (a: number, b: number) => fixed(a / b, 2);

export function tokenTable(title: string, a: string, b: string, comparisons: readonly TokenComparison[]): string {
  const row = (label: string, server: string, p: Pooled) => [
    label,
    server,
    fixed(p.throughput),
    ms(p.p50Ms),
    ms(p.p99Ms),
    p.failures,
    fixed(p.cpuMsPerRequest, 2),
    fixed(p.serverCpuMsPerRequest, 2),
    summarize(p.storeCalls).byCommand,
  ];
  return table(
    title,
    ['grant', 'server', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU ms/req', 'server part', 'store calls per request'],
    comparisons.flatMap((c) => [
      row(c.grant, a, c.a),
      row('', b, c.b),
      [
        '',
        `ratio ${a} / ${b}`,
        ratio(c.a.throughput, c.b.throughput),
        ratio(c.a.p50Ms, c.b.p50Ms),
        ratio(c.a.p99Ms, c.b.p99Ms),
        '',
        ratio(c.a.cpuMsPerRequest, c.b.cpuMsPerRequest),
        ratio(c.a.serverCpuMsPerRequest, c.b.serverCpuMsPerRequest),
        `req/s ratio per round: ${c.roundRatios.map((r) => fixed(r, 2)).join(', ')}`,
      ],
    ]),
  );
}

/** The targets for Bankgate against the like-for-like peer, per grant. */
export const TOKEN_TARGETS = { throughputRatio: 1.5, p99Ratio: 0.7, cpuRatio: 0.7 };

export function tokenVerdicts(comparisons: readonly TokenComparison[], against: string): Verdict[] {
  return comparisons.flatMap((c) => [
    {
      figure: `token ${c.grant}: throughput ratio vs ${against}`,
      value: ratio(c.a.throughput, c.b.throughput),
      target: `>= ${TOKEN_TARGETS.throughputRatio}`,
      met: c.a.throughput / c.b.throughput >= TOKEN_TARGETS.throughputRatio,
    },
    {
      figure: `token ${c.grant}: p99 ratio vs ${against}`,
      value: ratio(c.a.p99Ms, c.b.p99Ms),
      target: `<= ${TOKEN_TARGETS.p99Ratio}`,
      met: c.a.p99Ms / c.b.p99Ms <= TOKEN_TARGETS.p99Ratio,
    },
    {
      figure: `token ${c.grant}: CPU per request ratio vs ${against}`,
      value: ratio(c.a.cpuMsPerRequest, c.b.cpuMsPerRequest),
      target: `<= ${TOKEN_TARGETS.cpuRatio}`,
      met: c.a.cpuMsPerRequest / c.b.cpuMsPerRequest <= TOKEN_TARGETS.cpuRatio,
    },
  ]);
}

/** Failed requests of the runs, as messages (a run with errors does not measure the intended path). */
export function failuresOf(label: string, pooled: Pooled): string[] {
  return pooled.failures > 0 ? [`${label}: ${pooled.failures} failed, e.g. ${pooled.firstFailure}`] : [];
}
