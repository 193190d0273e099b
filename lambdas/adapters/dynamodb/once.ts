import { type DynamoDBDocumentClient, GetCommand, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import type { OnceKey, OnceRecord, OnceStore } from '../../ports/store';
import { tableName } from '../../tables';
import { isConditionFailure } from './document-client';
import { storeKey } from './store-key';

const PREFIX: Record<OnceKey['purpose'], string> = { jti: 'jti', idempotency: 'idem' };
const idOf = (key: OnceKey) => storeKey(PREFIX[key.purpose], key.clientId, key.value);

/** The conditional Put of a claim, alone or as an item of a transaction (`tokens.ts`, issuance). */
export function claimPut(record: OnceRecord, now: number): PutCommandInput {
  return {
    TableName: tableName('replay'),
    Item: { id: idOf(record.key), expiresAt: record.expiresAt, ...(record.data ? { data: record.data } : {}) },
    // Expired records count as absent: DynamoDB TTL deletes lazily and dynalite never does.
    ConditionExpression: 'attribute_not_exists(id) OR expiresAt <= :now',
    ExpressionAttributeValues: { ':now': now },
  };
}

export function dynamoOnceStore(doc: DynamoDBDocumentClient): OnceStore {
  const TableName = tableName('replay');
  return {
    async claim(record, now) {
      try {
        await doc.send(new PutCommand(claimPut(record, now)));
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async get(key, now) {
      const { Item } = await doc.send(new GetCommand({ TableName, Key: { id: idOf(key) }, ConsistentRead: true }));
      if (!Item || (Item.expiresAt as number) <= now) return undefined;
      return { key, expiresAt: Item.expiresAt as number, data: Item.data as Record<string, unknown> | undefined };
    },
  };
}
