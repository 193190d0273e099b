/** Helpers the DynamoDB adapters share (the document client itself is built by `wiring.ts`). */
import {
  type DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { InvalidCursor, type Page, type PageRequest } from '../../ports/admin';
import { LISTING_ATTRIBUTE, LISTING_INDEX } from '../../tables';

export function isConditionFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Error).name === 'ConditionalCheckFailedException';
}

/** One conditional UpdateItem: the item as updated, or undefined when its condition failed. */
export async function updateIf<R>(doc: DynamoDBDocumentClient, input: UpdateCommandInput): Promise<R | undefined> {
  try {
    const { Attributes } = await doc.send(new UpdateCommand({ ReturnValues: 'ALL_NEW', ...input }));
    return Attributes as R;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/**
 * `SET #field = :field, ...` for the defined fields of `changes`, their placeholders added to `names` and
 * `values` (an undefined field is left as it is).
 */
export function setChanges(
  changes: Readonly<Record<string, unknown>>,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string {
  const sets = Object.entries(changes)
    .filter(([, value]) => value !== undefined)
    .map(([field, value]) => {
      names[`#${field}`] = field;
      values[`:${field}`] = value;
      return `#${field} = :${field}`;
    });
  return `SET ${sets.join(', ')}`;
}

/** Every item an index query returns (or the first `limit`), following LastEvaluatedKey across pages. */
export async function queryIndex<T>(
  doc: DynamoDBDocumentClient,
  input: { TableName: string; IndexName: string; key: string; value: string; newestFirst?: boolean; limit?: number },
): Promise<T[]> {
  const items: T[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: input.TableName,
        IndexName: input.IndexName,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': input.key },
        ExpressionAttributeValues: { ':v': input.value },
        ScanIndexForward: !input.newestFirst,
        Limit: input.limit === undefined ? undefined : input.limit - items.length,
        ExclusiveStartKey,
        ...(input.limit !== undefined ? { Limit: input.limit - items.length } : {}),
      }),
    );
    items.push(...((page.Items ?? []) as T[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey && (input.limit === undefined || items.length < input.limit));
  return items;
}

/** The listing cursor: the page's LastEvaluatedKey, base64url JSON (key attributes only, nothing secret). */
function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string, keyNames: readonly string[]): Record<string, unknown> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const expected = [...keyNames, LISTING_ATTRIBUTE].sort().join();
  if (
    typeof key !== 'object' ||
    key === null ||
    Object.keys(key).sort().join() !== expected ||
    !Object.values(key).every((value) => typeof value === 'string' && value.length <= 2048)
  ) {
    throw new InvalidCursor('cursor is not one this listing handed out');
  }
  return key as Record<string, unknown>;
}

/**
 * One page of a table's `byListing` index (see `tables.ts`): items whose `listing` is `value`, in sort
 * key order (`newestFirst` reverses it). `keyNames`: the table's key attributes and the index sort key, which
 * (with `listing`) make up the cursor.
 */
export async function listingPage<T>(
  doc: DynamoDBDocumentClient,
  input: { TableName: string; value: string; keyNames: readonly string[]; newestFirst?: boolean },
  page: PageRequest,
): Promise<Page<T>> {
  const { Items = [], LastEvaluatedKey } = await doc.send(
    new QueryCommand({
      TableName: input.TableName,
      IndexName: LISTING_INDEX,
      KeyConditionExpression: '#listing = :value',
      ExpressionAttributeNames: { '#listing': LISTING_ATTRIBUTE },
      ExpressionAttributeValues: { ':value': input.value },
      ScanIndexForward: !input.newestFirst,
      Limit: page.limit,
      ExclusiveStartKey: page.cursor === undefined ? undefined : decodeCursor(page.cursor, input.keyNames),
    }),
  );
  return { items: Items as T[], ...(LastEvaluatedKey ? { cursor: encodeCursor(LastEvaluatedKey) } : {}) };
}
