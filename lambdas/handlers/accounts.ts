/**
 * Open Banking UK account information (mTLS origin, the customer's access token with scope `accounts`):
 *   GET /open-banking/v3.1/aisp/accounts                             GET .../accounts/{AccountId}
 *   GET /open-banking/v3.1/aisp/balances                             GET .../accounts/{AccountId}/balances
 *   GET /open-banking/v3.1/aisp/transactions                         GET .../accounts/{AccountId}/transactions
 * The token record carries the consent (accounts, permissions, window) and is revoked with it, so a call
 * costs one token round trip plus the bank-data reads.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import {
  type AccountAccess,
  accountAccess,
  accountsView,
  consentedAccountId,
  consentedAccounts,
  readResponse,
  requireBalances,
  selectBalances,
  selectTransactions,
  shapeAccount,
  transactionsView,
  transactionWindow,
} from '../domain/account-information';
import type { TokenRecord } from '../domain/model';
import { ObError } from '../errors';
import { bearerStep } from '../http/bearer';
import { type HttpRequest, type HttpResponse, httpHandler, json } from '../http/handler';
import { runSteps } from '../http/steps';
import type { BankAccount, TransactionWindow } from '../ports/bank-data';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

const AISP = '/open-banking/v3.1/aisp';

/** Links.Self: the request's own URL on the mTLS origin. */
function selfUrl(event: APIGatewayProxyEvent): string {
  const path = event.resource.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(event.pathParameters?.[name] ?? ''),
  );
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query.set(name, value);
  }
  const search = query.toString();
  return `${wiring.config.mtlsBaseUrl}${path}${search ? `?${search}` : ''}`;
}

/** One endpoint: the `Data` it shows and, for transactions, the booking window the consent makes available. */
type Resource = (
  request: HttpRequest,
  access: AccountAccess,
) => Promise<{ readonly data: unknown; readonly available?: TransactionWindow }>;

const accountIdOf = (request: HttpRequest, access: AccountAccess) =>
  consentedAccountId(access, request.event.pathParameters?.AccountId);

const heldAccountIds = async (access: AccountAccess) =>
  consentedAccounts(access, await wiring.bankData.listAccounts(access.subject)).map((account) => account.AccountId);

async function heldAccount(access: AccountAccess, accountId: string): Promise<BankAccount> {
  const account = await wiring.bankData.getAccount(access.subject, accountId);
  if (!account) throw ObError.notFound('Account not found');
  return account;
}

const listAccounts: Resource = async (_, access) => {
  const view = accountsView(access);
  const held = await wiring.bankData.listAccounts(access.subject);
  return { data: { Account: consentedAccounts(access, held).map((account) => shapeAccount(account, view)) } };
};

const readAccount: Resource = async (request, access) => {
  const view = accountsView(access);
  const account = await heldAccount(access, accountIdOf(request, access));
  return { data: { Account: [shapeAccount(account, view)] } };
};

/** Balances are read alongside the accounts the customer still holds, which then filter them. */
const listBalances: Resource = async (_, access) => {
  requireBalances(access);
  const [accountIds, balances] = await Promise.all([
    heldAccountIds(access),
    wiring.bankData.getBalances(access.accountIds),
  ]);
  return { data: { Balance: selectBalances(balances, accountIds) } };
};

const readBalances: Resource = async (request, access) => {
  requireBalances(access);
  const accountId = accountIdOf(request, access);
  const [, balances] = await Promise.all([heldAccount(access, accountId), wiring.bankData.getBalances([accountId])]);
  return { data: { Balance: selectBalances(balances, [accountId]) } };
};

function transactionsQuery(request: HttpRequest, access: AccountAccess) {
  const view = transactionsView(access);
  const query = request.event.queryStringParameters ?? {};
  const window = transactionWindow(access.transactionWindow, {
    fromBookingDateTime: query.fromBookingDateTime,
    toBookingDateTime: query.toBookingDateTime,
  });
  return { view, window };
}

const listTransactions: Resource = async (request, access) => {
  const { view, window } = transactionsQuery(request, access);
  const [accountIds, transactions] = await Promise.all([
    heldAccountIds(access),
    window ? wiring.bankData.getTransactions(access.accountIds, window) : [],
  ]);
  const Transaction = window ? selectTransactions(transactions, { accountIds, window, view }) : [];
  return { data: { Transaction }, available: access.transactionWindow };
};

const readTransactions: Resource = async (request, access) => {
  const { view, window } = transactionsQuery(request, access);
  const accountId = accountIdOf(request, access);
  const [, transactions] = await Promise.all([
    heldAccount(access, accountId),
    window ? wiring.bankData.getTransactions([accountId], window) : [],
  ]);
  const Transaction = window ? selectTransactions(transactions, { accountIds: [accountId], window, view }) : [];
  return { data: { Transaction }, available: access.transactionWindow };
};

/** By API Gateway resource (the route's path template, as in routes.ts). */
const resources: ReadonlyMap<string, Resource> = new Map<string, Resource>([
  [`${AISP}/accounts`, listAccounts],
  [`${AISP}/accounts/{AccountId}`, readAccount],
  [`${AISP}/balances`, listBalances],
  [`${AISP}/accounts/{AccountId}/balances`, readBalances],
  [`${AISP}/transactions`, listTransactions],
  [`${AISP}/accounts/{AccountId}/transactions`, readTransactions],
]);

interface AccountCall {
  readonly request: HttpRequest;
  readonly now: number;
  resource: Resource;
  token: TokenRecord;
  access: AccountAccess;
  response: HttpResponse;
}

function findResource(call: AccountCall) {
  const resource = resources.get(call.request.event.resource);
  if (!resource) throw ObError.notFound('Resource not found');
  call.resource = resource;
}

/** The token carries the consent's terms. */
function consentedAccess(call: AccountCall) {
  call.access = accountAccess(call.token, call.now);
}

async function read(call: AccountCall) {
  const { data, available } = await call.resource(call.request, call.access);
  call.response = json(200, readResponse(data, selfUrl(call.request.event), available));
}

export const handler = httpHandler({ errors: 'openbanking' }, async (request) => {
  const call = await runSteps({ request, now: systemClock() } as AccountCall, [
    findResource,
    bearerStep('accounts'),
    consentedAccess,
    read,
  ]);
  return call.response;
});
