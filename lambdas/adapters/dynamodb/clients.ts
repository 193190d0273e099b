import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { CLIENT_ID_PATTERN, type Client, checkIdTokenAlg, parseClient, type TokenSettings } from '../../domain/client';
import type { Page, PageRequest, Versioned } from '../../ports/admin';
import type { ClientStore } from '../../ports/store';
import { LISTING_ATTRIBUTE, tableName } from '../../tables';
import { listingPage } from './document-client';

/** The `listing` value of client items (the admin console's client list). */
const CLIENTS_LISTING = 'clients';

/** `idTokenSigningAlg`: the tenant's ID token key alg; a registration asking for another one is refused. */
export function dynamoClientStore(doc: DynamoDBDocumentClient, idTokenSigningAlg?: string): ClientStore {
  const TableName = tableName('clients');
  return {
    async get(clientId) {
      // A value that cannot be a client id is not looked up (DynamoDB refuses keys over 2048 bytes).
      if (!CLIENT_ID_PATTERN.test(clientId)) return undefined;
      const { Item } = await doc.send(new GetCommand({ TableName, Key: { clientId } }));
      return Item as Client | undefined;
    },
    async put(client) {
      await doc.send(new PutCommand({ TableName, Item: clientItem(client, idTokenSigningAlg) }));
    },
  };
}

/** The stored item of a registration, validated on every write: always a valid one, for this tenant's key. */
export function clientItem(client: Client, idTokenSigningAlg?: string): Record<string, unknown> {
  const valid = parseClient(client);
  if (idTokenSigningAlg) checkIdTokenAlg(valid, idTokenSigningAlg);
  return { ...valid, [LISTING_ATTRIBUTE]: CLIENTS_LISTING };
}

/**
 * A client's token settings and their version, for an administrative change (`admin-store.ts`): strongly
 * consistent and straight from the table, since the change is conditional on exactly this version.
 */
export async function readTokenSettings(
  doc: DynamoDBDocumentClient,
  clientId: string,
): Promise<Versioned<TokenSettings> | undefined> {
  if (!CLIENT_ID_PATTERN.test(clientId)) return undefined;
  const { Item } = await doc.send(
    new GetCommand({
      TableName: tableName('clients'),
      Key: { clientId },
      ConsistentRead: true,
      ProjectionExpression: 'clientId, tokenSettings, #version',
      ExpressionAttributeNames: { '#version': 'version' },
    }),
  );
  if (!Item) return undefined;
  return { value: (Item.tokenSettings ?? {}) as TokenSettings, version: (Item.version ?? 0) as number };
}

/** One page of registered clients in client-id order (the stored registrations, as validated on write). */
export async function listClients(doc: DynamoDBDocumentClient, page: PageRequest): Promise<Page<Client>> {
  const listed = await listingPage<Client & { listing?: string; version?: number }>(
    doc,
    { TableName: tableName('clients'), value: CLIENTS_LISTING, keyNames: ['clientId'] },
    page,
  );
  return { ...listed, items: listed.items.map(({ listing: _, version: __, ...client }) => client) };
}
