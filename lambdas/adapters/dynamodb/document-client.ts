/**
 * One DynamoDB document client per process (created on first use, reused across invocations).
 * The endpoint comes from the standard AWS SDK configuration: AWS in Lambda, `AWS_ENDPOINT_URL_DYNAMODB`
 * (dynalite) in the sandbox.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';

let shared: DynamoDBDocumentClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  shared ??= DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return shared;
}

export function isConditionFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Error).name === 'ConditionalCheckFailedException';
}

/** Every item an index query returns, following LastEvaluatedKey across pages. */
export async function queryIndex<T>(
  doc: DynamoDBDocumentClient,
  input: { TableName: string; IndexName: string; key: string; value: string; newestFirst?: boolean },
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
        ExclusiveStartKey,
      }),
    );
    items.push(...((page.Items ?? []) as T[]));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}
