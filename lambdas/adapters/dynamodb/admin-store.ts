/**
 * AdminStore: each administrative change is ONE `TransactWriteItems` of two items, so a change never
 * exists without its audit record (nor a record without its change):
 *   1. the conditional write of the entity (a client's token settings, or an API definition), on
 *      condition that it is still at the `version` that was read, which it increments;
 *   2. the Put of the audit record, on condition that its key is new.
 * A lost race cancels the transaction (ConditionalCheckFailed, or TransactionConflict when another
 * transaction holds the item): ConflictingChange, and nothing is written.
 */
import {
  type DynamoDBDocumentClient,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type AdminChange, type AdminStore, ConflictingChange } from '../../ports/gateway';
import { tableName } from '../../store/tables';
import { apiItem, listApis, readApi } from './apis';
import { auditItem } from './audit';
import { listClients, readTokenSettings } from './clients';

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

function entityWrite(change: AdminChange): TransactItem {
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

function lostRace(error: unknown): boolean {
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
              entityWrite(change),
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
