/**
 * ApiCatalog on the `apis` table: one item per API, keyed by `apiId` (method + path, see `apiIdOf`). Items
 * an administrator wrote carry a `version` (see `admin-store.ts`); it is not part of the definition.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { API_ID_PATTERN, type ApiDefinition, parseApiDefinition } from '../../domain/gateway/catalog';
import type { ApiCatalog, Versioned } from '../../ports/gateway';
import { tableName } from '../../store/tables';
import { documentClient } from './document-client';

/** The current definition and its version, strongly consistent: an administrator's change applies to the next call. */
export async function readApi(
  doc: DynamoDBDocumentClient,
  apiId: string,
): Promise<Versioned<ApiDefinition> | undefined> {
  // A value that cannot be a catalog key is not looked up (DynamoDB refuses empty and oversized keys).
  if (!API_ID_PATTERN.test(apiId)) return undefined;
  const { Item } = await doc.send(
    new GetCommand({ TableName: tableName('apis'), Key: { apiId }, ConsistentRead: true }),
  );
  if (!Item) return undefined;
  const { version = 0, ...api } = Item;
  return { value: api as ApiDefinition, version: version as number };
}

export function dynamoApiCatalog(doc: DynamoDBDocumentClient = documentClient()): ApiCatalog {
  const TableName = tableName('apis');
  return {
    async get(apiId) {
      return (await readApi(doc, apiId))?.value;
    },

    async put(api) {
      await doc.send(new PutCommand({ TableName, Item: parseApiDefinition(api) }));
    },
  };
}
