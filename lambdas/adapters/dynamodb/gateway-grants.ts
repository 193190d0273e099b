/**
 * GrantRegistry on the `authorizations` table: item `grant:<clientId>:<subject>` (`storeKey`) names the client's current
 * consent-less grant for the customer. One PutItem swaps it and returns the previous one (ALL_OLD); the
 * item expires with the longest-lived token the grant can have. `grantSubject` (only on these items) keys
 * the sparse index the customer's dashboard lists her grants by.
 */
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { GrantFacts } from '../../domain/connected-apps';
import type { GrantRegistry } from '../../ports/gateway';
import { tableName } from '../../store/tables';
import { queryIndex } from './document-client';
import { storeKey } from './store-key';

/** Bounded: one item per fintech the customer ever granted consent-less access to. */
const MAX_GRANTS = 100;

export function dynamoGrantRegistry(doc: DynamoDBDocumentClient): GrantRegistry {
  const TableName = tableName('authorizations');
  return {
    async replace(clientId, subject, { grantId, codeId, grantedAt, grantedScopes, accountIds }, expiresAt) {
      const { Attributes } = await doc.send(
        new PutCommand({
          TableName,
          Item: {
            id: storeKey('grant', clientId, subject),
            kind: 'grant',
            clientId,
            subject,
            grantSubject: subject,
            grantId,
            codeId,
            grantedAt,
            grantedScopes,
            accountIds,
            expiresAt,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      if (typeof Attributes?.grantId !== 'string') return undefined;
      return { grantId: Attributes.grantId, codeId: Attributes.codeId as string | undefined };
    },
    listBySubject: (subject) =>
      queryIndex<GrantFacts>(doc, {
        TableName,
        IndexName: 'grantsBySubject',
        key: 'grantSubject',
        value: subject,
        limit: MAX_GRANTS,
      }),
  };
}
