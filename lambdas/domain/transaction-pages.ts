/**
 * Paged transactions, as Open Banking UK v3.1 pages a read (Links.Self / First / Next / Prev, Meta.TotalPages):
 * keyset paging on the booking order, newest first. A page is read with one bounded read per account
 * (`limit` = page size + 1, the extra item only says whether there is more), whatever the history's length.
 *
 * Order: BookingDateTime descending, then AccountId descending, then the account's own order of its
 * transactions at that instant (TransactionId, as the bank keeps them). A cursor names the last (Next) or the
 * first (Prev) transaction of the page it came from; the next page is what follows it in that order.
 *
 * Bulk `/transactions` over several accounts: each account is read from the cursor's place in parallel
 * (page size + 1 each), the reads are merged on the order above and the first page size are kept. Reads are
 * bounded by accounts x (page size + 1); nothing older than the page is read.
 *
 * A walk (First, then Next until there is none) returns every transaction that was in the window when it
 * started and is still there exactly once, in order, with no duplicates or gaps: positions are keys, not
 * offsets, so transactions booked meanwhile (newer than the walk's place) do not shift it; they show on the
 * next walk from First. One booked back-dated into the part already walked is not shown by this walk.
 *
 * The cursor is opaque to the TPP: its place, authenticated with HMAC-SHA-256 (a key of this purpose only)
 * over the place and what it is bound to: the consent, the account (or all of the consent's) and the query
 * (effective booking window, page size). A cursor changed, or of another consent, account or query, is
 * refused (400, UK.OBIE.Field.Invalid); the TPP starts again from Links.First.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ObError } from '../errors';
import {
  type BankData,
  type BankTransaction,
  HIGHEST_TRANSACTION_ID,
  LOWEST_TRANSACTION_ID,
  type TransactionKey,
  type TransactionWindow,
} from '../ports/bank-data';

/** Transactions per page unless the TPP asks for fewer or more with `pageSize`. */
export const DEFAULT_PAGE_SIZE = 100;
/**
 * The most a TPP may ask for: 500 detailed transactions are ~0.4 MB of JSON, far below the Lambda response
 * limit (6 MB) and API Gateway's (10 MB), and the page's reads stay within one 1 MB DynamoDB Query answer.
 */
export const MAX_PAGE_SIZE = 500;

const PAGE_SIZE = /^[1-9]\d{0,3}$/;

/** The `pageSize` query parameter: a whole number from 1 to MAX_PAGE_SIZE (default DEFAULT_PAGE_SIZE). */
export function pageSizeOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PAGE_SIZE;
  const size = PAGE_SIZE.test(value) ? Number(value) : Number.NaN;
  if (!(size <= MAX_PAGE_SIZE)) {
    throw ObError.field(
      'UK.OBIE.Field.Invalid',
      `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
      'pageSize',
    );
  }
  return size;
}

/** A transaction's place in the paging order. */
interface Place {
  /** UTC ISO 8601 with milliseconds: string order is time order. */
  readonly bookingDateTime: string;
  readonly accountId: string;
  readonly transactionId: string;
}

interface Cursor {
  /** `next`: the page after `place` (older); `prev`: the page before it (newer). */
  readonly direction: 'next' | 'prev';
  readonly place: Place;
}

/** What a cursor is bound to. */
export interface PageQuery {
  readonly consentId: string;
  /** The account of `/accounts/{AccountId}/transactions`; undefined for `/transactions` (all of the consent's). */
  readonly accountId?: string;
  /** The effective booking window (consent window and filters); undefined when they do not meet. */
  readonly window: TransactionWindow | undefined;
  readonly pageSize: number;
}

export interface TransactionPageDeps {
  readonly bankData: Pick<BankData, 'getTransactions'>;
  /** The HMAC key of paging cursors (its own purpose), kept per cold start. */
  readonly cursorKey: () => Promise<Uint8Array>;
}

export interface TransactionPage {
  /** Newest first, as read (the caller shapes them for the consent). */
  readonly transactions: readonly BankTransaction[];
  /** Cursors of the neighbouring pages; absent at the ends. */
  readonly next?: string;
  readonly prev?: string;
}

const CURSOR_CONTEXT = 'bankgate/transactions-cursor/v1';
const MAC_BYTES = 16;
const CURSOR = /^([A-Za-z0-9_-]{1,1024})\.([A-Za-z0-9_-]{22})$/;

function refused(): ObError {
  return ObError.field(
    'UK.OBIE.Field.Invalid',
    'The cursor does not belong to this request (it was changed, or came from another consent, account or query). Follow the links of the page it came from, or start again from Links.First.',
    'cursor',
  );
}

function bindingOf(query: PageQuery): string {
  return JSON.stringify([
    CURSOR_CONTEXT,
    query.consentId,
    query.accountId ?? null,
    // An empty window (filters outside the consent's) is not the unbounded one.
    query.window ? [query.window.from ?? null, query.window.to ?? null] : 'empty',
    query.pageSize,
  ]);
}

function mac(key: Uint8Array, binding: string, body: string): Buffer {
  return createHmac('sha256', key).update(`${binding}\n${body}`).digest().subarray(0, MAC_BYTES);
}

function encodeCursor(key: Uint8Array, query: PageQuery, cursor: Cursor): string {
  const { bookingDateTime, accountId, transactionId } = cursor.place;
  const body = Buffer.from(JSON.stringify([cursor.direction, bookingDateTime, accountId, transactionId])).toString(
    'base64url',
  );
  return `${body}.${mac(key, bindingOf(query), body).toString('base64url')}`;
}

const isIsoInstant = (value: unknown): value is string =>
  typeof value === 'string' && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value;

function decodeCursor(key: Uint8Array, query: PageQuery, value: string): Cursor {
  const match = CURSOR.exec(value);
  if (!match) throw refused();
  const [, body, tag] = match as unknown as [string, string, string];
  const presented = Buffer.from(tag, 'base64url');
  if (presented.length !== MAC_BYTES || !timingSafeEqual(presented, mac(key, bindingOf(query), body))) throw refused();
  // Authentic, so ours; checked all the same.
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw refused();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw refused();
  const [direction, bookingDateTime, accountId, transactionId] = parsed as unknown[];
  if (
    (direction !== 'next' && direction !== 'prev') ||
    !isIsoInstant(bookingDateTime) ||
    typeof accountId !== 'string' ||
    typeof transactionId !== 'string'
  ) {
    throw refused();
  }
  return { direction, place: { bookingDateTime, accountId, transactionId } };
}

const placeOf = (transaction: BankTransaction): Place => ({
  bookingDateTime: new Date(transaction.BookingDateTime).toISOString(),
  accountId: transaction.AccountId,
  transactionId: transaction.TransactionId,
});

/**
 * Where an account's read starts for a place of the merged order: past the place itself in its own account;
 * in another account, past every transaction at that instant that the merged order puts on the place's side.
 * The same in both directions: an account sorting below the place's account has its transactions at that
 * instant after the place going newest first, before it going oldest first.
 */
function startIn(accountId: string, place: Place): TransactionKey {
  const transactionId =
    accountId === place.accountId
      ? place.transactionId
      : accountId < place.accountId
        ? HIGHEST_TRANSACTION_ID
        : LOWEST_TRANSACTION_ID;
  return { bookingDateTime: place.bookingDateTime, transactionId };
}

/** Code-unit order (not locale collation, which may skip punctuation). */
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Merged order of per-account reads, each already in `order`: by instant, then account; stable within one. */
function merge(reads: readonly BankTransaction[][], order: 'newest-first' | 'oldest-first'): BankTransaction[] {
  const sign = order === 'newest-first' ? -1 : 1;
  const keyed = reads.flat().map((transaction) => ({ transaction, place: placeOf(transaction) }));
  keyed.sort(
    (a, b) =>
      sign *
      (compare(a.place.bookingDateTime, b.place.bookingDateTime) || compare(a.place.accountId, b.place.accountId)),
  );
  return keyed.map(({ transaction }) => transaction);
}

/** The cursors of the pages beside this one (absent at the ends). */
function neighbours(
  cursor: Cursor | undefined,
  transactions: readonly BankTransaction[],
  more: boolean,
): { next?: Cursor; prev?: Cursor } {
  const first = transactions[0];
  const last = transactions.at(-1);
  const next = (place: Place): Cursor => ({ direction: 'next', place });
  const prev = (place: Place): Cursor => ({ direction: 'prev', place });
  if (!cursor) return more && last ? { next: next(placeOf(last)) } : {};
  // Coming from a page, that page lies beyond this one: the way back exists (an empty page keeps the cursor's place).
  if (cursor.direction === 'next') {
    return {
      prev: prev(first ? placeOf(first) : cursor.place),
      ...(more && last ? { next: next(placeOf(last)) } : {}),
    };
  }
  return {
    next: next(last ? placeOf(last) : cursor.place),
    ...(more && first ? { prev: prev(placeOf(first)) } : {}),
  };
}

/**
 * One page of the accounts' transactions for the query, from its start or from a cursor of the same query.
 * The cursor is checked first, so a foreign cursor is refused even where the window is empty. The key is
 * fetched only when a cursor is read or written (a one-page answer needs none).
 */
export async function transactionPage(
  deps: TransactionPageDeps,
  query: PageQuery,
  accountIds: readonly string[],
  cursorValue: string | undefined,
): Promise<TransactionPage> {
  const cursor = cursorValue === undefined ? undefined : decodeCursor(await deps.cursorKey(), query, cursorValue);
  const { window } = query;
  if (!window) return { transactions: [] };

  const order = cursor?.direction === 'prev' ? 'oldest-first' : 'newest-first';
  const reads = await Promise.all(
    accountIds.map((accountId) =>
      deps.bankData.getTransactions(accountId, {
        window,
        order,
        limit: query.pageSize + 1,
        ...(cursor ? { after: startIn(accountId, cursor.place) } : {}),
      }),
    ),
  );
  const merged = merge(reads, order);
  const taken = merged.slice(0, query.pageSize);
  const transactions = order === 'newest-first' ? taken : taken.reverse();
  const { next, prev } = neighbours(cursor, transactions, merged.length > query.pageSize);
  if (!next && !prev) return { transactions };
  const key = await deps.cursorKey();
  return {
    transactions,
    ...(next ? { next: encodeCursor(key, query, next) } : {}),
    ...(prev ? { prev: encodeCursor(key, query, prev) } : {}),
  };
}
