/**
 * `npm run bench`: bounded load runs and cold-start proxies, printed as figures (not timed tests). Each
 * server runs in its own process (and its store in another); this process only generates load.
 *
 * 1. Token endpoint, client_credentials: Bankgate's sandbox against the like-for-like peer (oidc-provider
 *    with a DynamoDB adapter on its own dynalite), several alternating rounds; then against oidc-provider's
 *    in-memory store (secondary line). `bench/token.ts`.
 * 2. The private_key_jwt token's store calls alone, with the jti claim as its own write and inside the
 *    issuance transaction. `bench/bankgate-target.ts` (storeFloor).
 * 3. PAR, GET /accounts and gateway APIs on Bankgate. `bench/endpoints.ts`.
 *    Then GET transactions of accounts holding 1k, 10k and 100k transactions. `bench/transactions.ts`.
 * 4. Modeled AWS cost per million requests. `bench/cost.ts`, prices in `bench/aws-prices.json`.
 * 5. Per Lambda handler: bundle size and fresh-process import time next to an SDK-only baseline. `bench/bundles.ts`.
 *
 * Knobs: `bench/settings.ts` (BENCH_QUICK=1 for a short run). `npm run bench -- --self-test`: the peer
 * against an identical peer only, which prints the harness noise (ratios a perfect harness would show as 1.00).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SandboxManifest } from '../sandbox/sandbox';
import type { StoreFloor } from './bankgate-target';
import { measureBundles } from './bundles';
import { type CostInput, costTable, jtiChoiceTable } from './cost';
import { benchEndpoints } from './endpoints';
import { startTarget, type Target } from './ipc';
import type { PeerStartInput, PeerStore } from './peer-target';
import { fixed, kib, ms, table, verdict } from './report';
import { settings, type Verdict } from './settings';
import { summarize } from './store-calls';
import { compareTokenEndpoints, failuresOf, type TokenServer, tokenTable, tokenVerdicts } from './token';
import { benchTransactions, transactionsTable, transactionsVerdicts } from './transactions';

const BUNDLE_LIMIT = 160 * 1024;
const IMPORT_RATIO = 1.2;

async function startPeer(manifest: SandboxManifest, store: PeerStore, name: string) {
  const target = await startTarget(join(__dirname, 'peer-target.ts'));
  const pki = dirname(manifest.ca);
  const { origin, issuer } = await target.call<{ origin: string; issuer: string }>('start', {
    manifest,
    serverKeyPath: join(pki, 'server-key.pem'),
    serverCertPath: join(pki, 'server.pem'),
    store,
  } satisfies PeerStartInput);
  return { name, target, origin, issuer } satisfies TokenServer;
}

function bankgateServer(target: Target, manifest: SandboxManifest): TokenServer {
  return { name: 'Bankgate', target, origin: manifest.mtls_base_url, issuer: manifest.issuer };
}

function describeRun() {
  return (
    `${settings.requests} measured requests per run after ${settings.warmup} warm-up, ${settings.connections} connections, ` +
    `${settings.rounds} round(s), Node ${process.version}${settings.quick ? ' (BENCH_QUICK)' : ''}`
  );
}

/** Peer against an identical peer: the ratios show what the harness alone makes of two equal servers. */
async function selfTest() {
  console.log(`Bench self-test: oidc-provider (DynamoDB) against an identical copy; ${describeRun()}`);
  // The sandbox only provides the PKI and the client registrations both copies use.
  const sandbox = await startTarget(join(__dirname, 'bankgate-target.ts'));
  const manifest = await sandbox.call<SandboxManifest>('manifest');
  const a = await startPeer(manifest, 'dynamodb', 'peer A');
  const b = await startPeer(manifest, 'dynamodb', 'peer B');
  try {
    const comparisons = await compareTokenEndpoints(manifest, a, b);
    console.log(
      tokenTable('Harness noise: the same server twice (every ratio should be 1.00)', a.name, b.name, comparisons),
    );
  } finally {
    await Promise.all([sandbox.close(), a.target.close(), b.target.close()]);
  }
}

async function main() {
  const started = Date.now();
  console.log(`Bankgate bench: ${describeRun()}`);
  const verdicts: Verdict[] = [];
  const failures: string[] = [];

  const bankgateTarget = await startTarget(join(__dirname, 'bankgate-target.ts'));
  const manifest = await bankgateTarget.call<SandboxManifest>('manifest');
  const bankgate = bankgateServer(bankgateTarget, manifest);
  const peer = await startPeer(manifest, 'dynamodb', 'oidc-provider+DynamoDB');
  const memoryPeer = await startPeer(manifest, 'memory', 'oidc-provider in-memory');
  let report: string[] = [];
  let costInput: CostInput | undefined;
  try {
    console.log('\n[1/5] token endpoint: Bankgate and oidc-provider (DynamoDB adapter), alternating rounds ...');
    const likeForLike = await compareTokenEndpoints(manifest, bankgate, peer);
    console.log('      ... and against oidc-provider with its in-memory store (one round) ...');
    const inMemory = await compareTokenEndpoints(manifest, bankgate, memoryPeer, 1);
    for (const c of [...likeForLike, ...inMemory]) {
      failures.push(...failuresOf(`Bankgate ${c.grant}`, c.a), ...failuresOf(`peer ${c.grant}`, c.b));
    }
    verdicts.push(...tokenVerdicts(likeForLike, 'the DynamoDB peer'));

    console.log('[2/5] the private_key_jwt token store calls alone, both jti designs ...');
    const floor = await bankgateTarget.call<StoreFloor>('storeFloor', { clientId: 'tsp2' });

    console.log('[3/5] PAR, GET /accounts and gateway APIs on Bankgate ...');
    const endpoints = await benchEndpoints(bankgateTarget, manifest, peer);
    for (const e of endpoints) {
      failures.push(...failuresOf(e.label, e.figures), ...(e.peer ? failuresOf(`peer ${e.label}`, e.peer) : []));
    }
    console.log('      ... and transactions of accounts holding 1k, 10k and 100k (seeded once) ...');
    const transactions = await benchTransactions(bankgateTarget, manifest);
    for (const t of transactions.runs) failures.push(...failuresOf(`transactions, ${t.label}`, t.figures));
    verdicts.push(...transactionsVerdicts(transactions));

    report = [
      tokenTable(
        'Token endpoint, client_credentials: Bankgate against the like-for-like peer (oidc-provider + DynamoDB adapter, ' +
          'own dynalite process). CPU = server + store process; ratio = Bankgate / peer',
        'Bankgate',
        'peer',
        likeForLike,
      ),
      tokenTable(
        'Secondary line: against oidc-provider with its in-memory store (no store round trips at all)',
        'Bankgate',
        'in-memory',
        inMemory,
      ),
      jtiChoiceTable(floor),
      table(
        'Bankgate endpoints (one run each; store calls per request by command; bank data = the sample bank behind the API, ' +
          "the bank's core system in production). The peer's calls for the same endpoint where it has one",
        [
          'endpoint',
          'req/s',
          'p50 ms',
          'p99 ms',
          'errors',
          'CPU ms/req',
          'reads',
          'writes',
          'bank data',
          'Bankgate calls',
          'peer calls',
        ],
        [
          ...likeForLike.map((c) => endpointRow(`POST /token ${c.grant}`, c.a, summarize(c.b.storeCalls).byCommand)),
          ...endpoints.map((e) =>
            endpointRow(
              e.label,
              e.figures,
              e.peer
                ? `${summarize(e.peer.storeCalls).byCommand} (${fixed(e.peer.throughput)} req/s, ${fixed(e.peer.cpuMsPerRequest, 2)} CPU ms)`
                : 'n/a (no resource server)',
            ),
          ),
        ],
      ),
    ];
    report.push(transactionsTable(transactions));
    costInput = { tokens: likeForLike, endpoints };
  } finally {
    await Promise.all([bankgateTarget.close(), peer.target.close(), memoryPeer.target.close()]);
  }

  console.log('[4/5] bundling every handler and timing fresh-process imports ...');
  // Inside the repository, so the bundles' AWS SDK imports resolve from node_modules as the runtime's would.
  await mkdir(join(__dirname, '..', 'node_modules', '.cache'), { recursive: true });
  const outRoot = await mkdtemp(join(__dirname, '..', 'node_modules', '.cache', 'bankgate-bench-bundles-'));
  const bundles = await measureBundles(outRoot, settings.importRuns).finally(() =>
    rm(outRoot, { recursive: true, force: true }),
  );
  console.log('[5/5] done.');

  for (const line of report) console.log(line);
  console.log(costTable(costInput));
  console.log(
    table(
      `Lambda bundles (minified ESM, node22, as CDK builds them) and fresh-process import time (median of ${settings.importRuns})`,
      [
        'handler',
        'KiB',
        'import ms',
        'baseline',
        'base ms',
        'import ratio',
        `<= ${kib(BUNDLE_LIMIT)} KiB`,
        `<= ${IMPORT_RATIO}x`,
      ],
      bundles.map((b) => [
        b.id,
        kib(b.bytes),
        ms(b.importMs),
        b.baseline,
        ms(b.baselineImportMs),
        fixed(b.importMs / b.baselineImportMs, 2),
        verdict(b.bytes <= BUNDLE_LIMIT),
        verdict(b.importMs <= IMPORT_RATIO * b.baselineImportMs),
      ]),
    ),
  );
  const largest = bundles.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const slowest = bundles.reduce((a, b) => (b.importMs / b.baselineImportMs > a.importMs / a.baselineImportMs ? b : a));
  verdicts.push(
    {
      figure: `largest handler bundle (${largest.id}), KiB`,
      value: kib(largest.bytes),
      target: `<= ${kib(BUNDLE_LIMIT)}`,
      met: largest.bytes <= BUNDLE_LIMIT,
    },
    {
      figure: `worst import time / SDK-only baseline (${slowest.id})`,
      value: fixed(slowest.importMs / slowest.baselineImportMs, 2),
      target: `<= ${IMPORT_RATIO}`,
      met: slowest.importMs <= IMPORT_RATIO * slowest.baselineImportMs,
    },
    { figure: 'runs with failed requests', value: String(failures.length), target: '0', met: failures.length === 0 },
  );
  console.log(
    table(
      'Summary: targets',
      ['figure', 'value', 'target', 'verdict'],
      verdicts.map((v) => [v.figure, v.value, v.target, v.met === undefined ? '' : verdict(v.met)]),
    ),
  );
  console.log(`\nBench finished in ${fixed((Date.now() - started) / 1000)} s.`);
  if (failures.length > 0) {
    console.error(
      `\nSome requests failed, so the figures above do not measure the intended path:\n${failures.join('\n')}`,
    );
    process.exitCode = 1;
  }
}

function endpointRow(label: string, p: import('./measure').Pooled, peerCalls: string) {
  const calls = summarize(p.storeCalls, ' (bank data)');
  return [
    label,
    fixed(p.throughput),
    ms(p.p50Ms),
    ms(p.p99Ms),
    p.failures,
    fixed(p.cpuMsPerRequest, 2),
    fixed(calls.reads, 2),
    fixed(calls.writes, 2),
    fixed(calls.marked, 2),
    calls.byCommand,
    peerCalls,
  ];
}

(process.argv.includes('--self-test') ? selfTest() : main()).catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exit(1);
});
