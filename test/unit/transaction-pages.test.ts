/**
 * Paged transactions (domain/transaction-pages.ts) on an in-memory bank that keeps each account's
 * transactions in booking order as the DynamoDB adapter does: walks, links at the ends, the cursor's
 * binding, the bounded reads.
 */
import { randomBytes } from 'node:crypto';
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  type PageQuery,
  pageSizeOf,
  type TransactionPage,
  transactionPage,
} from '../../lambdas/domain/transaction-pages';
import type { ObError } from '../../lambdas/errors';
import type { BankTransaction, TransactionKey, TransactionRead } from '../../lambdas/ports/bank-data';

const ACCOUNTS = ['acc-a', 'acc-b', 'acc-c'];

const transaction = (AccountId: string, TransactionId: string, BookingDateTime: string): BankTransaction => ({
  AccountId,
  TransactionId,
  Amount: { Amount: '1.00', Currency: 'GBP' },
  CreditDebitIndicator: 'Debit',
  Status: 'Booked',
  BookingDateTime,
});

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** (instant, id) order of one account, as the bankData sort key orders it. */
const keyOf = (t: BankTransaction): TransactionKey => ({
  bookingDateTime: new Date(t.BookingDateTime).toISOString(),
  transactionId: t.TransactionId,
});
const compareKeys = (a: TransactionKey, b: TransactionKey) =>
  compare(a.bookingDateTime, b.bookingDateTime) || compare(a.transactionId, b.transactionId);

/** An in-memory BankData.getTransactions that records every read. */
function memoryBank(initial: BankTransaction[]) {
  const transactions = [...initial];
  const reads: { accountId: string; read: TransactionRead }[] = [];
  return {
    transactions,
    reads,
    async getTransactions(accountId: string, read: TransactionRead) {
      reads.push({ accountId, read });
      const sign = read.order === 'newest-first' ? -1 : 1;
      const inWindow = (t: BankTransaction) =>
        (read.window.from === undefined || Date.parse(t.BookingDateTime) >= Date.parse(read.window.from)) &&
        (read.window.to === undefined || Date.parse(t.BookingDateTime) <= Date.parse(read.window.to));
      return transactions
        .filter((t) => t.AccountId === accountId && inWindow(t))
        .sort((a, b) => sign * compareKeys(keyOf(a), keyOf(b)))
        .filter((t) => read.after === undefined || sign * compareKeys(keyOf(t), read.after) > 0)
        .slice(0, read.limit);
    },
  };
}

/** 3 accounts x 20 transactions, many booked at the same instants across accounts (ties on the merge). */
function history(): BankTransaction[] {
  return ACCOUNTS.flatMap((accountId) =>
    Array.from({ length: 20 }, (_, i) =>
      transaction(
        accountId,
        `${accountId}-${String(i).padStart(2, '0')}`,
        `2026-03-${String(1 + (i % 7)).padStart(2, '0')}T10:00:00Z`,
      ),
    ),
  );
}

/** The newest-first order the pages must follow: instant, then account, then id, all descending. */
const expectedOrder = (transactions: readonly BankTransaction[]) =>
  [...transactions]
    .sort(
      (a, b) =>
        compare(keyOf(b).bookingDateTime, keyOf(a).bookingDateTime) ||
        compare(b.AccountId, a.AccountId) ||
        compare(b.TransactionId, a.TransactionId),
    )
    .map((t) => t.TransactionId);

const QUERY: PageQuery = { consentId: 'consent-1', window: {}, pageSize: 7 };

function fixture(transactions = history()) {
  const bank = memoryBank(transactions);
  const key = randomBytes(32);
  const deps = { bankData: bank, cursorKey: async () => key };
  const page = (cursor?: string, query: PageQuery = QUERY) => transactionPage(deps, query, ACCOUNTS, cursor);
  return { bank, deps, page };
}

async function walk(page: (cursor?: string) => Promise<TransactionPage>): Promise<TransactionPage[]> {
  const pages = [await page()];
  while (pages.at(-1)!.next) pages.push(await page(pages.at(-1)!.next));
  return pages;
}

const ids = (page: TransactionPage) => page.transactions.map((t) => t.TransactionId);

async function refusal(promise: Promise<unknown>): Promise<ObError> {
  return promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: ObError) => error,
  );
}

describe('walking the pages of several accounts', () => {
  it('returns every transaction once, in the merged order, with Prev absent on the first page and Next on the last', async () => {
    // Prepare
    const { bank, page } = fixture();
    // Act
    const pages = await walk(page);
    // Assess
    expect(pages.flatMap(ids)).toEqual(expectedOrder(bank.transactions));
    expect(pages).toHaveLength(Math.ceil(60 / 7));
    expect(pages[0]!.prev).toBeUndefined();
    expect(pages.at(-1)!.next).toBeUndefined();
    expect(pages.slice(1).every((p) => p.prev !== undefined)).toBe(true);
    expect(pages.slice(0, -1).every((p) => p.transactions.length === 7)).toBe(true);
  });

  it('walks back with Prev through the same pages, Prev absent again on the first', async () => {
    // Prepare
    const { page } = fixture();
    const forward = await walk(page);
    // Act
    const backward = [forward.at(-1)!];
    while (backward.at(-1)!.prev) backward.push(await page(backward.at(-1)!.prev));
    // Assess
    expect(backward.map(ids)).toEqual(forward.map(ids).reverse());
    expect(backward.at(-1)!.prev).toBeUndefined();
    expect(backward.slice(1).every((p) => p.next !== undefined)).toBe(true);
  });

  it('is not shifted by transactions booked during the walk: no duplicates, no gaps', async () => {
    // Prepare
    const { bank, page } = fixture();
    const before = expectedOrder(bank.transactions);
    const pages = [await page()];
    // Act
    while (pages.at(-1)!.next) {
      // Newer than everything walked so far, on every account, between two pages.
      for (const accountId of ACCOUNTS) {
        bank.transactions.push(transaction(accountId, `${accountId}-new-${pages.length}`, '2026-04-01T09:00:00Z'));
      }
      pages.push(await page(pages.at(-1)!.next));
    }
    // Assess
    expect(pages.flatMap(ids)).toEqual(before);
    // The next walk from the first page shows them.
    expect((await walk(page)).flatMap(ids)).toEqual(expectedOrder(bank.transactions));
  });

  it('reads at most page size + 1 transactions per account for each page, whatever the history', async () => {
    // Prepare
    const { bank, page } = fixture();
    // Act
    const pages = await walk(page);
    // Assess
    expect(bank.reads).toHaveLength(pages.length * ACCOUNTS.length);
    expect(new Set(bank.reads.map(({ read }) => read.limit))).toEqual(new Set([8]));
  });

  it('gives one page with neither Next nor Prev when everything fits', async () => {
    // Prepare
    const { page } = fixture();
    // Act
    const only = await page(undefined, { ...QUERY, pageSize: 100 });
    // Assess
    expect(only.transactions).toHaveLength(60);
    expect(only).not.toHaveProperty('next');
    expect(only).not.toHaveProperty('prev');
  });

  it('combines with a booking window: only that window, paged', async () => {
    // Prepare
    const { bank, page } = fixture();
    const window = { from: '2026-03-02T00:00:00.000Z', to: '2026-03-04T23:59:59.000Z' };
    const query = { ...QUERY, window };
    // Act
    const pages = await walk((cursor) => page(cursor, query));
    // Assess
    const inWindow = bank.transactions.filter(
      (t) => t.BookingDateTime >= '2026-03-02' && t.BookingDateTime < '2026-03-05',
    );
    expect(pages.flatMap(ids)).toEqual(expectedOrder(inWindow));
    expect(pages.length).toBeGreaterThan(1);
  });
});

describe('the cursor', () => {
  const expectRefused = (error: ObError) => {
    expect(error).toMatchObject({ status: 400, errors: [{ ErrorCode: 'UK.OBIE.Field.Invalid', Path: 'cursor' }] });
    expect(error.message).toMatch(/does not belong to this request/);
  };

  it('is refused when changed anywhere', async () => {
    // Prepare
    const { page } = fixture();
    const { next } = await page();
    const [body, tag] = next!.split('.') as [string, string];
    const flip = (text: string, at: number) =>
      `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
    const forged = Buffer.from(JSON.stringify(['next', '2026-03-07T10:00:00.000Z', 'acc-a', 'acc-a-00'])).toString(
      'base64url',
    );
    // Act
    const refusals = await Promise.all(
      [`${flip(body, 3)}.${tag}`, `${body}.${flip(tag, 5)}`, `${forged}.${tag}`, 'not-a-cursor', ''].map((cursor) =>
        refusal(page(cursor)),
      ),
    );
    // Assess
    for (const error of refusals) expectRefused(error);
  });

  it('is refused on another consent, account, window or page size', async () => {
    // Prepare
    const { page } = fixture();
    const { next } = await page();
    // Act
    const refusals = await Promise.all(
      [
        { ...QUERY, consentId: 'consent-2' },
        { ...QUERY, accountId: 'acc-a' },
        { ...QUERY, window: { from: '2026-03-01T00:00:00.000Z' } },
        { ...QUERY, pageSize: 8 },
        { ...QUERY, window: undefined },
      ].map((query) => refusal(page(next, query))),
    );
    // Assess
    for (const error of refusals) expectRefused(error);
  });

  it('is refused under another key (a rotated key)', async () => {
    // Prepare
    const { page } = fixture();
    const { next } = await page();
    const other = fixture();
    // Act
    const error = await refusal(other.page(next));
    // Assess
    expectRefused(error);
  });

  it('needs no key for a one-page answer', async () => {
    // Prepare
    const bank = memoryBank(history());
    const cursorKey = jest.fn(async () => randomBytes(32));
    // Act
    await transactionPage({ bankData: bank, cursorKey }, { ...QUERY, pageSize: 100 }, ACCOUNTS, undefined);
    // Assess
    expect(cursorKey).not.toHaveBeenCalled();
  });
});

describe('pageSize', () => {
  it('defaults, and accepts whole numbers from 1 to the maximum', () => {
    expect(pageSizeOf(undefined)).toBe(DEFAULT_PAGE_SIZE);
    expect(pageSizeOf('1')).toBe(1);
    expect(pageSizeOf(String(MAX_PAGE_SIZE))).toBe(MAX_PAGE_SIZE);
  });

  it.each(['0', String(MAX_PAGE_SIZE + 1), '10000', '-5', '2.5', '1e2', ' 7', 'ten', ''])(
    'refuses %p with 400 UK.OBIE.Field.Invalid',
    (value) => {
      expect(() => pageSizeOf(value)).toThrow(
        expect.objectContaining({
          status: 400,
          errors: [expect.objectContaining({ ErrorCode: 'UK.OBIE.Field.Invalid', Path: 'pageSize' })],
        }),
      );
    },
  );
});
