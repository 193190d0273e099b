/**
 * One DynamoDB document client per process (created on first use, reused across invocations).
 * The endpoint comes from the standard AWS SDK configuration: AWS in Lambda, `AWS_ENDPOINT_URL_DYNAMODB`
 * (dynalite) in the sandbox.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
