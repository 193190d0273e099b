import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuthorizationRecord, LoginSessionRecord } from '../../domain/authorization';
import type { AuthorizationStore } from '../../ports/store';
import { tableName } from '../../store/tables';
import { isConditionFailure, setChanges, updateIf } from './document-client';

export function dynamoAuthorizationStore(doc: DynamoDBDocumentClient): AuthorizationStore {
  const TableName = tableName('authorizations');

  async function read(id: string): Promise<AuthorizationRecord | undefined> {
    const { Item } = await doc.send(new GetCommand({ TableName, Key: { id }, ConsistentRead: true }));
    return Item as AuthorizationRecord | undefined;
  }

  return {
    async put(record) {
      await doc.send(new PutCommand({ TableName, Item: record, ConditionExpression: 'attribute_not_exists(id)' }));
    },
    async get<R extends AuthorizationRecord>(id: string, now: number) {
      const record = await read(id);
      return record && record.expiresAt > now ? (record as R) : undefined;
    },
    async consume(id, now, clientId) {
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName,
            Key: { id },
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
        return { ok: true, record: Attributes as never };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const record = (await read(id)) as never | undefined;
        if (!record) return { ok: false, reason: 'unknown' };
        const { used, expiresAt, clientId: owner } = record as { used: boolean; expiresAt: number; clientId: string };
        // Another client's record: as if it did not exist (left unused for its own client).
        if (clientId !== undefined && owner !== clientId) return { ok: false, reason: 'unknown' };
        return { ok: false, reason: used ? 'used' : expiresAt <= now ? 'expired' : 'unknown', record };
      }
    },
    advanceLogin(id, from, changes, now) {
      const names: Record<string, string> = { '#status': 'status' };
      const values: Record<string, unknown> = { ':from': from, ':now': now };
      return updateIf<LoginSessionRecord>(doc, {
        TableName,
        Key: { id },
        UpdateExpression: setChanges(changes, names, values),
        ConditionExpression: 'attribute_exists(id) AND #status = :from AND expiresAt > :now',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
    },
  };
}
