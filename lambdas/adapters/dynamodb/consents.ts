import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Consent } from '../../domain/model';
import type { ConsentStore } from '../../ports/store';
import { tableName } from '../../tables';
import { queryIndex, setChanges, updateIf } from './document-client';

export function dynamoConsentStore(doc: DynamoDBDocumentClient): ConsentStore {
  const TableName = tableName('consents');

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
    transition(consentId, from, changes, unchanged) {
      const names: Record<string, string> = { '#status': 'status' };
      const values: Record<string, unknown> = {};
      const update = setChanges(changes, names, values);
      const allowed = from.map((status, i) => {
        values[`:from${i}`] = status;
        return `:from${i}`;
      });
      const conditions = [`attribute_exists(consentId)`, `#status IN (${allowed.join(', ')})`];
      for (const [field, value] of Object.entries(unchanged ?? {})) {
        names[`#${field}`] = field;
        if (value === undefined) {
          conditions.push(`attribute_not_exists(#${field})`);
        } else {
          values[`:was_${field}`] = value;
          conditions.push(`#${field} = :was_${field}`);
        }
      }
      return updateIf<Consent>(doc, {
        TableName,
        Key: { consentId },
        UpdateExpression: update,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      });
    },
    listBySubject: (subject, limit) =>
      queryIndex<Consent>(doc, {
        TableName,
        IndexName: 'bySubject',
        key: 'subject',
        value: subject,
        newestFirst: true,
        limit,
      }),
    listByClient: (clientId, limit) =>
      queryIndex<Consent>(doc, {
        TableName,
        IndexName: 'byClient',
        key: 'clientId',
        value: clientId,
        newestFirst: true,
        limit,
      }),
  };
}
