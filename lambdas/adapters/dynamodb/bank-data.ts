/**
 * BankData on the `bankData` table (the sandbox's demo bank). Item layout (pk / sk):
 *   CUSTOMER#<subject> / PROFILE                          the customer
 *   CUSTOMER#<subject> / ACCOUNT#<accountId>              an account the customer holds (OBAccount6)
 *   ACCOUNT#<accountId> / BALANCE#<type>                  a balance (OBCashBalance1)
 *   ACCOUNT#<accountId> / TXN#<bookingDateTime>#<txnId>   a transaction (OBTransaction6)
 * so a customer's accounts, an account's balances and its transactions in a booking window are each one
 * Query, and holding an account is checked by the key itself.
 */
import {
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
  TransactionWindow,
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

  async function transactionsOf(accountId: string, window: TransactionWindow): Promise<BankTransaction[]> {
    const lower = `TXN#${window.from ? sortableTime(window.from) : ''}`;
    const upper = `TXN#${window.to ? `${sortableTime(window.to)}#` : ''}${HIGHEST}`;
    const items = await queryAll({
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
      ExpressionAttributeValues: { ':pk': accountKey(accountId), ':lower': lower, ':upper': upper },
      ScanIndexForward: false,
    });
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

    async getTransactions(accountIds, window = {}) {
      const perAccount = await Promise.all(accountIds.map((id) => transactionsOf(id, window)));
      return perAccount
        .flat()
        .sort(
          (a, b) =>
            Date.parse(b.BookingDateTime) - Date.parse(a.BookingDateTime) ||
            b.TransactionId.localeCompare(a.TransactionId),
        );
    },

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
      const sk = `TXN#${sortableTime(transaction.BookingDateTime)}#${transaction.TransactionId}`;
      await doc.send(
        new PutCommand({ TableName, Item: { pk: accountKey(transaction.AccountId), sk, ...transaction } }),
      );
    },
  };
}
