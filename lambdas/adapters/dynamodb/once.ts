import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { OnceKey, OnceStore } from '../../ports/store';
import { tableName } from '../../tables';
import { isConditionFailure } from './document-client';
import { storeKey } from './store-key';

const PREFIX: Record<OnceKey['purpose'], string> = { jti: 'jti', idempotency: 'idem' };
const idOf = (key: OnceKey) => storeKey(PREFIX[key.purpose], key.clientId, key.value);

export function dynamoOnceStore(doc: DynamoDBDocumentClient): OnceStore {
  const TableName = tableName('replay');
  return {
    async claim(record, now) {
      try {
        // Expired records count as absent: DynamoDB TTL deletes lazily and dynalite never does.
        await doc.send(
          new PutCommand({
            TableName,
            Item: { id: idOf(record.key), expiresAt: record.expiresAt, ...(record.data ? { data: record.data } : {}) },
            ConditionExpression: 'attribute_not_exists(id) OR expiresAt <= :now',
            ExpressionAttributeValues: { ':now': now },
          }),
        );
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
