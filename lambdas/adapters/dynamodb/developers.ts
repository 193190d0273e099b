/**
 * DeveloperStore: developer accounts (`developers`, keyed by username) and reviews (`reviews`). An open
 * review carries `queue = open`, so the sparse `byQueue` index is the bank's Approvals queue.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DeveloperAccount, DeveloperStore, Review } from '../../ports/developers';
import { tableName } from '../../tables';
import { clientItem } from './clients';
import { isConditionFailure } from './document-client';

export const OPEN_QUEUE = 'open';

/** The stored review: `queue` only while it waits for a decision. */
export function reviewItem(review: Review): Record<string, unknown> {
  return { ...review, ...(review.state === 'reviewing' ? { queue: OPEN_QUEUE } : {}) };
}

function asReview(item: Record<string, unknown>): Review {
  const { queue: _, ...review } = item;
  return review as unknown as Review;
}

function cancelled(error: unknown): boolean {
  return (error as { name?: string }).name === 'TransactionCanceledException' || isConditionFailure(error);
}

export function dynamoDeveloperStore(doc: DynamoDBDocumentClient): DeveloperStore {
  async function reviewQuery(IndexName: string, key: string, value: string, limit: number, newestFirst: boolean) {
    const { Items = [] } = await doc.send(
      new QueryCommand({
        TableName: tableName('reviews'),
        IndexName,
        KeyConditionExpression: '#k = :v',
        ExpressionAttributeNames: { '#k': key },
        ExpressionAttributeValues: { ':v': value },
        ScanIndexForward: !newestFirst,
        Limit: limit,
      }),
    );
    return Items.map(asReview);
  }

  return {
    async account(username) {
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName('developers'), Key: { username }, ConsistentRead: true }),
      );
      return Item as DeveloperAccount | undefined;
    },
    async signUp(account, review) {
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: tableName('developers'),
                  Item: account,
                  ConditionExpression: 'attribute_not_exists(username)',
                },
              },
              {
                Put: {
                  TableName: tableName('reviews'),
                  Item: reviewItem(review),
                  ConditionExpression: 'attribute_not_exists(reviewId)',
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        if (cancelled(error)) return false;
        throw error;
      }
    },
    async claimLoginAttempt(username, read, now, lockedUntil) {
      try {
        await doc.send(
          new UpdateCommand({
            TableName: tableName('developers'),
            Key: { username },
            UpdateExpression: 'SET failedLogins = :next, lockedUntil = :lock',
            ConditionExpression: 'failedLogins = :read AND lockedUntil <= :now',
            ExpressionAttributeValues: { ':next': read + 1, ':lock': lockedUntil, ':read': read, ':now': now },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    },
    async clearLoginAttempts(username) {
      await doc.send(
        new UpdateCommand({
          TableName: tableName('developers'),
          Key: { username },
          UpdateExpression: 'SET failedLogins = :zero, lockedUntil = :zero',
          ConditionExpression: 'attribute_exists(username)',
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
    },
    async resubmitSignUp(account, review) {
      try {
        await doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName('developers'),
                  Key: { username: account.username },
                  UpdateExpression:
                    'SET organisation = :organisation, email = :email, #status = :reviewing REMOVE #comment',
                  ConditionExpression: '#status = :returned',
                  ExpressionAttributeNames: { '#status': 'status', '#comment': 'comment' },
                  ExpressionAttributeValues: {
                    ':organisation': account.organisation,
                    ':email': account.email,
                    ':reviewing': 'reviewing',
                    ':returned': 'returned',
                  },
                },
              },
              {
                Put: {
                  TableName: tableName('reviews'),
                  Item: reviewItem(review),
                  ConditionExpression: '#version = :read',
                  ExpressionAttributeNames: { '#version': 'version' },
                  ExpressionAttributeValues: { ':read': review.version - 1 },
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        if (cancelled(error)) return false;
        throw error;
      }
    },
    async submit(review) {
      await doc.send(
        new PutCommand({
          TableName: tableName('reviews'),
          Item: reviewItem(review),
          ConditionExpression: 'attribute_not_exists(reviewId)',
        }),
      );
    },
    async resubmit(review, client) {
      const items: TransactWriteCommandInput['TransactItems'] = [
        {
          Put: {
            TableName: tableName('reviews'),
            Item: reviewItem(review),
            ConditionExpression: '#version = :read AND #state = :returned',
            ExpressionAttributeNames: { '#version': 'version', '#state': 'state' },
            ExpressionAttributeValues: { ':read': review.version - 1, ':returned': 'returned' },
          },
        },
      ];
      if (client) {
        items.push({
          Put: {
            TableName: tableName('clients'),
            Item: clientItem(client),
            ConditionExpression: '#status = :pending AND developer = :developer',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':pending': 'pending', ':developer': review.developer },
          },
        });
      }
      try {
        await doc.send(new TransactWriteCommand({ TransactItems: items }));
        return true;
      } catch (error) {
        if (cancelled(error)) return false;
        throw error;
      }
    },
    async review(reviewId) {
      if (!/^[\w-]{1,64}$/.test(reviewId)) return undefined;
      const { Item } = await doc.send(
        new GetCommand({ TableName: tableName('reviews'), Key: { reviewId }, ConsistentRead: true }),
      );
      return Item && asReview(Item);
    },
    reviewsOf: (developer, limit) => reviewQuery('byDeveloper', 'developer', developer, limit, true),
    openReviews: (limit) => reviewQuery('byQueue', 'queue', OPEN_QUEUE, limit, false),
  };
}
