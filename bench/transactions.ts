/**
 * Account data that grows: GET /accounts/{AccountId}/transactions on accounts holding 1k, 10k and 100k
 * transactions (written once per bench run, `bench/transactions-target.ts`), the first page and a page deep in
 * the history (the Next link of a filter ending halfway back: cursor checked, keyset read), both at the default
 * page size. Per run: p50, p99, CPU ms per request of the server and its store process, store calls, response
 * bytes; then whether p50 and CPU stay within 1.2x of the 1k case, and the largest page (the maximum page
 * size) against the payload limits of Lambda and API Gateway. Part of `npm run bench`; alone:
 * `npx tsx bench/transactions.ts`.
 */
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { MAX_PAGE_SIZE } from '../lambdas/domain/transaction-pages';
import type { SandboxManifest } from '../sandbox/sandbox';
import type { ResourceTokenRequest } from './bankgate-target';
import { tlsIdentityOf } from './fixtures';
import { startTarget, type Target } from './ipc';
import type { LoadSpec, TlsIdentity } from './load';
import { type Measured, measuredRun, type Pooled, pool } from './measure';
import { fixed, kib, ms, table, verdict } from './report';
import { settings, type Verdict } from './settings';
import { summarize } from './store-calls';
import type { SeedHistoriesResult } from './transactions-target';

export const HISTORY_SIZES = [1_000, 10_000, 100_000] as const;
/** Growth allowed from the 1k case, for p50 and CPU per request. */
const GROWTH_LIMIT = 1.2;
/** Lambda's synchronous response payload limit (6 MB) and API Gateway REST's (10 MB), in bytes. */
const LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024;
const API_GATEWAY_RESPONSE_LIMIT = 10 * 1024 * 1024;

const CLIENT = 'tsp2';
const AISP = '/open-banking/v3.1/aisp';
const PERMISSIONS = [
  'ReadAccountsDetail',
  'ReadTransactionsDetail',
  'ReadTransactionsCredits',
  'ReadTransactionsDebits',
];

export interface TransactionsRun {
  readonly held: number;
  readonly page: 'first' | 'deep';
  readonly label: string;
  readonly figures: Pooled;
  readonly bytes: number;
}

export interface TransactionsBench {
  readonly seeding: SeedHistoriesResult;
  readonly runs: readonly TransactionsRun[];
  /** A page at the maximum page size of the longest history. */
  readonly largestPage: { readonly transactions: number; readonly bytes: number };
}

/** One GET over mTLS: the body and its byte length. */
async function getOnce(origin: string, path: string, token: string, tls: TlsIdentity) {
  const dispatcher = new Agent({ connect: { key: tls.key, cert: tls.cert, ca: tls.ca, servername: 'localhost' } });
  try {
    const response = await request(`${origin}${path}`, {
      dispatcher,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    const text = await response.body.text();
    if (response.statusCode !== 200)
      throw new Error(`GET ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
    const body = JSON.parse(text) as { Data: { Transaction: unknown[] }; Links: { Next?: string } };
    return { body, bytes: Buffer.byteLength(text) };
  } finally {
    await dispatcher.close();
  }
}

const pathOf = (link: string) => {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
};

export async function benchTransactions(bankgate: Target, manifest: SandboxManifest): Promise<TransactionsBench> {
  const tls = tlsIdentityOf(manifest, CLIENT);
  const origin = manifest.mtls_base_url;
  const seeding = await bankgate.call<SeedHistoriesResult>('seedHistories', { sizes: HISTORY_SIZES });
  const cases: { held: number; page: TransactionsRun['page']; label: string; load: LoadSpec; bytes: number }[] = [];
  let largestPage = { transactions: 0, bytes: 0 };
  for (const history of seeding.histories) {
    const token = await bankgate.call<string>('mintResourceToken', {
      clientId: CLIENT,
      consentId: `bench-history-consent-${history.transactions}`,
      subject: history.subject,
      accountIds: [history.accountId],
      permissions: PERMISSIONS,
    } satisfies ResourceTokenRequest);
    const resource = `${AISP}/accounts/${encodeURIComponent(history.accountId)}/transactions`;
    const middle = new Date((Date.parse(history.oldest) + Date.parse(history.newest)) / 2).toISOString().slice(0, 19);
    const halfway = await getOnce(origin, `${resource}?toBookingDateTime=${middle}`, token, tls);
    const paths = { first: resource, deep: pathOf(halfway.body.Links.Next!) } as const;
    for (const page of ['first', 'deep'] as const) {
      const label = `${history.transactions} held, ${page} page`;
      cases.push({
        held: history.transactions,
        page,
        label,
        bytes: (await getOnce(origin, paths[page], token, tls)).bytes,
        load: {
          name: `Bankgate GET transactions, ${label}`,
          origin,
          path: paths[page],
          method: 'GET',
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          expectStatus: 200,
          tls,
          warmup: settings.warmup,
          requests: settings.requests,
          connections: settings.connections,
        },
      });
    }
    if (history === seeding.histories.at(-1)) {
      const { body, bytes } = await getOnce(origin, `${resource}?pageSize=${MAX_PAGE_SIZE}`, token, tls);
      largestPage = { transactions: body.Data.Transaction.length, bytes };
    }
  }
  // Rounds alternate the order (short histories first, then long ones first), so drift on a shared machine
  // does not favour one length; each case's runs are pooled.
  const measured = new Map(cases.map((c) => [c, [] as Measured[]]));
  for (let round = 0; round < settings.rounds; round++) {
    for (const c of round % 2 ? [...cases].reverse() : cases)
      measured.get(c)!.push(await measuredRun(bankgate, c.load));
  }
  const runs = cases.map((c) => ({
    held: c.held,
    page: c.page,
    label: c.label,
    bytes: c.bytes,
    figures: pool(measured.get(c)!),
  }));
  return { seeding, runs, largestPage };
}

const baseOf = (runs: readonly TransactionsRun[], run: TransactionsRun) =>
  runs.find((r) => r.page === run.page && r.held === HISTORY_SIZES[0])!;

export function transactionsTable({ seeding, runs }: TransactionsBench): string {
  return table(
    'Transactions of one account: GET /accounts/{AccountId}/transactions, default page (100); "deep" = a Next page ' +
      `halfway back; ${settings.rounds} round(s) in alternating order, pooled. CPU = server + store process; growth = / the ` +
      `1k case. Histories seeded once: ${seeding.items} items in ${fixed(seeding.seconds)} s (BatchWriteItem)`,
    ['held', 'page', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU ms/req', 'KiB', 'p50 growth', 'CPU growth', 'calls'],
    runs.map((run) => {
      const base = baseOf(runs, run).figures;
      return [
        String(run.held),
        run.page,
        fixed(run.figures.throughput),
        ms(run.figures.p50Ms),
        ms(run.figures.p99Ms),
        run.figures.failures,
        fixed(run.figures.cpuMsPerRequest, 2),
        kib(run.bytes),
        fixed(run.figures.p50Ms / base.p50Ms, 2),
        fixed(run.figures.cpuMsPerRequest / base.cpuMsPerRequest, 2),
        summarize(run.figures.storeCalls, ' (bank data)').byCommand,
      ];
    }),
  );
}

export function transactionsVerdicts({ runs, largestPage }: TransactionsBench): Verdict[] {
  const worst = (pick: (p: Pooled) => number) =>
    Math.max(...runs.map((run) => pick(run.figures) / pick(baseOf(runs, run).figures)));
  const p50 = worst((p) => p.p50Ms);
  const cpu = worst((p) => p.cpuMsPerRequest);
  const limit = Math.min(LAMBDA_RESPONSE_LIMIT, API_GATEWAY_RESPONSE_LIMIT);
  return [
    {
      figure: 'transactions p50 at 10k and 100k held / at 1k (worst page)',
      value: fixed(p50, 2),
      target: `<= ${GROWTH_LIMIT}`,
      met: p50 <= GROWTH_LIMIT,
    },
    {
      figure: 'transactions CPU per request at 10k and 100k held / at 1k (worst page)',
      value: fixed(cpu, 2),
      target: `<= ${GROWTH_LIMIT}`,
      met: cpu <= GROWTH_LIMIT,
    },
    {
      figure: `largest transactions response (a page of ${largestPage.transactions}, the maximum), KiB`,
      value: kib(largestPage.bytes),
      target: '< 6 MiB (Lambda), 10 MiB (API Gateway)',
      met: largestPage.bytes < limit,
    },
  ];
}

/** `npx tsx bench/transactions.ts`: this section alone, with the same knobs (bench/settings.ts). */
async function main() {
  const bankgate = await startTarget(join(__dirname, 'bankgate-target.ts'));
  try {
    const result = await benchTransactions(bankgate, await bankgate.call<SandboxManifest>('manifest'));
    console.log(transactionsTable(result));
    console.log(
      table(
        'Summary: targets',
        ['figure', 'value', 'target', 'verdict'],
        transactionsVerdicts(result).map((v) => [v.figure, v.value, v.target, verdict(v.met!)]),
      ),
    );
  } finally {
    await bankgate.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error('transactions bench failed:', error);
    process.exit(1);
  });
}
