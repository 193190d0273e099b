/**
 * The gateway's API catalog, as data: each API has a method and path under the gateway prefix, the scope
 * group it belongs to, where it is served (the built-in sample bank or an upstream HTTPS service) and its
 * JOSE policy for the request and the response. Validated on every write, like client registrations.
 */
import * as z from '../../validation';
import { SCOPE_GROUP_IDS } from './scope-groups';
import { upstreamUrlProblem } from './upstream-address';

/** Where catalog paths live on the mTLS origin: `/gateway/{proxy+}`. */
export const GATEWAY_PREFIX = '/gateway';

/**
 * `jws` / `jwe`: the body is a compact JWS / JWE (`application/jose`). `x-jws-signature`: the body stays
 * JSON and a detached JWS with the Open Banking UK critical claims travels in the `x-jws-signature` header.
 */
export const JOSE_MODES = ['none', 'jws', 'jwe', 'x-jws-signature'] as const;
export type JoseMode = (typeof JOSE_MODES)[number];

export const JosePolicySchema = z.strictObject({
  request: z._default(z.enum(JOSE_MODES), 'none'),
  response: z._default(z.enum(JOSE_MODES), 'none'),
});
export type JosePolicy = z.output<typeof JosePolicySchema>;

/** Operations the built-in sample bank answers (`domain/gateway/sample-bank.ts`). */
export const SAMPLE_BANK_OPERATIONS = [
  'demand-deposit-accounts',
  'time-deposit-balances',
  'roadside-assistance',
] as const;
export type SampleBankOperation = (typeof SAMPLE_BANK_OPERATIONS)[number];

const Backend = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('sample-bank'), operation: z.enum(SAMPLE_BANK_OPERATIONS) }),
  z.strictObject({
    type: z.literal('upstream'),
    url: z.string().check(
      z.maxLength(2048),
      z.superRefine((url, ctx) => {
        const problem = upstreamUrlProblem(url);
        if (problem) ctx.addIssue({ code: 'custom', message: problem, input: url });
      }),
    ),
  }),
]);

/**
 * The one rule on which request policies a method can have: every request policy protects the body
 * (`jws` / `jwe` are the body, `x-jws-signature` signs it), and a GET has none, so a GET API's request
 * policy is `none`. Registering anything else is refused, so no registered policy is ever skipped.
 */
export function requestPolicyProblemOf(method: ApiMethod, mode: JoseMode): string | undefined {
  if (method === 'GET' && mode !== 'none') {
    return `a GET request has no body to protect: the request policy of a GET API must be none, not ${mode}`;
  }
  return undefined;
}

export const API_METHODS = ['GET', 'POST'] as const;
export type ApiMethod = (typeof API_METHODS)[number];

/** Literal path segments only: the API is found by one key lookup, never by matching templates. */
export const CATALOG_PATH = /^(\/[A-Za-z0-9_-]+)+$/;

/** What a catalog key looks like (see `apiIdOf`; at most 300 characters); anything else names no API. */
export const API_ID_PATTERN = /^(?=.{1,300}$)(GET|POST)(\.[A-Za-z0-9_-]+)+$/;

/** The catalog key of a method and path: `GET.demandDeposit.accounts` for `GET /demandDeposit/accounts`. */
export function apiIdOf(method: string, path: string): string {
  return `${method.toUpperCase()}${path.replaceAll('/', '.')}`;
}

export const ApiDefinitionSchema = z
  .strictObject({
    apiId: z.string().check(z.minLength(1), z.maxLength(300)),
    name: z.string().check(z.minLength(1), z.maxLength(200)),
    method: z.enum(API_METHODS),
    /** Path below `/gateway`, e.g. `/demandDeposit/accounts`. */
    path: z.string().check(z.maxLength(256), z.regex(CATALOG_PATH, 'must be literal segments of [A-Za-z0-9_-]')),
    scopeGroup: z.enum(SCOPE_GROUP_IDS as [string, ...string[]]),
    backend: Backend,
    josePolicy: z._default(JosePolicySchema, { request: 'none', response: 'none' }),
    /** Validate the Taiwan Open Banking request headers (X-STAN, X-DestinationId, X-ClientId, X-TxnInitDateTime). */
    taiwanHeaders: z._default(z.boolean(), false),
  })
  .check(
    z.superRefine((api, ctx) => {
      if (api.apiId !== apiIdOf(api.method, api.path)) {
        ctx.addIssue({ code: 'custom', path: ['apiId'], message: `must be ${apiIdOf(api.method, api.path)}` });
      }
      const requestPolicyProblem = requestPolicyProblemOf(api.method, api.josePolicy.request);
      if (requestPolicyProblem) {
        ctx.addIssue({ code: 'custom', path: ['josePolicy', 'request'], message: requestPolicyProblem });
      }
    }),
  );

export type ApiDefinition = z.output<typeof ApiDefinitionSchema>;
export type ApiDefinitionInput = z.input<typeof ApiDefinitionSchema>;

export class InvalidApiDefinition extends Error {
  override readonly name = 'InvalidApiDefinition';
}

export function parseApiDefinition(input: unknown): ApiDefinition {
  const result = z.validate(ApiDefinitionSchema, input);
  if (!result.ok) throw new InvalidApiDefinition(z.describeProblems(result.problems));
  return result.data;
}

/** The APIs the demo tenant publishes (the seed's Taiwan Open Banking scenario). */
export const SAMPLE_CATALOG: readonly ApiDefinition[] = (
  [
    {
      name: 'Demand deposit accounts',
      method: 'GET',
      path: '/demandDeposit/accounts',
      scopeGroup: 'demand_deposits',
      backend: { type: 'sample-bank', operation: 'demand-deposit-accounts' },
      josePolicy: { request: 'none', response: 'jwe' },
      taiwanHeaders: true,
    },
    {
      name: 'Time deposit balances',
      method: 'GET',
      path: '/timeDeposit/balances',
      scopeGroup: 'time_deposits',
      backend: { type: 'sample-bank', operation: 'time-deposit-balances' },
      josePolicy: { request: 'none', response: 'none' },
      taiwanHeaders: true,
    },
    {
      name: 'Credit card roadside assistance',
      method: 'POST',
      path: '/creditCards/roadsideAssistance',
      scopeGroup: 'credit_cards',
      backend: { type: 'sample-bank', operation: 'roadside-assistance' },
      josePolicy: { request: 'jws', response: 'jwe' },
      taiwanHeaders: true,
    },
  ] as const
).map((api) => parseApiDefinition({ ...api, apiId: apiIdOf(api.method, api.path) }));
