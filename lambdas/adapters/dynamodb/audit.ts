/**
 * AuditLog on the `audit` table: partition `entity`, sort key `at` = `<ISO time>#<random id>`, so entries
 * sort by time and two changes in the same millisecond never overwrite each other. Entries are written by
 * `admin-store.ts`, in the same transaction as the change they record, or by `record` after a revocation.
 */
import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry, AuditLog } from '../../ports/admin';
import { LISTING_ATTRIBUTE, tableName } from '../../tables';
import { listingPage } from './document-client';

/** The `listing` value of audit items: the log of every entity, by time. */
const AUDIT_LISTING = 'audit';

/** The stored item of an entry: its sort key made unique with 128 random bits, listed in the log by time. */
export function auditItem(entry: AuditEntry): Record<string, unknown> {
  return { ...entry, at: `${entry.at}#${randomBytes(16).toString('hex')}`, [LISTING_ATTRIBUTE]: AUDIT_LISTING };
}

/** An entry as stored; records written before staff sign-in named the admin client by its id alone. */
function entryOf({ listing: _, ...item }: Record<string, unknown>): AuditEntry {
  const actor = typeof item.actor === 'string' ? { kind: 'client', id: item.actor } : item.actor;
  return {
    ...(item as unknown as AuditEntry),
    actor: actor as AuditEntry['actor'],
    at: String(item.at).split('#')[0]!,
  };
}

export function dynamoAuditLog(doc: DynamoDBDocumentClient): AuditLog {
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
      return Items.map(entryOf);
    },

    async recent(limit) {
      const page = await listingPage<Record<string, unknown>>(
        doc,
        { TableName, value: AUDIT_LISTING, keyNames: ['entity', 'at'], newestFirst: true },
        { limit },
      );
      return page.items.map(entryOf);
    },

    async record(entry) {
      await doc.send(
        new PutCommand({ TableName, Item: auditItem(entry), ConditionExpression: 'attribute_not_exists(entity)' }),
      );
    },
  };
}
