/**
 * Open Banking UK account information (v3.1): what a customer's access token may see and how the bank's
 * data is shaped for it. Permissions pick the endpoints and the fields (Basic vs Detail, Credits/Debits,
 * ReadPAN); the consent picks the accounts and the transaction window. Pure functions: the handler reads
 * the token and the BankData port, these decide.
 */

import { InvalidToken, ObError } from '../errors';
import type {
  BankAccount,
  BankBalance,
  BankTransaction,
  CreditDebitIndicator,
  ObAccountIdentification,
  TransactionWindow,
} from '../ports/bank-data';
import type { TokenRecord } from './model';

/** What a customer's access token grants, taken from the token record (the consent's copy). */
export interface AccountAccess {
  readonly consentId: string;
  readonly subject: string;
  readonly accountIds: readonly string[];
  readonly permissions: ReadonlySet<string>;
  /** The consent's TransactionFromDateTime / TransactionToDateTime. */
  readonly transactionWindow: TransactionWindow;
}

/**
 * The grant behind a validated access token. Only customer tokens (issued for an authorised consent)
 * reach account data; a consent that outlived its expiry is treated like an expired token.
 */
export function accountAccess(token: TokenRecord, now: number): AccountAccess {
  if (token.consentId === undefined || token.subject === undefined) {
    throw ObError.forbidden(
      'UK.OBIE.Unauthorised',
      'account information requires an access token the customer authorised for a consent, not a client_credentials token',
    );
  }
  if (token.consentExpiresAt !== undefined && token.consentExpiresAt <= now) {
    throw new InvalidToken('the consent behind the access token has expired');
  }
  return {
    consentId: token.consentId,
    subject: token.subject,
    accountIds: token.accountIds ?? [],
    permissions: new Set(token.permissions ?? []),
    transactionWindow: { from: token.transactionFromDateTime, to: token.transactionToDateTime },
  };
}

function missingPermission(description: string): ObError {
  return ObError.forbidden('UK.OBIE.Resource.ConsentMismatch', `the consent does not grant ${description}`);
}

// ---- Permissions -> endpoints and fields ---------------------------------------------------------

export interface AccountsView {
  /** ReadAccountsDetail: `Account` and `Servicer` are shown. */
  readonly detail: boolean;
  /** ReadPAN: card numbers are shown in full. */
  readonly unmaskedPan: boolean;
}

export interface TransactionsView {
  /** ReadTransactionsDetail: the detail-only fields are shown. */
  readonly detail: boolean;
  readonly unmaskedPan: boolean;
  /** ReadTransactionsCredits / ReadTransactionsDebits. */
  readonly directions: ReadonlySet<CreditDebitIndicator>;
}

/** /accounts needs ReadAccountsBasic or ReadAccountsDetail. */
export function accountsView(access: AccountAccess): AccountsView {
  const detail = access.permissions.has('ReadAccountsDetail');
  if (!detail && !access.permissions.has('ReadAccountsBasic')) {
    throw missingPermission('ReadAccountsBasic or ReadAccountsDetail');
  }
  return { detail, unmaskedPan: access.permissions.has('ReadPAN') };
}

/** /balances needs ReadBalances. */
export function requireBalances(access: AccountAccess): void {
  if (!access.permissions.has('ReadBalances')) throw missingPermission('ReadBalances');
}

/** /transactions needs ReadTransactionsBasic or ReadTransactionsDetail, and Credits or Debits. */
export function transactionsView(access: AccountAccess): TransactionsView {
  const detail = access.permissions.has('ReadTransactionsDetail');
  if (!detail && !access.permissions.has('ReadTransactionsBasic')) {
    throw missingPermission('ReadTransactionsBasic or ReadTransactionsDetail');
  }
  const directions = new Set<CreditDebitIndicator>();
  if (access.permissions.has('ReadTransactionsCredits')) directions.add('Credit');
  if (access.permissions.has('ReadTransactionsDebits')) directions.add('Debit');
  if (directions.size === 0) throw missingPermission('ReadTransactionsCredits or ReadTransactionsDebits');
  return { detail, unmaskedPan: access.permissions.has('ReadPAN'), directions };
}

// ---- Accounts in the consent ---------------------------------------------------------------------

/**
 * An AccountId from the path, if the consent covers it. Decided on the consent alone, before any bank
 * read, so the answer reveals nothing about accounts outside it.
 */
export function consentedAccountId(access: AccountAccess, accountId: string | undefined): string {
  if (accountId === undefined || !access.accountIds.includes(accountId)) {
    throw ObError.forbidden('UK.OBIE.Resource.ConsentMismatch', 'the account is not covered by the consent');
  }
  return accountId;
}

/** The consented accounts among those the customer holds at the bank now (bank order). */
export function consentedAccounts(access: AccountAccess, held: readonly BankAccount[]): BankAccount[] {
  const consented = new Set(access.accountIds);
  return held.filter((account) => consented.has(account.AccountId));
}

// ---- Shaping ---------------------------------------------------------------------------------------

const PAN_SCHEME = 'UK.OBIE.PAN';
const PAN_VISIBLE_DIGITS = 4;

/** A card number with all but its last four characters replaced by `*`. */
export function maskPan(pan: string): string {
  const visible = pan.length > PAN_VISIBLE_DIGITS ? pan.slice(-PAN_VISIBLE_DIGITS) : '';
  return '*'.repeat(pan.length - visible.length) + visible;
}

function identificationFor(identification: ObAccountIdentification, unmaskedPan: boolean): ObAccountIdentification {
  if (unmaskedPan || identification.SchemeName !== PAN_SCHEME) return identification;
  return { ...identification, Identification: maskPan(identification.Identification) };
}

function without<T extends object>(record: T, fields: ReadonlySet<string>): T {
  return Object.fromEntries(Object.entries(record).filter(([field]) => !fields.has(field))) as T;
}

/** OBAccount6 fields only ReadAccountsDetail shows. */
const ACCOUNT_DETAIL_FIELDS: ReadonlySet<string> = new Set(['Account', 'Servicer']);

/** OBTransaction6 fields only ReadTransactionsDetail shows. */
const TRANSACTION_DETAIL_FIELDS: ReadonlySet<string> = new Set([
  'TransactionInformation',
  'Balance',
  'MerchantDetails',
  'CreditorAgent',
  'CreditorAccount',
  'DebtorAgent',
  'DebtorAccount',
]);

export function shapeAccount(account: BankAccount, view: AccountsView): BankAccount {
  if (!view.detail) return without(account, ACCOUNT_DETAIL_FIELDS);
  if (!account.Account) return account;
  return { ...account, Account: account.Account.map((id) => identificationFor(id, view.unmaskedPan)) };
}

/** Balances of the given accounts only, whatever else the bank returned. */
export function selectBalances(balances: readonly BankBalance[], accountIds: readonly string[]): BankBalance[] {
  const wanted = new Set(accountIds);
  return balances.filter((balance) => wanted.has(balance.AccountId));
}

function shapeTransaction(transaction: BankTransaction, view: TransactionsView): BankTransaction {
  if (!view.detail) return without(transaction, TRANSACTION_DETAIL_FIELDS);
  const { CreditorAccount, DebtorAccount } = transaction;
  return {
    ...transaction,
    ...(CreditorAccount ? { CreditorAccount: identificationFor(CreditorAccount, view.unmaskedPan) } : {}),
    ...(DebtorAccount ? { DebtorAccount: identificationFor(DebtorAccount, view.unmaskedPan) } : {}),
  };
}

const time = (dateTime: string) => Date.parse(dateTime);

function withinWindow(dateTime: string, window: TransactionWindow): boolean {
  const at = time(dateTime);
  return (window.from === undefined || at >= time(window.from)) && (window.to === undefined || at <= time(window.to));
}

/**
 * The transactions the view may show, shaped for it: of the given accounts, in the window, in a consented
 * direction. Re-checked here so a loose bank adapter can never widen what the consent allows.
 */
export function selectTransactions(
  transactions: readonly BankTransaction[],
  scope: {
    readonly accountIds: readonly string[];
    readonly window: TransactionWindow;
    readonly view: TransactionsView;
  },
): BankTransaction[] {
  const wanted = new Set(scope.accountIds);
  return transactions
    .filter(
      (transaction) =>
        wanted.has(transaction.AccountId) &&
        scope.view.directions.has(transaction.CreditDebitIndicator) &&
        withinWindow(transaction.BookingDateTime, scope.window),
    )
    .map((transaction) => shapeTransaction(transaction, scope.view));
}

// ---- Booking date-time filters -----------------------------------------------------------------------

export interface BookingFilter {
  readonly fromBookingDateTime?: string;
  readonly toBookingDateTime?: string;
}

const BOOKING_DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(:\d{2}(?:\.\d{1,9})?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/**
 * A `fromBookingDateTime` / `toBookingDateTime` query value as a UTC instant (ISO 8601). OBUK: the
 * time is optional (00:00:00 when absent) and a time zone, if present, is ignored.
 */
export function parseBookingDateTime(name: keyof BookingFilter, value: string): string {
  const match = BOOKING_DATE_TIME.exec(value);
  const [, date, hoursMinutes = '00:00', seconds = ':00'] = match ?? [];
  const instant = match ? new Date(`${date}T${hoursMinutes}${seconds}Z`) : undefined;
  // Date accepts 2026-02-30 and 24:00 by rolling over; the round trip refuses them.
  if (!instant || Number.isNaN(instant.getTime()) || instant.toISOString().slice(0, 16) !== `${date}T${hoursMinutes}`) {
    throw ObError.field('UK.OBIE.Field.InvalidDate', `${name} must be an ISO 8601 date-time`, name);
  }
  return instant.toISOString();
}

/** The later of two optional bounds (undefined = unbounded). */
function laterOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return time(b) > time(a) ? b : a;
}

function earlierOf(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return time(b) < time(a) ? b : a;
}

const utc = (dateTime: string | undefined) => (dateTime === undefined ? undefined : new Date(dateTime).toISOString());

/**
 * The booking window to read (UTC instants, inclusive): the query filters intersected with the consent's
 * window. Undefined when the intersection is empty: a filter outside the consent window matches nothing,
 * which is not an error.
 */
export function transactionWindow(consent: TransactionWindow, filter: BookingFilter): TransactionWindow | undefined {
  const parsed = (name: keyof BookingFilter) => {
    const value = filter[name];
    return value === undefined ? undefined : parseBookingDateTime(name, value);
  };
  const requested = { from: parsed('fromBookingDateTime'), to: parsed('toBookingDateTime') };
  if (requested.from !== undefined && requested.to !== undefined && time(requested.from) > time(requested.to)) {
    throw ObError.field(
      'UK.OBIE.Field.InvalidDate',
      'fromBookingDateTime must not be after toBookingDateTime',
      'fromBookingDateTime',
    );
  }
  const from = laterOf(utc(consent.from), requested.from);
  const to = earlierOf(utc(consent.to), requested.to);
  if (from !== undefined && to !== undefined && time(from) > time(to)) return undefined;
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}

// ---- Response envelope -------------------------------------------------------------------------------

export interface ReadMeta {
  readonly TotalPages?: 1;
  readonly FirstAvailableDateTime?: string;
  readonly LastAvailableDateTime?: string;
}

/** OBUK Links: Self always; First, Next and Prev on a paged read (Next / Prev absent at the ends). */
export interface ReadLinks {
  readonly Self: string;
  readonly First?: string;
  readonly Next?: string;
  readonly Prev?: string;
}

export interface ReadResponse<D> {
  readonly Data: D;
  readonly Links: ReadLinks;
  readonly Meta: ReadMeta;
}

/**
 * The OBUK read envelope. For transactions, First/LastAvailableDateTime tell the TPP the booking window its
 * consent allows. Meta.TotalPages only when it is known without counting: a read with no Next and no Prev is
 * one page. A paged read leaves it out (optional in OBUK): counting would read the whole window, the very
 * cost paging avoids.
 */
export function readResponse<D>(
  data: D,
  links: string | ReadLinks,
  available: TransactionWindow = {},
): ReadResponse<D> {
  const Links = typeof links === 'string' ? { Self: links } : links;
  return {
    Data: data,
    Links,
    Meta: {
      ...(Links.Next === undefined && Links.Prev === undefined ? { TotalPages: 1 } : {}),
      ...(available.from !== undefined ? { FirstAvailableDateTime: available.from } : {}),
      ...(available.to !== undefined ? { LastAvailableDateTime: available.to } : {}),
    },
  };
}
