/**
 * Open Banking UK account information (mTLS origin, the customer's access token with scope `accounts`):
 *   GET /open-banking/v3.1/aisp/accounts                             GET .../accounts/{AccountId}
 *   GET /open-banking/v3.1/aisp/balances                             GET .../accounts/{AccountId}/balances
 *   GET /open-banking/v3.1/aisp/transactions                         GET .../accounts/{AccountId}/transactions
 * The token record carries the consent (accounts, permissions, window) and is revoked with it, so a call
 * costs one token round trip plus the bank-data reads. Transactions are paged (domain/transaction-pages.ts):
 * `pageSize` (default 100, at most 500) and the booking filters are the query a page's `cursor` is bound to.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import {
  type AccountAccess,
  accountAccess,
  accountsView,
  consentedAccountId,
  consentedAccounts,
  type ReadLinks,
  readResponse,
  requireBalances,
  selectBalances,
  selectTransactions,
  shapeAccount,
  transactionsView,
  transactionWindow,
} from '../domain/account-information';
import type { TokenRecord } from '../domain/model';
import { pageSizeOf, transactionPage } from '../domain/transaction-pages';
import { ObError } from '../errors';
import { bearerStep } from '../http/bearer';
import { type HttpRequest, type HttpResponse, httpHandler, json } from '../http/handler';
import { runSteps } from '../http/steps';
import type { BankAccount, TransactionWindow } from '../ports/bank-data';
import { systemClock } from '../ports/clock';
import { wiring } from '../wiring';

const AISP = '/open-banking/v3.1/aisp';

/** The resource's URL on the mTLS origin with these query parameters (in this order, unset ones left out). */
function resourceUrl(event: APIGatewayProxyEvent, parameters: Record<string, string | undefined>): string {
  const path = event.resource.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(event.pathParameters?.[name] ?? ''),
  );
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined) query.set(name, value);
  }
  const search = query.toString();
  return `${wiring.config.mtlsBaseUrl}${path}${search ? `?${search}` : ''}`;
}

/** Links.Self: the request's own URL. */
const selfUrl = (event: APIGatewayProxyEvent) => resourceUrl(event, event.queryStringParameters ?? {});

/**
 * One endpoint: the `Data` it shows, for transactions the booking window the consent makes available and
 * the page links besides Self.
 */
type Resource = (
  request: HttpRequest,
  access: AccountAccess,
) => Promise<{
  readonly data: unknown;
  readonly available?: TransactionWindow;
  readonly links?: Omit<ReadLinks, 'Self'>;
}>;

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

/**
 * A page of the accounts' transactions. The query a cursor is bound to is the consent, the account (or all),
 * the effective window and the page size; First repeats the TPP's filters as sent, Next / Prev add a cursor.
 */
async function transactionsOf(
  request: HttpRequest,
  access: AccountAccess,
  accountId: string | undefined,
  accountIds: () => Promise<readonly string[]>,
) {
  const view = transactionsView(access);
  const { fromBookingDateTime, toBookingDateTime, pageSize, cursor } = request.event.queryStringParameters ?? {};
  const window = transactionWindow(access.transactionWindow, { fromBookingDateTime, toBookingDateTime });
  const query = { consentId: access.consentId, accountId, window, pageSize: pageSizeOf(pageSize) };
  const held = await accountIds();
  const page = await transactionPage(
    { bankData: wiring.bankData, cursorKey: () => wiring.pagingCursorKey() },
    query,
    held,
    cursor,
  );
  const Transaction = window ? selectTransactions(page.transactions, { accountIds: held, window, view }) : [];
  const first = { fromBookingDateTime, toBookingDateTime, pageSize };
  const at = (pageCursor: string | undefined) =>
    pageCursor === undefined ? undefined : resourceUrl(request.event, { ...first, cursor: pageCursor });
  return {
    data: { Transaction },
    available: access.transactionWindow,
    links: { First: resourceUrl(request.event, first), Next: at(page.next), Prev: at(page.prev) },
  };
}

/** Of the consented accounts, those the customer still holds (one Query first: a page counts only theirs). */
const listTransactions: Resource = (request, access) =>
  transactionsOf(request, access, undefined, () => heldAccountIds(access));

const readTransactions: Resource = async (request, access) => {
  const accountId = accountIdOf(request, access);
  // The holding check runs beside the page read; a page of an account no longer held is never shown.
  const [, page] = await Promise.all([
    heldAccount(access, accountId),
    transactionsOf(request, access, accountId, async () => [accountId]),
  ]);
  return page;
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
  const { data, available, links } = await call.resource(call.request, call.access);
  const Self = selfUrl(call.request.event);
  call.response = json(200, readResponse(data, { Self, ...links }, available));
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
