/**
 * AdminStore: each administrative change is ONE `TransactWriteItems` of two items, so a change never
 * exists without its audit record (nor a record without its change):
 *   1. the conditional write of the entity (a client's token settings, or an API definition), on
 *      condition that it is still at the `version` that was read, which it increments;
 *   2. the Put of the audit record, on condition that its key is new.
 * A review decision writes the review (on its version) and what the decision changes (the developer
 * account, or the application's client) as further items of the same transaction.
 * A lost race cancels the transaction (ConditionalCheckFailed, or TransactionConflict when another
 * transaction holds the item): ConflictingChange, and nothing is written.
 */
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type AdminChange, type AdminStore, ConflictingChange } from '../../ports/admin';
import { tableName } from '../../tables';
import { apiItem, listApis, readApi } from './apis';
import { auditItem } from './audit';
import { listClients, readTokenSettings } from './clients';
import { reviewItem } from './developers';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const LOST_RACE = new Set(['ConditionalCheckFailed', 'TransactionConflict']);

interface Condition {
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/** The entity exists and no change came between the read and this write. Version 0 = never versioned yet. */
function atVersion(keyAttribute: string, version: number): Condition {
  return version === 0
    ? {
        ConditionExpression: `attribute_exists(#key) AND attribute_not_exists(#version)`,
        ExpressionAttributeNames: { '#key': keyAttribute, '#version': 'version' },
      }
    : {
        ConditionExpression: '#version = :read',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':read': version },
      };
}

/** The decided review (conditional on the version that was read) and what the decision changes. */
function reviewWrites(change: Extract<AdminChange, { kind: 'review' }>): TransactItem[] {
  const review: TransactItem = {
    Put: {
      TableName: tableName('reviews'),
      Item: reviewItem(change.review),
      ConditionExpression: '#version = :read',
      ExpressionAttributeNames: { '#version': 'version' },
      ExpressionAttributeValues: { ':read': change.review.version - 1 },
    },
  };
  const { effect } = change;
  switch (effect.kind) {
    case 'none':
      return [review];
    case 'account':
      return [
        review,
        {
          Update: {
            TableName: tableName('developers'),
            Key: { username: effect.username },
            UpdateExpression:
              effect.comment === undefined
                ? 'SET #status = :status REMOVE #comment'
                : 'SET #status = :status, #comment = :comment',
            ConditionExpression: 'attribute_exists(username)',
            ExpressionAttributeNames: { '#status': 'status', '#comment': 'comment' },
            ExpressionAttributeValues: {
              ':status': effect.status,
              ...(effect.comment === undefined ? {} : { ':comment': effect.comment }),
            },
          },
        },
      ];
    case 'activate-client':
      return [
        review,
        {
          Update: {
            TableName: tableName('clients'),
            Key: { clientId: effect.clientId },
            UpdateExpression: 'SET #status = :active',
            ConditionExpression: '#status = :pending',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':active': 'active', ':pending': 'pending' },
          },
        },
      ];
    case 'approve-apis':
      return [
        review,
        {
          Update: {
            TableName: tableName('clients'),
            Key: { clientId: effect.clientId },
            UpdateExpression: 'SET approvedApis = :apis, scopes = :scopes',
            ConditionExpression: 'size(approvedApis) = :size',
            ExpressionAttributeValues: {
              ':apis': effect.approvedApis,
              ':scopes': effect.scopes,
              ':size': effect.readSize,
            },
          },
        },
      ];
  }
}

function entityWrites(change: AdminChange): TransactItem[] {
  return change.kind === 'review' ? reviewWrites(change) : [entityWrite(change)];
}

function entityWrite(change: Exclude<AdminChange, { kind: 'review' }>): TransactItem {
  if (change.kind === 'token-settings') {
    const condition = atVersion('clientId', change.version);
    // `#version` is named by the condition.
    return {
      Update: {
        TableName: tableName('clients'),
        Key: { clientId: change.clientId },
        UpdateExpression: 'SET tokenSettings = :settings, #version = :next',
        ...condition,
        ExpressionAttributeValues: {
          ...condition.ExpressionAttributeValues,
          ':settings': change.settings,
          ':next': change.version + 1,
        },
      },
    };
  }
  const Item = apiItem(change.api, (change.version ?? 0) + 1);
  return {
    Put: {
      TableName: tableName('apis'),
      Item,
      ...(change.version === undefined
        ? { ConditionExpression: 'attribute_not_exists(apiId)' }
        : atVersion('apiId', change.version)),
    },
  };
}

/** The transaction was cancelled because another change came first. */
export function lostRace(error: unknown): boolean {
  const { name, CancellationReasons: reasons = [] } = error as {
    name?: string;
    CancellationReasons?: { Code?: string }[];
  };
  return name === 'TransactionCanceledException' && reasons.some((reason) => LOST_RACE.has(reason.Code ?? ''));
}

export function dynamoAdminStore(doc: DynamoDBDocumentClient): AdminStore {
  return {
    tokenSettings: (clientId) => readTokenSettings(doc, clientId),
    api: (apiId) => readApi(doc, apiId),
    clients: (page) => listClients(doc, page),
    apis: (page) => listApis(doc, page),

    async commit(change, audit) {
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              ...entityWrites(change),
              {
                Put: {
                  TableName: tableName('audit'),
                  Item: auditItem(audit),
                  ConditionExpression: 'attribute_not_exists(#at)',
                  ExpressionAttributeNames: { '#at': 'at' },
                },
              },
            ],
          }),
        );
      } catch (error) {
        if (lostRace(error)) throw new ConflictingChange(`${audit.entity} was changed by another request`);
        throw error;
      }
    },
  };
}
