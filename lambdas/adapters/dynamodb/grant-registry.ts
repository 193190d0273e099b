/**
 * GrantRegistry on the `authorizations` table: item `grant:<clientId>:<subject>` (`storeKey`) names the client's current
 * consent-less grant for the customer. One PutItem swaps it and returns the previous one (ALL_OLD); the
 * item expires with the longest-lived token the grant can have. `grantSubject` (only on these items) keys
 * the sparse index the customer's dashboard lists her grants by. Token issuance ConditionChecks that the
 * item still names the grant (`tokens.ts`), so swapping or revoking it is the revocation's moment of truth.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { GrantFacts } from '../../domain/connected-apps';
import type { CurrentGrant, GrantRegistry } from '../../ports/store';
import { GRANT_CLIENT_ATTRIBUTE, GRANTS_BY_CLIENT_INDEX, tableName } from '../../tables';
import { isConditionFailure, queryIndex } from './document-client';
import { storeKey } from './store-key';

/** Bounded: one item per fintech the customer ever granted consent-less access to. */
const MAX_GRANTS = 100;

export const grantRegistryId = (clientId: string, subject: string) => storeKey('grant', clientId, subject);

function endedGrant(item: Record<string, unknown> | undefined): CurrentGrant | undefined {
  if (typeof item?.revokedGrantId !== 'string') return undefined;
  return { grantId: item.revokedGrantId, codeId: item.codeId as string | undefined };
}

export function dynamoGrantRegistry(doc: DynamoDBDocumentClient): GrantRegistry {
  const TableName = tableName('authorizations');
  return {
    async replace(clientId, subject, { grantId, codeId, grantedAt, grantedScopes, accountIds }, expiresAt) {
      const { Attributes } = await doc.send(
        new PutCommand({
          TableName,
          Item: {
            id: grantRegistryId(clientId, subject),
            kind: 'grant',
            clientId,
            // Only registry items carry it: the sparse `grantsByClient` index lists a fintech's grants.
            [GRANT_CLIENT_ATTRIBUTE]: clientId,
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
    async revoke(clientId, subject) {
      const Key = { id: grantRegistryId(clientId, subject) };
      try {
        const { Attributes } = await doc.send(
          new UpdateCommand({
            TableName,
            Key,
            // The ended grant stays named, so a repeated revocation sweeps it again (finishing a crashed one).
            UpdateExpression: 'SET revokedGrantId = grantId REMOVE grantId',
            ConditionExpression: 'attribute_exists(grantId)',
            ReturnValues: 'ALL_NEW',
          }),
        );
        return endedGrant(Attributes);
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        const { Item } = await doc.send(new GetCommand({ TableName, Key, ConsistentRead: true }));
        return endedGrant(Item);
      }
    },
    async subjectsOf(clientId) {
      const items = await queryIndex<{ subject: string }>(doc, {
        TableName,
        IndexName: GRANTS_BY_CLIENT_INDEX,
        key: GRANT_CLIENT_ATTRIBUTE,
        value: clientId,
      });
      return items.map((item) => item.subject);
    },
  };
}
