/**
 * AuditLog on the `audit` table: partition `entity`, sort key `at` = `<ISO time>#<random id>`, so entries
 * sort by time and two changes in the same millisecond never overwrite each other. Entries are written by
 * `admin-store.ts`, in the same transaction as the change they record.
 */
import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditLog } from '../../ports/gateway';
import { tableName } from '../../store/tables';
import { documentClient } from './document-client';

/** The stored item of an entry: its sort key made unique with 128 random bits. */
export function auditItem(entry: AuditEntry): Record<string, unknown> {
  return { ...entry, at: `${entry.at}#${randomBytes(16).toString('hex')}` };
}

export function dynamoAuditLog(doc: DynamoDBDocumentClient = documentClient()): AuditLog {
  const TableName = tableName('audit');
  return {
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
