/**
 * ApiCatalog on the `apis` table: one item per API, keyed by `apiId` (method + path, see `apiIdOf`). Items
 * an administrator wrote carry a `version` (see `admin-store.ts`); it is not part of the definition.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { API_ID_PATTERN, type ApiDefinition, parseApiDefinition } from '../../domain/gateway/catalog';
import type { ApiCatalog, Page, PageRequest, Versioned } from '../../ports/admin';
import { LISTING_ATTRIBUTE, tableName } from '../../tables';
import { listingPage } from './document-client';

/** The `listing` value of API items (the admin console's API list). */
const APIS_LISTING = 'apis';

/** The stored item of a definition: validated, and listed. */
export function apiItem(api: ApiDefinition, version?: number): Record<string, unknown> {
  return {
    ...parseApiDefinition(api),
    [LISTING_ATTRIBUTE]: APIS_LISTING,
    ...(version === undefined ? {} : { version }),
  };
}

const definitionOf = ({ version: _, listing: __, ...api }: Record<string, unknown>) => api as ApiDefinition;

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
  return { value: definitionOf(Item), version: (Item.version ?? 0) as number };
}

/** One page of the catalog in API-id order. */
export async function listApis(
  doc: DynamoDBDocumentClient,
  page: PageRequest,
): Promise<Page<Versioned<ApiDefinition>>> {
  const listed = await listingPage<Record<string, unknown>>(
    doc,
    { TableName: tableName('apis'), value: APIS_LISTING, keyNames: ['apiId'] },
    page,
  );
  return {
    ...listed,
    items: listed.items.map((item) => ({ value: definitionOf(item), version: (item.version ?? 0) as number })),
  };
}

export function dynamoApiCatalog(doc: DynamoDBDocumentClient): ApiCatalog {
  const TableName = tableName('apis');
  return {
    list: (page) => listApis(doc, page),
    async get(apiId) {
      return (await readApi(doc, apiId))?.value;
    },

    async put(api) {
      await doc.send(new PutCommand({ TableName, Item: apiItem(api) }));
    },
  };
}
