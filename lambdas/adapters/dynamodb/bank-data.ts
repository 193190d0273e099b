/**
 * BankData on the `bankData` table (the sandbox's demo bank). Item layout (pk / sk):
 *   CUSTOMER#<subject> / PROFILE                          the customer
 *   CUSTOMER#<subject> / ACCOUNT#<accountId>              an account the customer holds (OBAccount6)
 *   ACCOUNT#<accountId> / BALANCE#<type>                  a balance (OBCashBalance1)
 *   ACCOUNT#<accountId> / TXN#<bookingDateTime>#<txnId>   a transaction (OBTransaction6)
 * so a customer's accounts and an account's balances are each one Query, a page of an account's
 * transactions in a booking window is one bounded Query (the booking time leads the sort key), and holding
 * an account is checked by the key itself.
 */
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type {
  BankAccount,
  BankBalance,
  BankCustomer,
  BankData,
  BankTransaction,
  TransactionRead,
} from '../../ports/bank-data';
import { tableName } from '../../tables';

const customerKey = (subject: string) => `CUSTOMER#${subject}`;
const accountKey = (accountId: string) => `ACCOUNT#${accountId}`;
/** Sorts after every character an ISO date-time or id uses: the inclusive upper bound of a prefix. */
const HIGHEST = '\uffff';

/** Sort-key form of a date-time: UTC ISO 8601 with milliseconds, so string order is time order. */
function sortableTime(dateTime: string): string {
  const time = new Date(dateTime);
  if (Number.isNaN(time.getTime())) throw new RangeError(`Not an ISO 8601 date-time: ${dateTime}`);
  return time.toISOString();
}

const transactionSortKey = (bookingDateTime: string, transactionId: string) =>
  `TXN#${sortableTime(bookingDateTime)}#${transactionId}`;

const transactionItem = (transaction: BankTransaction) => ({
  pk: accountKey(transaction.AccountId),
  sk: transactionSortKey(transaction.BookingDateTime, transaction.TransactionId),
  ...transaction,
});

/** BatchWriteItem takes at most 25 items; a few batches in flight keep the store busy without flooding it. */
const BATCH_WRITE_ITEMS = 25;
const BATCH_WRITES_IN_FLIGHT = 8;

function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, ...record } = item;
  return record as T;
}

export function dynamoBankData(doc: DynamoDBDocumentClient): BankData {
  const TableName = tableName('bankData');

  async function queryAll(input: Omit<QueryCommandInput, 'TableName'>): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(new QueryCommand({ ...input, TableName, ExclusiveStartKey }));
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  const withPrefix = (pk: string, prefix: string) =>
    queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
    });

  /**
   * One bounded Query on the account's partition: the window as the sort-key range, `after` as
   * ExclusiveStartKey (any key inside the range, it need not exist), Limit as the page. A Query answer
   * stops at 1 MB, so it continues until `limit` items or the range's end: never more than `limit` read.
   */
  async function transactionsOf(accountId: string, read: TransactionRead): Promise<BankTransaction[]> {
    const pk = accountKey(accountId);
    const lower = `TXN#${read.window.from ? sortableTime(read.window.from) : ''}`;
    const upper = `TXN#${read.window.to ? `${sortableTime(read.window.to)}#` : ''}${HIGHEST}`;
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined = read.after && {
      pk,
      sk: transactionSortKey(read.after.bookingDateTime, read.after.transactionId),
    };
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
          ExpressionAttributeValues: { ':pk': pk, ':lower': lower, ':upper': upper },
          ScanIndexForward: read.order === 'oldest-first',
          Limit: read.limit - items.length,
          ExclusiveStartKey,
        }),
      );
      items.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey && items.length < read.limit);
    return items.map((item) => stripKeys<BankTransaction>(item));
  }

  return {
    async listAccounts(subject) {
      const items = await withPrefix(customerKey(subject), 'ACCOUNT#');
      return items.map((item) => stripKeys<BankAccount>(item));
    },

    async getAccount(subject, accountId) {
      const { Item } = await doc.send(
        new GetCommand({ TableName, Key: { pk: customerKey(subject), sk: accountKey(accountId) } }),
      );
      return Item ? stripKeys<BankAccount>(Item) : undefined;
    },

    async getBalances(accountIds) {
      const perAccount = await Promise.all(accountIds.map((id) => withPrefix(accountKey(id), 'BALANCE#')));
      return perAccount.flat().map((item) => stripKeys<BankBalance>(item));
    },

    getTransactions: transactionsOf,

    async putCustomer(customer: BankCustomer) {
      await doc.send(
        new PutCommand({ TableName, Item: { pk: customerKey(customer.subject), sk: 'PROFILE', ...customer } }),
      );
    },

    async putAccount(subject, account) {
      await doc.send(
        new PutCommand({
          TableName,
          Item: { pk: customerKey(subject), sk: accountKey(account.AccountId), ...account },
        }),
      );
    },

    async putBalance(balance) {
      await doc.send(
        new PutCommand({
          TableName,
          Item: { pk: accountKey(balance.AccountId), sk: `BALANCE#${balance.Type}`, ...balance },
        }),
      );
    },

    async putTransaction(transaction) {
      await doc.send(new PutCommand({ TableName, Item: transactionItem(transaction) }));
    },

    async putTransactions(transactions) {
      const batches: Record<string, unknown>[][] = [];
      for (let i = 0; i < transactions.length; i += BATCH_WRITE_ITEMS) {
        batches.push(
          transactions.slice(i, i + BATCH_WRITE_ITEMS).map((t) => ({ PutRequest: { Item: transactionItem(t) } })),
        );
      }
      let next = 0;
      const writer = async () => {
        for (let batch = batches[next++]; batch; batch = batches[next++]) {
          // DynamoDB may leave items of a batch unprocessed under load: they are sent again until none are.
          for (let pending = batch; pending.length > 0; ) {
            const { UnprocessedItems } = await doc.send(
              new BatchWriteCommand({ RequestItems: { [TableName]: pending } }),
            );
            pending = (UnprocessedItems?.[TableName] ?? []) as Record<string, unknown>[];
          }
        }
      };
      await Promise.all(Array.from({ length: BATCH_WRITES_IN_FLIGHT }, writer));
    },
  };
}
