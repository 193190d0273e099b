import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { Consent } from '../../domain/model';
import type { ConsentStore } from '../../ports/store';
import { tableName } from '../../store/tables';
import { isConditionFailure } from './document-client';

export function dynamoConsentStore(doc: DynamoDBDocumentClient): ConsentStore {
  const TableName = tableName('consents');

  async function queryIndex(IndexName: string, key: string, value: string): Promise<Consent[]> {
    const items: Consent[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName,
          IndexName,
          KeyConditionExpression: '#k = :v',
          ExpressionAttributeNames: { '#k': key },
          ExpressionAttributeValues: { ':v': value },
          ScanIndexForward: false,
          ExclusiveStartKey,
        }),
      );
      items.push(...((page.Items ?? []) as Consent[]));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  return {
    async create(consent) {
      await doc.send(
        new PutCommand({ TableName, Item: consent, ConditionExpression: 'attribute_not_exists(consentId)' }),
      );
    },
    async get(consentId) {
      const { Item } = await doc.send(new GetCommand({ TableName, Key: { consentId }, ConsistentRead: true }));
      return Item as Consent | undefined;
    },
    async transition(consentId, from, changes) {
      const names: Record<string, string> = { '#status': 'status' };
      const values: Record<string, unknown> = {};
      const sets: string[] = [];
      for (const [field, value] of Object.entries(changes)) {
        if (value === undefined) continue;
        names[`#${field}`] = field;
        values[`:${field}`] = value;
        sets.push(`#${field} = :${field}`);
      }
      const allowed = from.map((status, i) => {
        values[`:from${i}`] = status;
        return `:from${i}`;
      });
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName,
            Key: { consentId },
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: `attribute_exists(consentId) AND #status IN (${allowed.join(', ')})`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return Attributes as Consent;
      } catch (error) {
        if (isConditionFailure(error)) return undefined;
        throw error;
      }
    },
    listBySubject: (subject) => queryIndex('bySubject', 'subject', subject),
    listByClient: (clientId) => queryIndex('byClient', 'clientId', clientId),
  };
}
