/**
 * "Enjoy Life": a consumer fintech (seed scenarios: Anne and Steve). Its own users log in, connect banks
 * (the customer chooses what to share in plain words, then signs in and authorises at the bank), and see
 * one dashboard over every connected bank: total balance, accounts, recent transactions, spending by
 * category and by month. Services through the banks' gateway APIs (time deposits, demand deposits,
 * credit-card roadside assistance with a signed request and an encrypted response), "Manage access" to
 * re-authorise with fewer items, and "Disconnect", which revokes at the bank.
 * Tokens live in this server only; they are refreshed when expired or refused, never before every call.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CompactSign, compactDecrypt } from 'jose';
import * as oidc from 'openid-client';
import type { BankConnection } from './bank';
import { barChart, dataTable } from './charts';
import {
  type Connection as BankTokens,
  BankUnavailable,
  connectFailure,
  NotAuthorized,
  type RefreshGrant,
  Revoked,
  refusal,
  tokensInto,
  withToken,
} from './connection';
import { csrfField, csrfOk, type Html, html, page, readForm, redirect, type Session, Sessions, sendPage } from './html';

const APP = 'Enjoy Life';
const BRAND = '#6b3fa0';
const AISP = '/open-banking/v3.1/aisp';
const MONTHS_SHOWN = 3;

export interface EnjoyLifeUser {
  readonly username: string;
  readonly password: string;
  readonly name: string;
}

export const ENJOY_LIFE_USERS: readonly EnjoyLifeUser[] = [
  { username: 'anne', password: 'enjoy-anne-1', name: 'Anne Lin' },
  { username: 'steve', password: 'enjoy-steve-1', name: 'Steve Morgan' },
];

type ItemId = 'accounts' | 'demand_deposits' | 'time_deposits' | 'credit_cards';

/** What the customer may share, in plain words; `accounts` is an Open Banking UK consent, the rest scope groups. */
const ITEMS: readonly { readonly id: ItemId; readonly label: string }[] = [
  { id: 'accounts', label: 'Your accounts, balances and transactions' },
  { id: 'demand_deposits', label: 'Your demand deposit balances' },
  { id: 'time_deposits', label: 'Your time deposit balances' },
  { id: 'credit_cards', label: 'Credit card services, such as roadside assistance' },
];
const ACCOUNT_PERMISSIONS = [
  'ReadAccountsDetail',
  'ReadBalances',
  'ReadTransactionsDetail',
  'ReadTransactionsCredits',
  'ReadTransactionsDebits',
];

// ---- Bank data as the dashboard uses it -------------------------------------------------------------

interface Amount {
  readonly Amount: string;
  readonly Currency: string;
}
interface ObAccount {
  readonly AccountId: string;
  readonly Currency: string;
  readonly Nickname?: string;
  readonly Description?: string;
  readonly Account?: { readonly Identification: string }[];
}
interface ObBalance {
  readonly AccountId: string;
  readonly Amount: Amount;
  readonly CreditDebitIndicator: 'Credit' | 'Debit';
  readonly Type: string;
}
interface ObTransaction {
  readonly AccountId: string;
  readonly TransactionId: string;
  readonly Amount: Amount;
  readonly CreditDebitIndicator: 'Credit' | 'Debit';
  readonly BookingDateTime: string;
  readonly TransactionInformation?: string;
  readonly ProprietaryBankTransactionCode?: { readonly Code: string };
  readonly MerchantDetails?: { readonly MerchantName?: string; readonly MerchantCategoryCode?: string };
}

interface BankData {
  readonly accounts: readonly ObAccount[];
  readonly balances: readonly ObBalance[];
  readonly transactions: readonly ObTransaction[];
}

/** ISO 18245 merchant category codes as the app groups spending. */
const MCC_CATEGORIES: Record<string, string> = {
  '5411': 'Groceries',
  '5499': 'Groceries',
  '5812': 'Eating out',
  '5814': 'Eating out',
  '4111': 'Transport',
  '5541': 'Fuel',
  '5942': 'Shopping',
  '5912': 'Health',
  '4899': 'Entertainment',
};
const CODE_CATEGORIES: Record<string, string> = {
  Salary: 'Income',
  DirectDebit: 'Housing',
  Transfer: 'Transfers',
  Interest: 'Interest',
};

/** The fintech's own categorisation: merchant category code first, then the bank's transaction code. */
export function categoryOf(t: ObTransaction): string {
  const mcc = t.MerchantDetails?.MerchantCategoryCode;
  if (mcc && MCC_CATEGORIES[mcc]) return MCC_CATEGORIES[mcc];
  return CODE_CATEGORIES[t.ProprietaryBankTransactionCode?.Code ?? ''] ?? 'Other';
}

const titleCase = (text: string) => text.toLowerCase().replace(/\b\p{L}/gu, (c) => c.toUpperCase());

/** Who was paid (debits) or who paid (credits), from the merchant or the transaction's description. */
export function payeeOf(t: ObTransaction): string {
  if (t.MerchantDetails?.MerchantName) return t.MerchantDetails.MerchantName;
  const info = (t.TransactionInformation ?? '').replace(/^(CARD PAYMENT|SALARY|RENT|TRANSFER TO|TRANSFER FROM)\s+/, '');
  return info ? titleCase(info) : 'Unknown';
}

/** YYYY-MM of a booking date (UTC). */
export const monthOf = (iso: string) => iso.slice(0, 7);

/** The current UTC month and the ones before it: the months the dashboard covers. */
export function monthsShown(now: Date, count = MONTHS_SHOWN): string[] {
  return Array.from({ length: count }, (_, i) =>
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (count - 1 - i), 1)).toISOString().slice(0, 7),
  );
}

// ---- Connections ------------------------------------------------------------------------------------

type Connection = BankTokens<ItemId>;

const refreshGrant =
  (bank: BankConnection): RefreshGrant =>
  (refreshToken) =>
    oidc.refreshTokenGrant(bank.config, refreshToken);

interface Pending {
  readonly bank: string;
  readonly items: ItemId[];
  readonly verifier: string;
  readonly state: string;
  readonly consentId?: string;
}

interface EnjoySession {
  user?: string;
  pending?: Pending;
  flash?: { readonly kind: 'ok' | 'error'; readonly text: string };
}

/** One OBUK read at a URL of the bank's mTLS origin (the token goes nowhere else). */
async function aispRead<T>(
  bank: BankConnection,
  connection: Connection,
  url: string,
): Promise<{ Data: T; Links?: { Next?: string } }> {
  if (new URL(url).origin !== new URL(bank.registration.mtlsBaseUrl).origin) {
    throw new BankUnavailable(`the bank linked to ${new URL(url).origin}, not its own API`);
  }
  const response = await withToken(connection, refreshGrant(bank), (token) =>
    bank.fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }),
  );
  if (!response.ok) throw await refusal(response);
  return (await response.json()) as { Data: T; Links?: { Next?: string } };
}

async function aisp<T>(bank: BankConnection, connection: Connection, path: string): Promise<T> {
  return (await aispRead<T>(bank, connection, `${bank.registration.mtlsBaseUrl}${AISP}${path}`)).Data;
}

/** The transactions booked since `from`: the bank pages them, so every page is read (Links.Next until none). */
async function transactionsSince(bank: BankConnection, connection: Connection, from: Date): Promise<ObTransaction[]> {
  const query = new URLSearchParams({ fromBookingDateTime: from.toISOString().slice(0, 19), pageSize: '500' });
  const transactions: ObTransaction[] = [];
  let next: string | undefined = `${bank.registration.mtlsBaseUrl}${AISP}/transactions?${query}`;
  while (next) {
    const page: { Data: { Transaction?: ObTransaction[] }; Links?: { Next?: string } } = await aispRead(
      bank,
      connection,
      next,
    );
    transactions.push(...(page.Data.Transaction ?? []));
    next = page.Links?.Next;
  }
  return transactions;
}

/**
 * The connection's accounts, balances and the transactions of the months shown, asked of the bank on every
 * view (no stale copies).
 */
async function bankData(bank: BankConnection, connection: Connection, now: Date): Promise<BankData> {
  const firstMonth = monthsShown(now)[0]!;
  const [accounts, balances, transactions] = await Promise.all([
    aisp<{ Account?: ObAccount[] }>(bank, connection, '/accounts'),
    aisp<{ Balance?: ObBalance[] }>(bank, connection, '/balances'),
    transactionsSince(bank, connection, new Date(`${firstMonth}-01T00:00:00Z`)),
  ]);
  return { accounts: accounts.Account ?? [], balances: balances.Balance ?? [], transactions };
}

let stan = 0;
/** A gateway API call with the Taiwan Open Banking headers. */
async function gateway(
  bank: BankConnection,
  connection: Connection,
  method: 'GET' | 'POST',
  path: string,
  body?: string,
): Promise<Response> {
  const now = new Date();
  const txnTime = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const response = await withToken(connection, refreshGrant(bank), (token) => {
    stan = (stan + 1) % 10_000_000;
    return bank.fetch(`${bank.registration.mtlsBaseUrl}/gateway${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        'x-stan': String(stan).padStart(7, '0'),
        'x-destinationid': '0120000',
        'x-clientid': bank.registration.clientId,
        'x-txninitdatetime': txnTime,
        ...(body ? { 'content-type': 'application/jose' } : {}),
      },
      body,
    });
  });
  if (!response.ok) throw await refusal(response);
  return response;
}

/** A response body that may be a compact JWE to this client: decrypted with the app's own key. */
async function readJose(bank: BankConnection, response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if ((response.headers.get('content-type') ?? '').includes('jose')) {
    const { plaintext } = await compactDecrypt(text, bank.decryptionKey);
    return JSON.parse(Buffer.from(plaintext).toString('utf8')) as Record<string, unknown>;
  }
  return JSON.parse(text) as Record<string, unknown>;
}

// ---- Pages ------------------------------------------------------------------------------------------

const formatAmount = (value: number) =>
  value.toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function nav(session: Session<EnjoySession>): Html {
  if (!session.data.user) return html``;
  return html`<nav aria-label="Main"><a href="/">Dashboard</a> · <a href="/connect">Connect a bank</a> ·
<a href="/services/time-deposits">View Time Deposit Balance</a> ·
<a href="/services/demand-deposits">View Demand Deposit Balance</a> ·
<a href="/services/roadside">Request Credit Card Roadside Assistance</a></nav>
<form method="post" action="/logout" class="inline">${csrfField(session)}<button type="submit" class="link">Log out</button></form>`;
}

function flashOf(session: Session<EnjoySession>): Html {
  const flash = session.data.flash;
  session.data.flash = undefined;
  if (!flash) return html``;
  return flash.kind === 'ok'
    ? html`<p class="ok" role="status">${flash.text}</p>`
    : html`<p role="alert">${flash.text}</p>`;
}

const layout = (session: Session<EnjoySession>, title: string, body: Html) =>
  page({ title, appName: APP, brand: BRAND, nav: nav(session), body: html`${flashOf(session)}${body}` });

function loginPage(session: Session<EnjoySession>, problem?: string): string {
  return layout(
    session,
    'Log in',
    html`<h1>Log in to Enjoy Life</h1>
<p>All your banks and services in one place.</p>
${problem ? html`<p role="alert">${problem}</p>` : ''}
<form method="post" action="/login">
${csrfField(session)}
<label>Username <input type="text" name="username" autocomplete="username" required></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<p><button type="submit">Log in</button></p>
</form>`,
  );
}

function connectPage(
  session: Session<EnjoySession>,
  banks: readonly BankConnection[],
  preset: { bank?: string; items?: readonly string[]; manage?: boolean },
): string {
  const chosen = preset.bank ?? banks[0]?.registration.name;
  const items = preset.items ?? ITEMS.map((i) => i.id);
  return layout(
    session,
    preset.manage ? 'Manage access' : 'Connect a bank',
    html`<h1>${preset.manage ? `Manage access at ${chosen}` : 'Connect a bank'}</h1>
<form method="post" action="/connect">
${csrfField(session)}
<fieldset><legend>Your bank</legend>
${banks.map(
  (b) =>
    html`<label><input type="radio" name="bank" value="${b.registration.name}" ${b.registration.name === chosen ? html`checked` : ''}> ${b.registration.name}</label>`,
)}
</fieldset>
<fieldset><legend>What Enjoy Life may see and do</legend>
${ITEMS.map(
  (item) =>
    html`<label><input type="checkbox" name="item" value="${item.id}" ${items.includes(item.id) ? html`checked` : ''}> ${item.label}</label>`,
)}
</fieldset>
<p>Next, your bank asks you to sign in and confirm what you share. You can change or stop this at any time.</p>
<p><button type="submit">Go to the bank</button></p>
</form>`,
  );
}

interface DashboardFilters {
  readonly bank: string;
  readonly account: string;
  readonly month: string;
  readonly category: string;
}

interface Row {
  readonly bank: string;
  readonly account: ObAccount;
  readonly transaction: ObTransaction;
  readonly category: string;
  readonly payee: string;
  readonly amount: number;
  readonly month: string;
}

const accountName = (a: ObAccount) =>
  `${a.Nickname ?? a.Description ?? a.AccountId} ••••${(a.Account?.[0]?.Identification ?? a.AccountId).slice(-4)}`;

function sumBy(rows: readonly Row[], key: (row: Row) => string) {
  const sums = new Map<string, { label: string; currency: string; value: number }>();
  for (const row of rows) {
    const label = key(row);
    const currency = row.transaction.Amount.Currency;
    const id = `${label}|${currency}`;
    const entry = sums.get(id) ?? { label, currency, value: 0 };
    entry.value = Math.round((entry.value + row.amount) * 100) / 100;
    sums.set(id, entry);
  }
  return [...sums.values()];
}

function dashboardPage(
  session: Session<EnjoySession>,
  user: EnjoyLifeUser,
  connections: readonly { connection: Connection; data?: BankData; problem?: string }[],
  filters: DashboardFilters,
  now: Date,
): string {
  const months = monthsShown(now);
  const all: Row[] = [];
  for (const { connection, data } of connections) {
    for (const transaction of data?.transactions ?? []) {
      const account = data!.accounts.find((a) => a.AccountId === transaction.AccountId);
      if (!account || !months.includes(monthOf(transaction.BookingDateTime))) continue;
      all.push({
        bank: connection.bank,
        account,
        transaction,
        category: categoryOf(transaction),
        payee: payeeOf(transaction),
        amount: Number(transaction.Amount.Amount),
        month: monthOf(transaction.BookingDateTime),
      });
    }
  }
  const rows = all
    .filter(
      (r) =>
        (!filters.bank || r.bank === filters.bank) &&
        (!filters.account || `${r.bank}|${r.account.AccountId}` === filters.account) &&
        (!filters.month || r.month === filters.month) &&
        (!filters.category || r.category === filters.category),
    )
    .sort((a, b) => b.transaction.BookingDateTime.localeCompare(a.transaction.BookingDateTime));
  // Spending: money going out (debits) only.
  const debits = rows.filter((r) => r.transaction.CreditDebitIndicator === 'Debit');
  const byCategory = sumBy(debits, (r) => r.category).sort((a, b) => b.value - a.value);
  const currencies = [...new Set(debits.map((r) => r.transaction.Amount.Currency))].sort();
  const monthSums = sumBy(debits, (r) => r.month);
  // Every month of the period, a month without spending included (as 0).
  const byMonth = currencies.flatMap((currency) =>
    months
      .filter((month) => !filters.month || month === filters.month)
      .map(
        (month) =>
          monthSums.find((m) => m.label === month && m.currency === currency) ?? { label: month, currency, value: 0 },
      ),
  );

  const totals = new Map<string, number>();
  const accountRows: Html[] = [];
  for (const { connection, data } of connections) {
    for (const account of data?.accounts ?? []) {
      const balance =
        data!.balances.find((b) => b.AccountId === account.AccountId && b.Type === 'InterimAvailable') ??
        data!.balances.find((b) => b.AccountId === account.AccountId);
      const value = balance ? Number(balance.Amount.Amount) * (balance.CreditDebitIndicator === 'Debit' ? -1 : 1) : 0;
      totals.set(account.Currency, Math.round(((totals.get(account.Currency) ?? 0) + value) * 100) / 100);
      accountRows.push(
        html`<tr><td>${connection.bank}</td><th scope="row">${accountName(account)}</th><td class="amount">${formatAmount(value)}</td><td>${account.Currency}</td></tr>`,
      );
    }
  }
  const allCategories = [...new Set(all.map((r) => r.category))].sort();
  const option = (value: string, label: string, selected: string) =>
    html`<option value="${value}" ${value === selected ? html`selected` : ''}>${label}</option>`;

  const bankSections = connections.map(({ connection, problem }) => {
    const shared = ITEMS.filter((i) => connection.items.includes(i.id)).map((i) => i.label);
    const manage = `/connect?${new URLSearchParams({ bank: connection.bank, manage: '1', items: connection.items.join(' ') })}`;
    return html`<section aria-labelledby="${`bank-${connection.bank.replace(/\W/g, '')}`}">
<h3 id="${`bank-${connection.bank.replace(/\W/g, '')}`}">${connection.bank}</h3>
${
  connection.status === 'revoked'
    ? html`<p role="alert">${connection.bank} no longer gives Enjoy Life access (the connection was ended at the bank).</p>
<form method="post" action="/reconnect" class="inline">${csrfField(session)}<input type="hidden" name="bank" value="${connection.bank}"><button type="submit">Reconnect</button></form>`
    : html`<p>Connected. You share: ${shared.join('; ')}.</p>
${connection.consentId ? html`<p>Consent reference at ${connection.bank}: <code>${connection.consentId}</code></p>` : ''}
${problem ? html`<p role="alert">${problem}</p>` : ''}
<p class="row"><a class="button" href="${manage}">Manage access</a>
<form method="post" action="/disconnect" class="inline">${csrfField(session)}<input type="hidden" name="bank" value="${connection.bank}"><button type="submit" class="secondary">Disconnect ${connection.bank}</button></form></p>`
}
</section>`;
  });

  return layout(
    session,
    'Dashboard',
    html`<h1>Hello, ${user.name}</h1>
<section aria-labelledby="banks-heading"><h2 id="banks-heading">Your banks</h2>
${connections.length === 0 ? html`<p>No bank connected yet. <a href="/connect">Connect a bank</a></p>` : bankSections}
</section>
<section aria-labelledby="balance-heading"><h2 id="balance-heading">Total balance</h2>
${totals.size === 0 ? html`<p>No account data shared yet.</p>` : html`<ul>${[...totals].map(([currency, value]) => html`<li><strong>${formatAmount(value)} ${currency}</strong></li>`)}</ul>`}
<table><caption>Accounts</caption>
<thead><tr><th scope="col">Bank</th><th scope="col">Account</th><th scope="col" class="amount">Balance</th><th scope="col">Currency</th></tr></thead>
<tbody>${accountRows}</tbody></table>
</section>
<section aria-labelledby="filters-heading"><h2 id="filters-heading">Filters</h2>
<form method="get" action="/" class="row">
<label>Bank <select name="bank">${option('', 'All banks', filters.bank)}${connections.map((c) => option(c.connection.bank, c.connection.bank, filters.bank))}</select></label>
<label>Account <select name="account">${option('', 'All accounts', filters.account)}${connections.flatMap(
      (c) =>
        c.data?.accounts.map((a) =>
          option(`${c.connection.bank}|${a.AccountId}`, `${c.connection.bank}: ${accountName(a)}`, filters.account),
        ) ?? [],
    )}</select></label>
<label>Month <select name="month">${option('', 'Last three months', filters.month)}${months.map((m) => option(m, m, filters.month))}</select></label>
<label>Category <select name="category">${option('', 'All categories', filters.category)}${allCategories.map((c) => option(c, c, filters.category))}</select></label>
<button type="submit">Apply filters</button>
</form>
</section>
<section aria-labelledby="category-heading"><h2 id="category-heading">Spending by category</h2>
${currencies.map((currency) =>
  barChart(
    `category-${currency}`,
    'Spending by category',
    currency,
    byCategory.filter((b) => b.currency === currency),
  ),
)}
${dataTable('Spending by category', 'Category', byCategory)}
</section>
<section aria-labelledby="month-heading"><h2 id="month-heading">Spending by month</h2>
${currencies.map((currency) =>
  barChart(
    `month-${currency}`,
    'Spending by month',
    currency,
    byMonth.filter((b) => b.currency === currency),
  ),
)}
${dataTable('Spending by month', 'Month', byMonth)}
</section>
<section aria-labelledby="transactions-heading"><h2 id="transactions-heading">Recent transactions</h2>
<table><caption>Recent transactions (${rows.length})</caption>
<thead><tr><th scope="col">Date</th><th scope="col">Account</th><th scope="col">Payee</th><th scope="col">Category</th><th scope="col" class="amount">Amount</th><th scope="col">Currency</th></tr></thead>
<tbody>
${rows.map((r) => {
  const credit = r.transaction.CreditDebitIndicator === 'Credit';
  return html`<tr><td>${r.transaction.BookingDateTime.slice(0, 10)}</td><td>${r.bank}: ${accountName(r.account)}</td><td>${r.payee}</td><td>${r.category}</td><td class="${credit ? 'amount credit' : 'amount debit'}">${credit ? '+' : '−'}${formatAmount(r.amount)} <span>${credit ? 'in' : 'out'}</span></td><td>${r.transaction.Amount.Currency}</td></tr>`;
})}
</tbody></table>
</section>`,
  );
}

// ---- HTTP -------------------------------------------------------------------------------------------

export interface EnjoyLifeOptions {
  readonly url: string;
  readonly banks: () => readonly BankConnection[];
  readonly users?: readonly EnjoyLifeUser[];
}

const digest = (value: string) => createHash('sha256').update(value).digest();

interface Service {
  readonly path: string;
  readonly title: string;
  readonly item: ItemId;
  readonly button: string;
}
const SERVICES: readonly Service[] = [
  { path: '/services/time-deposits', title: 'View Time Deposit Balance', item: 'time_deposits', button: 'Query' },
  { path: '/services/demand-deposits', title: 'View Demand Deposit Balance', item: 'demand_deposits', button: 'Query' },
  {
    path: '/services/roadside',
    title: 'Request Credit Card Roadside Assistance',
    item: 'credit_cards',
    button: 'Request',
  },
];

export function enjoyLife(options: EnjoyLifeOptions) {
  const users = options.users ?? ENJOY_LIFE_USERS;
  const sessions = new Sessions<EnjoySession>('enjoy_session', () => ({}));
  /** Connections per Enjoy Life user and bank: kept across the user's sessions. */
  const connections = new Map<string, Map<string, Connection>>();
  const callbackUrl = `${options.url}/callback`;
  const connectionsOf = (user: string) => {
    let map = connections.get(user);
    if (!map) {
      map = new Map();
      connections.set(user, map);
    }
    return map;
  };

  async function startAuthorization(session: Session<EnjoySession>, bank: BankConnection, items: ItemId[]) {
    const scopes = ['openid', ...items.filter((i) => i !== 'accounts')];
    let consentId: string | undefined;
    const claims: Record<string, unknown> = {};
    if (items.includes('accounts')) {
      scopes.push('accounts');
      const { access_token } = await oidc.clientCredentialsGrant(bank.config, { scope: 'accounts' });
      const response = await bank.fetch(`${bank.registration.mtlsBaseUrl}${AISP}/account-access-consents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ Data: { Permissions: ACCOUNT_PERMISSIONS }, Risk: {} }),
      });
      if (response.status !== 201) throw await refusal(response);
      consentId = ((await response.json()) as { Data: { ConsentId: string } }).Data.ConsentId;
      claims.id_token = { openbanking_intent_id: { value: consentId, essential: true } };
    }
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = await oidc.buildAuthorizationUrlWithPAR(bank.config, {
      redirect_uri: callbackUrl,
      scope: scopes.join(' '),
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...(consentId ? { claims: JSON.stringify(claims) } : {}),
    });
    session.data.pending = { bank: bank.registration.name, items, verifier, state, consentId };
    return url.href;
  }

  /** Ends a connection at the bank: the consent deleted (revoking its tokens), the refresh token revoked. */
  async function disconnect(bank: BankConnection, connection: Connection) {
    if (connection.consentId) {
      const { access_token } = await oidc.clientCredentialsGrant(bank.config, { scope: 'accounts' });
      const response = await bank.fetch(
        `${bank.registration.mtlsBaseUrl}${AISP}/account-access-consents/${connection.consentId}`,
        { method: 'DELETE', headers: { authorization: `Bearer ${access_token}` } },
      );
      // 404/400: already gone at the bank (revoked there); anything else is the bank's problem to report.
      if (response.status >= 500) throw await refusal(response);
    }
    if (connection.refreshToken) {
      await oidc.tokenRevocation(bank.config, connection.refreshToken, { token_type_hint: 'refresh_token' });
    }
  }

  const describe = (error: unknown, bankName: string) => {
    if (error instanceof BankUnavailable) {
      return `${bankName} is not answering properly right now (${error.message}). Your connection is kept; please try again in a moment.`;
    }
    if (error instanceof Revoked) return `${bankName} no longer gives Enjoy Life access. Reconnect to continue.`;
    return `${bankName} refused the request: ${error instanceof Error ? error.message : String(error)}`;
  };

  async function servicePage(
    session: Session<EnjoySession>,
    service: Service,
    banks: readonly BankConnection[],
    result?: Html,
    chosenBank?: string,
  ) {
    const mine = connectionsOf(session.data.user!);
    const connected = banks.filter((b) => mine.get(b.registration.name)?.status === 'connected');
    const roadside = service.item === 'credit_cards';
    return layout(
      session,
      service.title,
      html`<h1>${service.title}</h1>
${
  connected.length === 0
    ? html`<p>Connect a bank first. <a href="/connect">Connect a bank</a></p>`
    : html`<form method="post" action="${service.path}">
${csrfField(session)}
<label>Bank <select name="bank">${connected.map((b) => html`<option ${b.registration.name === chosenBank ? html`selected` : ''}>${b.registration.name}</option>`)}</select></label>
${
  roadside
    ? html`<label>Credit Card Number <input type="text" name="cardNumber" inputmode="numeric" autocomplete="cc-number" required></label>
<label>Vehicle Plate Number <input type="text" name="plateNumber" required></label>`
    : ''
}
<p><button type="submit">${service.button}</button></p>
</form>`
}
${result ?? ''}`,
    );
  }

  async function runService(
    session: Session<EnjoySession>,
    service: Service,
    bank: BankConnection,
    form: URLSearchParams,
  ) {
    const connection = connectionsOf(session.data.user!).get(bank.registration.name)!;
    try {
      if (service.item === 'time_deposits') {
        const body = await readJose(bank, await gateway(bank, connection, 'GET', '/timeDeposit/balances'));
        const deposits = body.timeDeposits as {
          accountNumber: string;
          maturityDate: string;
          balance: { amount: string; currency: string } | null;
        }[];
        return html`<section aria-labelledby="result"><h2 id="result">Time deposits at ${bank.registration.name}</h2>
<table><caption>Time deposit balances</caption><thead><tr><th scope="col">Account</th><th scope="col">Matures</th><th scope="col" class="amount">Balance</th><th scope="col">Currency</th></tr></thead>
<tbody>${deposits.map((d) => html`<tr><td>${d.accountNumber}</td><td>${d.maturityDate.slice(0, 10)}</td><td class="amount">${d.balance?.amount ?? '—'}</td><td>${d.balance?.currency ?? ''}</td></tr>`)}</tbody></table></section>`;
      }
      if (service.item === 'demand_deposits') {
        const body = await readJose(bank, await gateway(bank, connection, 'GET', '/demandDeposit/accounts'));
        const accounts = body.accounts as {
          accountNumber: string;
          nickname: string | null;
          availableBalance: { amount: string; currency: string } | null;
        }[];
        return html`<section aria-labelledby="result"><h2 id="result">Demand deposits at ${bank.registration.name}</h2>
<table><caption>Demand deposit balances</caption><thead><tr><th scope="col">Account</th><th scope="col" class="amount">Available</th><th scope="col">Currency</th></tr></thead>
<tbody>${accounts.map((a) => html`<tr><td>${a.nickname ?? ''} ${a.accountNumber}</td><td class="amount">${a.availableBalance?.amount ?? '—'}</td><td>${a.availableBalance?.currency ?? ''}</td></tr>`)}</tbody></table></section>`;
      }
      const request = {
        cardNumber: (form.get('cardNumber') ?? '').replace(/[\s-]/g, ''),
        plateNumber: (form.get('plateNumber') ?? '').trim().toUpperCase(),
      };
      // The request is signed with the app's own key (JWS); the bank answers encrypted to the app's key (JWE).
      const signed = await new CompactSign(Buffer.from(JSON.stringify(request)))
        .setProtectedHeader({ alg: 'PS256', kid: bank.signingKey.kid })
        .sign(bank.signingKey.key);
      const body = await readJose(
        bank,
        await gateway(bank, connection, 'POST', '/creditCards/roadsideAssistance', signed),
      );
      return html`<section aria-labelledby="result"><h2 id="result">Roadside assistance requested</h2>
<p class="ok" role="status">${bank.registration.name} accepted the request (status ${String(body.status)}).</p>
<dl><dt>Case number</dt><dd>${String(body.caseId)}</dd><dt>Card</dt><dd>${String(body.cardNumber)}</dd><dt>Vehicle</dt><dd>${String(body.plateNumber)}</dd></dl></section>`;
    } catch (error) {
      if (error instanceof NotAuthorized) {
        const items = [...new Set([...connection.items, service.item])];
        const again = `/connect?${new URLSearchParams({ bank: bank.registration.name, manage: '1', items: items.join(' ') })}`;
        return html`<div role="alert"><p>${bank.registration.name}: ${error.message}</p></div>
<p><a class="button" href="${again}">Grant access to this service</a></p>`;
      }
      return html`<div role="alert"><p>${describe(error, bank.registration.name)}</p></div>`;
    }
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', options.url);
    const { session, setCookie } = sessions.ensure(req);
    const headers: Record<string, string> = setCookie ? { 'set-cookie': setCookie } : {};
    const banks = options.banks();
    const bankNamed = (name: string | null) => banks.find((b) => b.registration.name === name);
    const form = req.method === 'POST' ? await readForm(req) : undefined;
    if (form && !csrfOk(session, form)) {
      sendPage(res, 403, loginPage(session, 'Your session expired. Please log in again.'), headers);
      return;
    }

    if (req.method === 'POST' && url.pathname === '/login') {
      const user = users.find((u) => u.username === form!.get('username'));
      const sent = digest(form!.get('password') ?? '');
      if (!user || !timingSafeEqual(sent, digest(user.password))) {
        sendPage(res, 401, loginPage(session, 'The username or password is not right.'), headers);
        return;
      }
      session.data.user = user.username;
      redirect(res, '/', headers);
      return;
    }
    const user = users.find((u) => u.username === session.data.user);
    if (!user) {
      if (req.method === 'GET' && url.pathname === '/') sendPage(res, 200, loginPage(session), headers);
      else redirect(res, '/', headers);
      return;
    }
    const mine = connectionsOf(user.username);

    if (req.method === 'POST' && url.pathname === '/logout') {
      redirect(res, '/', { 'set-cookie': sessions.destroy(session) });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/connect') {
      const items = url.searchParams.get('items')?.split(' ');
      sendPage(
        res,
        200,
        connectPage(session, banks, {
          bank: bankNamed(url.searchParams.get('bank'))?.registration.name,
          items,
          manage: url.searchParams.get('manage') === '1',
        }),
        headers,
      );
      return;
    }
    if (req.method === 'POST' && (url.pathname === '/connect' || url.pathname === '/reconnect')) {
      const bank = bankNamed(form!.get('bank'));
      const previous = bank && mine.get(bank.registration.name);
      const items =
        url.pathname === '/reconnect'
          ? (previous?.items ?? [])
          : (form!.getAll('item').filter((i) => ITEMS.some((item) => item.id === i)) as ItemId[]);
      if (!bank || items.length === 0) {
        session.data.flash = { kind: 'error', text: 'Choose a bank and at least one thing to share.' };
        redirect(res, '/connect', headers);
        return;
      }
      try {
        redirect(res, await startAuthorization(session, bank, items), headers);
      } catch (error) {
        session.data.flash = { kind: 'error', text: describe(error, bank.registration.name) };
        redirect(res, '/connect', headers);
      }
      return;
    }
    if (req.method === 'GET' && url.pathname === '/callback') {
      const pending = session.data.pending;
      const bank = pending && bankNamed(pending.bank);
      session.data.pending = undefined;
      if (!pending || !bank) {
        session.data.flash = { kind: 'error', text: 'That bank answer was not expected. Please connect again.' };
        redirect(res, '/', headers);
        return;
      }
      try {
        const tokens = await oidc.authorizationCodeGrant(bank.config, url, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
        });
        // What the customer granted at the bank (she may untick service groups there): the token response's
        // `scope` (RFC 6749 §5.1; absent means as requested).
        const granted = tokens.scope?.split(' ') ?? [...pending.items];
        const connection: Connection = {
          bank: pending.bank,
          items: pending.items.filter((item) => granted.includes(item)),
          consentId: pending.consentId,
          accessToken: '',
          expiresAt: 0,
          status: 'connected',
        };
        tokensInto(connection, tokens);
        const previous = mine.get(pending.bank);
        mine.set(pending.bank, connection);
        // Re-authorised ("Manage access", "Reconnect"): the earlier consent and tokens are not needed any more.
        if (previous) await disconnect(bank, previous).catch(() => undefined);
        session.data.flash = { kind: 'ok', text: `Connected to ${pending.bank}.` };
      } catch (error) {
        const text = connectFailure(pending.bank, APP, error);
        session.data.flash = { kind: 'error', text };
      }
      redirect(res, '/', headers);
      return;
    }
    if (req.method === 'POST' && url.pathname === '/disconnect') {
      const bank = bankNamed(form!.get('bank'));
      const connection = bank && mine.get(bank.registration.name);
      if (bank && connection) {
        try {
          await disconnect(bank, connection);
          mine.delete(bank.registration.name);
          session.data.flash = {
            kind: 'ok',
            text: `Disconnected from ${bank.registration.name}. Enjoy Life can no longer see your data there.`,
          };
        } catch (error) {
          session.data.flash = { kind: 'error', text: describe(error, bank.registration.name) };
        }
      }
      redirect(res, '/', headers);
      return;
    }
    const service = SERVICES.find((s) => s.path === url.pathname);
    if (service && req.method === 'GET') {
      sendPage(res, 200, await servicePage(session, service, banks), headers);
      return;
    }
    if (service && req.method === 'POST') {
      const bank = bankNamed(form!.get('bank'));
      const connection = bank && mine.get(bank.registration.name);
      const result =
        bank && connection
          ? await runService(session, service, bank, form!)
          : html`<p role="alert">Connect a bank first.</p>`;
      sendPage(res, 200, await servicePage(session, service, banks, result, bank?.registration.name), headers);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/') {
      const now = new Date();
      const shown = await Promise.all(
        banks
          .filter((b) => mine.has(b.registration.name))
          .map(async (bank) => {
            const connection = mine.get(bank.registration.name)!;
            if (connection.status === 'revoked' || !connection.items.includes('accounts')) return { connection };
            try {
              return { connection, data: await bankData(bank, connection, now) };
            } catch (error) {
              return { connection, problem: describe(error, bank.registration.name) };
            }
          }),
      );
      const filters = {
        bank: url.searchParams.get('bank') ?? '',
        account: url.searchParams.get('account') ?? '',
        month: url.searchParams.get('month') ?? '',
        category: url.searchParams.get('category') ?? '',
      };
      sendPage(res, 200, dashboardPage(session, user, shown, filters, now), headers);
      return;
    }
    sendPage(
      res,
      404,
      layout(session, 'Not found', html`<h1>Not found</h1><p><a href="/">Back to the dashboard</a></p>`),
      headers,
    );
  };
}
