/**
 * AuditLog on the `audit` table: partition `entity`, sort key `at` = `<ISO time>#<random id>`, so entries
 * sort by time and two changes in the same millisecond never overwrite each other.
 */
import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditLog } from '../../ports/gateway';
import { tableName } from '../../store/tables';
import { documentClient } from './document-client';

export function dynamoAuditLog(doc: DynamoDBDocumentClient = documentClient()): AuditLog {
  const TableName = tableName('audit');
  return {
    async record(entry) {
      const at = `${entry.at}#${randomBytes(8).toString('hex')}`;
      await doc.send(
        new PutCommand({
          TableName,
          Item: { ...entry, at },
          ConditionExpression: 'attribute_not_exists(#at)',
          ExpressionAttributeNames: { '#at': 'at' },
        }),
      );
    },

    async list(entity, limit) {
      const { Items = [] } = await doc.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'entity = :entity',
          ExpressionAttributeValues: { ':entity': entity },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return Items.map((item) => ({ ...(item as AuditEntry), at: String(item.at).split('#')[0]! }));
    },
  };
}
