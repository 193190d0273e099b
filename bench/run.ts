/**
 * `npm run bench`: bounded load runs and cold-start proxies, printed as figures (not timed tests).
 *
 * 1. Token endpoint, client_credentials, against Bankgate's sandbox (its real local store: dynalite on
 *    disk) and, in the same run, against oidc-provider v9 set up equivalently (bench/peer-target.ts):
 *    private_key_jwt (PS256, one pre-signed assertion per request) and tls_client_auth.
 * 2. PAR, a resource call (GET /accounts with a certificate-bound customer token) and two gateway APIs of
 *    the Taiwan sample (plain JSON, response JWE), with DynamoDB round trips per request counted by command name.
 * 3. Per Lambda handler: minified bundle bytes and fresh-process import time next to an AWS-SDK-only baseline.
 * 4. Peak RSS of the sandbox process during the token runs.
 *
 * Each server runs in its own process; this process only generates load. Knobs (environment):
 * BENCH_REQUESTS (default 2000 per run), BENCH_WARMUP (200), BENCH_CONNECTIONS (16).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { SandboxManifest } from '../sandbox/sandbox';
import type { ResourceTokenRequest, StoreFloorRequest } from './bankgate-target';
import { type BundleRow, measureBundles } from './bundles';
import {
  clientCredentialsWithAssertion,
  clientCredentialsWithCertificate,
  clientOf,
  createConsent,
  pushedAuthorizationRequest,
  signAssertions,
  tlsIdentityOf,
} from './fixtures';
import { BANK_DATA_MARK, startTarget, type Target } from './ipc';
import { type LoadResult, type LoadSpec, runLoad } from './load';
import type { PeerStartInput } from './peer-target';
import { fixed, kib, mib, ms, table, verdict } from './report';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

const PKJWT_CLIENT = 'tsp2';
const TLS_CLIENT = 'tpp-fapi1';
const CUSTOMER = { subject: 'steve', accountIds: ['steve-current-gbp', 'steve-savings-gbp'] };
/** The seed's Taiwan customer, with all three API groups granted. */
const GATEWAY_CUSTOMER = {
  subject: 'anne',
  accountIds: ['anne-current-twd', 'anne-savings-gbp', 'anne-time-deposit-twd'],
  grantedScopes: ['demand_deposits', 'time_deposits', 'credit_cards'],
};

/** The Taiwan Open Banking request headers; X-TxnInitDateTime is yyyyMMddHHmmss. */
function taiwanHeaders(clientId: string): Record<string, string> {
  return {
    'x-stan': '0000001',
    'x-destinationid': '0080000',
    'x-clientid': clientId,
    'x-txninitdatetime': new Date().toISOString().replace(/[-T:]/g, '').slice(0, 14),
  };
}

const TARGETS = {
  tokenThroughputRatio: 1.0,
  tokenP99Ratio: 1.0,
  tokenWrites: 2,
  resourceRoundTrips: 2,
  bundleBytes: 300 * 1024,
  importRatio: 1.5,
};

type RoundTrips = Record<string, number>;

interface RoundTripFigures {
  /** Calls of Bankgate's own tables; `backend`: reads of the sample bank's data (the bank's core system). */
  readonly reads: number;
  readonly writes: number;
  readonly backend: number;
  /** Per request, by command name. */
  readonly byCommand: string;
}

const READ_COMMAND = /^(Get|BatchGet|Query|Scan)/;

function perRequest(counts: RoundTrips, requests: number): RoundTripFigures {
  let reads = 0;
  let writes = 0;
  let backend = 0;
  for (const [command, count] of Object.entries(counts)) {
    if (command.endsWith(BANK_DATA_MARK)) backend += count;
    else if (READ_COMMAND.test(command)) reads += count;
    else writes += count;
  }
  const byCommand = Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([command, count]) => `${command.replace('Command', '')} ${fixed(count / requests, 2)}`)
    .join(', ');
  return {
    reads: reads / requests,
    writes: writes / requests,
    backend: backend / requests,
    byCommand: byCommand || 'none',
  };
}

/** One load run on Bankgate with its DynamoDB calls counted (warm-up included in both counts). */
async function measuredOnBankgate(bankgate: Target, spec: LoadSpec) {
  await bankgate.call('resetRoundTrips');
  const result = await runLoad(spec);
  const roundTrips = perRequest(await bankgate.call<RoundTrips>('roundTrips'), spec.warmup + spec.requests);
  return { result, roundTrips };
}

/** A load run with the target's resident memory sampled throughout. */
async function withPeakRss(target: Target, run: () => Promise<LoadResult>) {
  await target.call('startMemory');
  const result = await run();
  const { peakRssBytes } = await target.call<{ peakRssBytes: number }>('stopMemory');
  return { result, peakRssBytes };
}

function loadSpec(partial: Omit<LoadSpec, 'warmup' | 'requests' | 'connections'>): LoadSpec {
  return { ...partial, warmup: WARMUP, requests: REQUESTS, connections: CONNECTIONS };
}

async function main() {
  const started = Date.now();
  console.log(
    `Bankgate bench: ${REQUESTS} requests per run after ${WARMUP} warm-up, ${CONNECTIONS} connections, Node ${process.version}`,
  );

  const bankgate = await startTarget(join(__dirname, 'bankgate-target.ts'));
  const peer = await startTarget(join(__dirname, 'peer-target.ts'));
  const failures: string[] = [];
  const check = (result: LoadResult) => {
    if (result.failures > 0) failures.push(`${result.name}: ${result.failures} failed, e.g. ${result.firstFailure}`);
    return result;
  };

  let tokenRows: { label: string; bankgate: LoadResult; peer: LoadResult; writes: RoundTripFigures }[] = [];
  let storeFloor: { throughput: number; cpuMsPerRequest: number } | undefined;
  let parRun: { result: LoadResult; roundTrips: RoundTripFigures };
  let resourceRun: { result: LoadResult; roundTrips: RoundTripFigures };
  let gatewayRuns: { label: string; run: { result: LoadResult; roundTrips: RoundTripFigures } }[] = [];
  let bankgatePeakRss = 0;
  let peerPeakRss = 0;
  try {
    const manifest = await bankgate.call<SandboxManifest>('manifest');
    const pki = dirname(manifest.ca);
    const peerServer = await peer.call<{ origin: string; issuer: string }>('start', {
      manifest,
      serverKeyPath: join(pki, 'server-key.pem'),
      serverCertPath: join(pki, 'server.pem'),
    } satisfies PeerStartInput);

    const pkjwtClient = clientOf(manifest, PKJWT_CLIENT);
    const pkjwtTls = tlsIdentityOf(manifest, PKJWT_CLIENT);
    const certTls = tlsIdentityOf(manifest, TLS_CLIENT);
    const total = WARMUP + REQUESTS;

    // ---- 1. Token endpoint, Bankgate and the peer back to back per authentication method -------------
    console.log('\n[1/4] token endpoint: client_credentials on Bankgate and oidc-provider ...');
    /** On Bankgate the store round trips are counted too. */
    const tokenRun = async (target: Target, spec: LoadSpec) => {
      let roundTrips: RoundTripFigures | undefined;
      const { result, peakRssBytes } = await withPeakRss(target, async () => {
        if (target !== bankgate) return runLoad(spec);
        const measured = await measuredOnBankgate(target, spec);
        roundTrips = measured.roundTrips;
        return measured.result;
      });
      if (target === bankgate) bankgatePeakRss = Math.max(bankgatePeakRss, peakRssBytes);
      else peerPeakRss = Math.max(peerPeakRss, peakRssBytes);
      return { result: check(result), roundTrips };
    };

    const bankgatePkjwtAssertions = await signAssertions(pkjwtClient, manifest.issuer, total);
    const bankgatePkjwt = await tokenRun(
      bankgate,
      loadSpec({
        name: 'Bankgate token private_key_jwt',
        origin: manifest.mtls_base_url,
        path: '/token',
        method: 'POST',
        body: (i) => clientCredentialsWithAssertion(bankgatePkjwtAssertions[i]!),
        expectStatus: 200,
        tls: pkjwtTls,
      }),
    );
    const peerPkjwtAssertions = await signAssertions(pkjwtClient, peerServer.issuer, total);
    const peerPkjwt = await tokenRun(
      peer,
      loadSpec({
        name: 'oidc-provider token private_key_jwt',
        origin: peerServer.origin,
        path: '/token',
        method: 'POST',
        body: (i) => clientCredentialsWithAssertion(peerPkjwtAssertions[i]!),
        expectStatus: 200,
        tls: pkjwtTls,
      }),
    );
    const tlsBody = clientCredentialsWithCertificate(TLS_CLIENT);
    const bankgateTls = await tokenRun(
      bankgate,
      loadSpec({
        name: 'Bankgate token tls_client_auth',
        origin: manifest.mtls_base_url,
        path: '/token',
        method: 'POST',
        body: () => tlsBody,
        expectStatus: 200,
        tls: certTls,
      }),
    );
    const peerTls = await tokenRun(
      peer,
      loadSpec({
        name: 'oidc-provider token tls_client_auth',
        origin: peerServer.origin,
        path: '/token',
        method: 'POST',
        body: () => tlsBody,
        expectStatus: 200,
        tls: certTls,
      }),
    );
    tokenRows = [
      {
        label: 'private_key_jwt',
        bankgate: bankgatePkjwt.result,
        peer: peerPkjwt.result,
        writes: bankgatePkjwt.roundTrips!,
      },
      { label: 'tls_client_auth', bankgate: bankgateTls.result, peer: peerTls.result, writes: bankgateTls.roundTrips! },
    ];

    storeFloor = await bankgate.call('storeFloor', {
      clientId: PKJWT_CLIENT,
      requests: REQUESTS,
      connections: CONNECTIONS,
    } satisfies StoreFloorRequest);

    // ---- 2. PAR and the resource call on Bankgate --------------------------------------------------------
    console.log('[2/4] PAR, GET /accounts and gateway APIs on Bankgate ...');
    const consentId = await createConsent(manifest, PKJWT_CLIENT, ['ReadAccountsDetail']);
    const parAssertions = await signAssertions(pkjwtClient, manifest.issuer, total);
    parRun = await measuredOnBankgate(
      bankgate,
      loadSpec({
        name: 'Bankgate PAR',
        origin: manifest.mtls_base_url,
        path: '/par',
        method: 'POST',
        body: (i) => pushedAuthorizationRequest(pkjwtClient, consentId, parAssertions[i]!),
        expectStatus: 201,
        tls: pkjwtTls,
      }),
    );
    check(parRun.result);

    const accessToken = await bankgate.call<string>('mintResourceToken', {
      clientId: PKJWT_CLIENT,
      consentId,
      subject: CUSTOMER.subject,
      accountIds: CUSTOMER.accountIds,
      permissions: ['ReadAccountsDetail'],
    } satisfies ResourceTokenRequest);
    resourceRun = await measuredOnBankgate(
      bankgate,
      loadSpec({
        name: 'Bankgate GET /accounts',
        origin: manifest.mtls_base_url,
        path: '/open-banking/v3.1/aisp/accounts',
        method: 'GET',
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
        expectStatus: 200,
        tls: pkjwtTls,
      }),
    );
    check(resourceRun.result);

    // ---- Gateway APIs: catalog item, Taiwan headers, token use, scope group, sample bank, response policy
    const gatewayToken = await bankgate.call<string>('mintResourceToken', {
      clientId: PKJWT_CLIENT,
      subject: GATEWAY_CUSTOMER.subject,
      accountIds: GATEWAY_CUSTOMER.accountIds,
      grantedScopes: GATEWAY_CUSTOMER.grantedScopes,
    } satisfies ResourceTokenRequest);
    const gatewayRun = (name: string, path: string) =>
      measuredOnBankgate(
        bankgate,
        loadSpec({
          name,
          origin: manifest.mtls_base_url,
          path,
          method: 'GET',
          headers: { authorization: `Bearer ${gatewayToken}`, ...taiwanHeaders(PKJWT_CLIENT) },
          expectStatus: 200,
          tls: pkjwtTls,
        }),
      );
    gatewayRuns = [
      {
        label: 'GET /gateway/timeDeposit/balances (plain JSON)',
        run: await gatewayRun('Bankgate gateway, plain', '/gateway/timeDeposit/balances'),
      },
      {
        label: 'GET /gateway/demandDeposit/accounts (response JWE)',
        run: await gatewayRun('Bankgate gateway, response JWE', '/gateway/demandDeposit/accounts'),
      },
    ];
    for (const { run } of gatewayRuns) check(run.result);
  } finally {
    await Promise.all([bankgate.close(), peer.close()]);
  }

  // ---- 3. Bundles and import time ----------------------------------------------------------------------
  console.log('[3/4] bundling every handler and timing fresh-process imports ...');
  // Inside the repository, so the bundles' AWS SDK imports resolve from node_modules as the runtime's would.
  await mkdir(join(__dirname, '..', 'node_modules', '.cache'), { recursive: true });
  const outRoot = await mkdtemp(join(__dirname, '..', 'node_modules', '.cache', 'bankgate-bench-bundles-'));
  let bundles: BundleRow[];
  try {
    bundles = await measureBundles(outRoot);
  } finally {
    await rm(outRoot, { recursive: true, force: true });
  }
  console.log('[4/4] done.');

  // ---- Report ------------------------------------------------------------------------------------------
  console.log(
    table(
      'Token endpoint, client_credentials (throughput in requests/s, latency in ms; ratio = Bankgate / oidc-provider)',
      ['auth method', 'server', 'req/s', 'p50', 'p99', 'failed'],
      tokenRows.flatMap((row) => [
        [
          row.label,
          'Bankgate',
          fixed(row.bankgate.throughput),
          ms(row.bankgate.p50Ms),
          ms(row.bankgate.p99Ms),
          row.bankgate.failures,
        ],
        ['', 'oidc-provider', fixed(row.peer.throughput), ms(row.peer.p50Ms), ms(row.peer.p99Ms), row.peer.failures],
        [
          '',
          'ratio',
          fixed(row.bankgate.throughput / row.peer.throughput, 2),
          fixed(row.bankgate.p50Ms / row.peer.p50Ms, 2),
          fixed(row.bankgate.p99Ms / row.peer.p99Ms, 2),
          '',
        ],
      ]),
    ),
  );

  if (storeFloor) {
    console.log(
      table(
        "The private_key_jwt token's store calls alone (client read, jti claim, token write; production adapters, same dynalite, " +
          `${CONNECTIONS} concurrent loops, no TLS / HTTP / JOSE): the ceiling of any token endpoint on this store and SDK`,
        ['figure', 'value'],
        [
          ['token store calls, sets/s', fixed(storeFloor.throughput)],
          ['handler-process CPU per set, ms (the SDK side of 3 calls)', fixed(storeFloor.cpuMsPerRequest, 2)],
          ['oidc-provider, whole private_key_jwt token requests/s', fixed(tokenRows[0]!.peer.throughput)],
        ],
      ),
    );
  }

  const endpointRow = (label: string, run: { result: LoadResult; roundTrips: RoundTripFigures }) => [
    label,
    fixed(run.result.throughput),
    ms(run.result.p50Ms),
    ms(run.result.p99Ms),
    fixed(run.roundTrips.reads, 2),
    fixed(run.roundTrips.writes, 2),
    fixed(run.roundTrips.backend, 2),
    run.roundTrips.byCommand,
  ];
  console.log(
    table(
      'Bankgate endpoints (DynamoDB round trips per request, by command; bank data = the sample bank behind the API)',
      ['endpoint', 'req/s', 'p50', 'p99', 'reads', 'writes', 'bank data', 'commands per request'],
      [
        endpointRow('POST /token private_key_jwt', {
          result: tokenRows[0]!.bankgate,
          roundTrips: tokenRows[0]!.writes,
        }),
        endpointRow('POST /token tls_client_auth', {
          result: tokenRows[1]!.bankgate,
          roundTrips: tokenRows[1]!.writes,
        }),
        endpointRow('POST /par (private_key_jwt)', parRun),
        endpointRow('GET /accounts', resourceRun),
        ...gatewayRuns.map(({ label, run }) => endpointRow(label, run)),
      ],
    ),
  );

  console.log(
    table(
      `Lambda bundles (minified ESM, node22) and fresh-process import time (median of 5), KiB / ms`,
      ['handler', 'KiB', 'import ms', 'baseline', 'base KiB', 'base ms', 'import ratio', '<=300 KiB', '<=1.5x'],
      bundles.map((b) => [
        b.id,
        kib(b.bytes),
        ms(b.importMs),
        b.baseline,
        kib(b.baselineBytes),
        ms(b.baselineImportMs),
        fixed(b.importMs / b.baselineImportMs, 2),
        verdict(b.bytes <= TARGETS.bundleBytes),
        verdict(b.importMs <= TARGETS.importRatio * b.baselineImportMs),
      ]),
    ),
  );

  console.log(
    table(
      'Memory: peak RSS during the token runs',
      ['process', 'MiB'],
      [
        ['Bankgate sandbox (handlers + local KMS + demo IdP, plus its dynalite process)', mib(bankgatePeakRss)],
        ['oidc-provider peer', mib(peerPeakRss)],
      ],
    ),
  );

  const worst = <T>(values: T[], pick: (v: T) => number, max: boolean) =>
    values.map(pick).reduce((a, b) => (max ? Math.max(a, b) : Math.min(a, b)));
  const throughputRatio = worst(tokenRows, (r) => r.bankgate.throughput / r.peer.throughput, false);
  const p99Ratio = worst(tokenRows, (r) => r.bankgate.p99Ms / r.peer.p99Ms, true);
  const tokenWrites = worst(tokenRows, (r) => r.writes.writes, true);
  // In total: the account data comes from the bank's core system (here the sample bank's table).
  const resourceTrips = resourceRun.roundTrips.reads + resourceRun.roundTrips.writes + resourceRun.roundTrips.backend;
  const largestBundle = worst(bundles, (b) => b.bytes, true);
  const worstImport = worst(bundles, (b) => b.importMs / b.baselineImportMs, true);
  console.log(
    table(
      'Summary (worst case over the runs)',
      ['figure', 'value', 'target', 'verdict'],
      [
        [
          'token throughput ratio Bankgate / oidc-provider',
          fixed(throughputRatio, 2),
          '>= 1.0',
          verdict(throughputRatio >= TARGETS.tokenThroughputRatio),
        ],
        [
          'token p99 ratio Bankgate / oidc-provider',
          fixed(p99Ratio, 2),
          '<= 1.0',
          verdict(p99Ratio <= TARGETS.tokenP99Ratio),
        ],
        ['token store writes per request', fixed(tokenWrites, 2), '<= 2', verdict(tokenWrites <= TARGETS.tokenWrites)],
        [
          'resource call store round trips per request',
          fixed(resourceTrips, 2),
          '<= 2',
          verdict(resourceTrips <= TARGETS.resourceRoundTrips),
        ],
        ['largest handler bundle (KiB)', kib(largestBundle), '<= 300', verdict(largestBundle <= TARGETS.bundleBytes)],
        ['worst import time / baseline', fixed(worstImport, 2), '<= 1.5', verdict(worstImport <= TARGETS.importRatio)],
        ['sandbox peak RSS during token runs (MiB)', mib(bankgatePeakRss), 'reported', ''],
        ['runs with failed requests', failures.length, '0', verdict(failures.length === 0)],
      ],
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

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exit(1);
});
