/**
 * A modeled AWS bill per million requests of each benchmarked endpoint, from the figures measured here and the
 * price table `aws-prices.json` (region, source and date in it):
 * - Lambda: duration = the server process's CPU ms per request scaled to the function's CPU share (its memory
 *   size from the CDK handler config, ARM) + an assumed wait per store and KMS call; plus the request charge.
 *   The sandbox process also does what API Gateway does on AWS (TLS, mTLS, HTTP) and the local KMS server's
 *   signing: an over-estimate of the function's own CPU.
 * - DynamoDB on-demand: the request units counted from the calls and item sizes (`store-calls.ts`).
 * - KMS: the Sign and Decrypt requests counted. API Gateway: one REST request.
 */

import { handlers } from '../lambdas/routes';
import { handlerMemorySize } from '../lib/constructs/handler-functions';
import prices from './aws-prices.json';
import type { StoreFloor } from './bankgate-target';
import type { EndpointRun } from './endpoints';
import type { Pooled } from './measure';
import { fixed, table } from './report';
import { summarize } from './store-calls';
import type { TokenComparison } from './token';

export interface CostInput {
  readonly tokens: readonly TokenComparison[];
  readonly endpoints: readonly EndpointRun[];
}

interface Bill {
  readonly lambdaMs: number;
  readonly lambda: number;
  readonly dynamodb: number;
  readonly kms: number;
  readonly apiGateway: number;
}

function memoryOf(handlerId: string): number {
  const spec = handlers.find((h) => h.id === handlerId);
  if (!spec) throw new Error(`no handler ${handlerId} in lambdas/routes.ts`);
  return handlerMemorySize(spec);
}

/** Dollars per million requests. */
function billOf(handlerId: string, p: Pooled): Bill {
  const memoryMb = memoryOf(handlerId);
  const calls = summarize(p.storeCalls, ' (bank data)');
  const lambdaMs =
    p.serverCpuMsPerRequest * (prices.model.fullVcpuMemoryMb / memoryMb) +
    (calls.reads + calls.writes + calls.marked) * prices.model.storeCallWaitMs +
    calls.kms * prices.model.kmsCallWaitMs;
  const million = 1_000_000;
  return {
    lambdaMs,
    lambda:
      (Math.ceil(lambdaMs) / 1000) * (memoryMb / 1024) * prices.lambda.armPerGbSecond * million +
      prices.lambda.perMillionRequests,
    dynamodb:
      calls.rru * prices.dynamodb.perMillionReadRequestUnits + calls.wru * prices.dynamodb.perMillionWriteRequestUnits,
    kms: calls.kms * prices.kms.perTenThousandRsa2048Requests * 100,
    apiGateway: prices.apiGateway.restPerMillionRequests,
  };
}

const dollars = (value: number) => `$${fixed(value, 3)}`;

export function costTable(input: CostInput | undefined): string {
  if (!input) return '';
  const rows: [string, string, Pooled][] = [
    ...input.tokens.map((c): [string, string, Pooled] => [`POST /token ${c.grant}`, 'token', c.a]),
    ...input.endpoints
      .filter((e) => e.id !== 'gateway-plain')
      .map((e): [string, string, Pooled] => [e.label, e.id.startsWith('gateway') ? 'gateway' : e.id, e.figures]),
  ];
  return table(
    `Modeled AWS cost per million requests (${prices.region}, prices of ${prices.retrieved}: bench/aws-prices.json; ` +
      `assumed waits ${prices.model.storeCallWaitMs} ms per store call, ${prices.model.kmsCallWaitMs} ms per KMS call)`,
    ['endpoint', 'memory MB', 'billed ms', 'RRU', 'WRU', 'KMS', 'Lambda', 'DynamoDB', 'KMS $', 'API GW', 'total'],
    rows.map(([label, handlerId, p]) => {
      const bill = billOf(handlerId, p);
      const calls = summarize(p.storeCalls);
      return [
        label,
        memoryOf(handlerId),
        fixed(bill.lambdaMs, 1),
        fixed(calls.rru, 2),
        fixed(calls.wru, 2),
        fixed(calls.kms, 2),
        dollars(bill.lambda),
        dollars(bill.dynamodb),
        dollars(bill.kms),
        dollars(bill.apiGateway),
        dollars(bill.lambda + bill.dynamodb + bill.kms + bill.apiGateway),
      ];
    }),
  );
}

/**
 * The two jti designs of the private_key_jwt token, measured on the store alone: what a separate jti write
 * costs (a round trip, SDK CPU) against what joining the transaction costs (its write units count double).
 */
export function jtiChoiceTable(floor: StoreFloor): string {
  return table(
    'private_key_jwt token, the store calls alone (client read, jti claim, issuance; production adapters, same dynalite, no HTTP/TLS/JOSE): ' +
      'the two jti designs. Cost = DynamoDB units + Lambda time of the calls at 512 MB',
    [
      'design',
      'sets/s',
      'SDK CPU ms',
      'store CPU ms',
      'calls per set',
      'RRU',
      'WRU',
      'DynamoDB $/M',
      'Lambda wait $/M',
    ],
    floor.map((run) => {
      const calls = summarize(run.storeCalls);
      const roundTrips = calls.reads + calls.writes;
      const waitMs =
        roundTrips * prices.model.storeCallWaitMs + run.clientCpuMs * (prices.model.fullVcpuMemoryMb / 512);
      return [
        run.design,
        fixed(run.setsPerSecond),
        fixed(run.clientCpuMs, 2),
        fixed(run.storeCpuMs, 2),
        calls.byCommand,
        fixed(calls.rru, 2),
        fixed(calls.wru, 2),
        dollars(
          calls.rru * prices.dynamodb.perMillionReadRequestUnits +
            calls.wru * prices.dynamodb.perMillionWriteRequestUnits,
        ),
        dollars((waitMs / 1000) * 0.5 * prices.lambda.armPerGbSecond * 1_000_000),
      ];
    }),
  );
}
