/**
 * Open Banking UK account information (mTLS origin, the customer's access token with scope `accounts`):
 *   GET /open-banking/v3.1/aisp/accounts                             GET .../accounts/{AccountId}
 *   GET /open-banking/v3.1/aisp/balances                             GET .../accounts/{AccountId}/balances
 *   GET /open-banking/v3.1/aisp/transactions                         GET .../accounts/{AccountId}/transactions
 * The token record carries the consent (accounts, permissions, window) and is revoked with it, so a call
 * costs one token round trip plus the bank-data reads.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { stores } from '../adapters/dynamodb';
import { dynamoBankData } from '../adapters/dynamodb/bank-data';
import { config } from '../config';
import {
  type AccountAccess,
  accountAccess,
  accountsView,
  consentedAccountId,
  consentedAccounts,
  type ReadResponse,
  readResponse,
  requireBalances,
  selectBalances,
  selectTransactions,
  shapeAccount,
  transactionsView,
  transactionWindow,
} from '../domain/account-information';
import { authorizeBearer } from '../http/bearer';
import { ObError } from '../http/errors';
import { type HttpRequest, httpHandler, json } from '../http/handler';
import type { BankData } from '../ports/bank-data';
import { systemClock } from '../ports/clock';

const AISP = '/open-banking/v3.1/aisp';

let bank: BankData | undefined;
/** The bank's data, created on first use (module scope = once per cold start). */
const bankData = (): BankData => {
  bank ??= dynamoBankData();
  return bank;
};

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
  return `${config().mtlsBaseUrl}${path}${search ? `?${search}` : ''}`;
}

type Resource = (request: HttpRequest, access: AccountAccess) => Promise<ReadResponse<unknown>>;

const accountIdOf = (request: HttpRequest, access: AccountAccess) =>
  consentedAccountId(access, request.event.pathParameters?.AccountId);

async function listAccounts(request: HttpRequest, access: AccountAccess) {
  const view = accountsView(access);
  const held = await bankData().listAccounts(access.subject);
  const Account = consentedAccounts(access, held).map((account) => shapeAccount(account, view));
  return readResponse({ Account }, selfUrl(request.event));
}

async function readAccount(request: HttpRequest, access: AccountAccess) {
  const view = accountsView(access);
  const account = await bankData().getAccount(access.subject, accountIdOf(request, access));
  if (!account) throw ObError.notFound('Account not found');
  return readResponse({ Account: [shapeAccount(account, view)] }, selfUrl(request.event));
}

/** Every consented account the customer still holds: held accounts are read alongside the balances. */
async function listBalances(request: HttpRequest, access: AccountAccess) {
  requireBalances(access);
  const [held, balances] = await Promise.all([
    bankData().listAccounts(access.subject),
    bankData().getBalances(access.accountIds),
  ]);
  const accountIds = consentedAccounts(access, held).map((account) => account.AccountId);
  return readResponse({ Balance: selectBalances(balances, accountIds) }, selfUrl(request.event));
}

async function readBalances(request: HttpRequest, access: AccountAccess) {
  requireBalances(access);
  const accountId = accountIdOf(request, access);
  const [account, balances] = await Promise.all([
    bankData().getAccount(access.subject, accountId),
    bankData().getBalances([accountId]),
  ]);
  if (!account) throw ObError.notFound('Account not found');
  return readResponse({ Balance: selectBalances(balances, [accountId]) }, selfUrl(request.event));
}

function transactionsQuery(request: HttpRequest, access: AccountAccess) {
  const view = transactionsView(access);
  const query = request.event.queryStringParameters ?? {};
  const window = transactionWindow(access.transactionWindow, {
    fromBookingDateTime: query.fromBookingDateTime,
    toBookingDateTime: query.toBookingDateTime,
  });
  return { view, window };
}

async function listTransactions(request: HttpRequest, access: AccountAccess) {
  const { view, window } = transactionsQuery(request, access);
  const [held, transactions] = await Promise.all([
    bankData().listAccounts(access.subject),
    window ? bankData().getTransactions(access.accountIds, window) : [],
  ]);
  const accountIds = consentedAccounts(access, held).map((account) => account.AccountId);
  const Transaction = window ? selectTransactions(transactions, { accountIds, window, view }) : [];
  return readResponse({ Transaction }, selfUrl(request.event), access.transactionWindow);
}

async function readTransactions(request: HttpRequest, access: AccountAccess) {
  const { view, window } = transactionsQuery(request, access);
  const accountId = accountIdOf(request, access);
  const [account, transactions] = await Promise.all([
    bankData().getAccount(access.subject, accountId),
    window ? bankData().getTransactions([accountId], window) : [],
  ]);
  if (!account) throw ObError.notFound('Account not found');
  const Transaction = window ? selectTransactions(transactions, { accountIds: [accountId], window, view }) : [];
  return readResponse({ Transaction }, selfUrl(request.event), access.transactionWindow);
}

/** By API Gateway resource (the route's path template, as in routes.ts). */
const resources: ReadonlyMap<string, Resource> = new Map<string, Resource>([
  [`${AISP}/accounts`, listAccounts],
  [`${AISP}/accounts/{AccountId}`, readAccount],
  [`${AISP}/balances`, listBalances],
  [`${AISP}/accounts/{AccountId}/balances`, readBalances],
  [`${AISP}/transactions`, listTransactions],
  [`${AISP}/accounts/{AccountId}/transactions`, readTransactions],
]);

export const handler = httpHandler({ errors: 'openbanking' }, async (request) => {
  const resource = resources.get(request.event.resource);
  if (!resource) throw ObError.notFound('Resource not found');
  const now = systemClock();
  const token = await authorizeBearer(request, { tokens: stores().tokens, now }, 'accounts');
  return json(200, await resource(request, accountAccess(token, now)));
});
