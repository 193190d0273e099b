import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { OnceRecord, OnceStore } from '../../ports/store';
import { tableName } from '../../store/tables';
import { isConditionFailure } from './document-client';

export function dynamoOnceStore(doc: DynamoDBDocumentClient): OnceStore {
  const TableName = tableName('replay');
  return {
    async claim(record, now) {
      try {
        // Expired records count as absent: DynamoDB TTL deletes lazily and dynalite never does.
        await doc.send(
          new PutCommand({
            TableName,
            Item: record,
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
    async get(id, now) {
      const { Item } = await doc.send(new GetCommand({ TableName, Key: { id }, ConsistentRead: true }));
      const record = Item as OnceRecord | undefined;
      return record && record.expiresAt > now ? record : undefined;
    },
  };
}
