import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthorizationKind, AuthorizationRecord } from '../../domain/authorization';
import type { AuthorizationStore } from '../../ports/store';
import { tableName } from '../../tables';
import { isConditionFailure, setChanges, updateIf } from './document-client';
import { storeKey } from './store-key';

/**
 * One table item per record, keyed `<kind>:<id>` (`par:<hash>`, `login:<loginId>`, `code:<hash>`): the kind in
 * the key keeps ids of different kinds apart. Items carry the key; records carry the domain id.
 */
const keyOf = (kind: AuthorizationKind, id: string) => ({ id: storeKey(kind, id) });

function recordOf<R extends AuthorizationRecord>(item: Record<string, unknown> | undefined, id: string): R | undefined {
  return item && ({ ...item, id } as R);
}

export function dynamoAuthorizationStore(doc: DynamoDBDocumentClient): AuthorizationStore {
  const TableName = tableName('authorizations');

  async function read(kind: AuthorizationKind, id: string): Promise<AuthorizationRecord | undefined> {
    const { Item } = await doc.send(new GetCommand({ TableName, Key: keyOf(kind, id), ConsistentRead: true }));
    return recordOf(Item, id);
  }

  return {
    async put(record) {
      await doc.send(
        new PutCommand({
          TableName,
          Item: { ...record, ...keyOf(record.kind, record.id) },
          ConditionExpression: 'attribute_not_exists(id)',
        }),
      );
    },
    async get(kind, id, now) {
      const record = await read(kind, id);
      return record && record.expiresAt > now ? (record as never) : undefined;
    },
    async consume(kind, id, now, clientId) {
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName,
            Key: keyOf(kind, id),
            UpdateExpression: 'SET used = :true',
            ConditionExpression: `attribute_exists(id) AND used = :false AND expiresAt > :now${clientId === undefined ? '' : ' AND clientId = :clientId'}`,
            ExpressionAttributeValues: {
              ':true': true,
              ':false': false,
              ':now': now,
              ...(clientId === undefined ? {} : { ':clientId': clientId }),
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { ok: true, record: recordOf(Attributes, id) as never };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const record = (await read(kind, id)) as never | undefined;
        if (!record) return { ok: false, reason: 'unknown' };
        const { used, expiresAt, clientId: owner } = record as { used: boolean; expiresAt: number; clientId: string };
        // Another client's record: as if it did not exist (left unused for its own client).
        if (clientId !== undefined && owner !== clientId) return { ok: false, reason: 'unknown' };
        return { ok: false, reason: used ? 'used' : expiresAt <= now ? 'expired' : 'unknown', record };
      }
    },
    async advanceLogin(loginId, from, changes, now) {
      const names: Record<string, string> = { '#status': 'status' };
      const values: Record<string, unknown> = { ':from': from, ':now': now };
      const item = await updateIf<Record<string, unknown>>(doc, {
        TableName,
        Key: keyOf('login', loginId),
        UpdateExpression: setChanges(changes, names, values),
        ConditionExpression: 'attribute_exists(id) AND #status = :from AND expiresAt > :now',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
      return recordOf(item, loginId);
    },
  };
}
