import { type DynamoDBDocumentClient, PutCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import type { PortalSessionRecord, PortalSignInRecord } from '../../domain/portal-session';
import type { PortalSessionStore } from '../../ports/store';
import { tableName } from '../../tables';
import { updateIf } from './document-client';

export function dynamoPortalSessionStore(doc: DynamoDBDocumentClient): PortalSessionStore {
  const TableName = tableName('portalSessions');

  function update<R>(input: Omit<UpdateCommandInput, 'TableName'>) {
    return updateIf<R>(doc, { TableName, ...input });
  }

  return {
    async putSignIn(record) {
      await doc.send(new PutCommand({ TableName, Item: record, ConditionExpression: 'attribute_not_exists(id)' }));
    },
    consumeSignIn: (id, portal, now) =>
      // Single use: of N concurrent callbacks with the same state cookie exactly one gets the record.
      update<PortalSignInRecord>({
        Key: { id },
        UpdateExpression: 'SET used = :true',
        ConditionExpression:
          'attribute_exists(id) AND #kind = :signin AND portal = :portal AND used = :false AND expiresAt > :now',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: {
          ':true': true,
          ':false': false,
          ':signin': 'signin',
          ':portal': portal,
          ':now': now,
        },
      }),
    async createSession(record) {
      await doc.send(new PutCommand({ TableName, Item: record, ConditionExpression: 'attribute_not_exists(id)' }));
    },
    touchSession: (id, portal, now, idleDeadline) =>
      update<PortalSessionRecord>({
        Key: { id },
        UpdateExpression: 'SET expiresAt = :deadline',
        ConditionExpression:
          'attribute_exists(id) AND #kind = :session AND portal = :portal AND expiresAt > :now AND absoluteExpiresAt > :now',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: { ':session': 'session', ':portal': portal, ':now': now, ':deadline': idleDeadline },
      }),
    async endSession(id) {
      await update({
        Key: { id },
        UpdateExpression: 'SET expiresAt = :zero',
        ConditionExpression: 'attribute_exists(id)',
        ExpressionAttributeValues: { ':zero': 0 },
      });
    },
  };
}
