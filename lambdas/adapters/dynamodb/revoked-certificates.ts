/**
 * CertificateRevocationList on the `revoked-certificates` table: entries in partition `entries` (sort key =
 * entry id, with a `version`), and per entry one lookup item (partition = the certificate's revocation key,
 * sort key `revoked`) that names the entry while it is in force: client authentication reads it, token
 * issuance ConditionChecks `attribute_not_exists(entryId)`. Each change is ONE transaction of entry, lookup
 * item(s) and audit record, as in `admin-store.ts`. Nothing is deleted: a removed entry is kept, marked
 * `lifted`, and its lookup item no longer names it (records, like the audit log).
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { type RevokedCertificate, revocationKey } from '../../domain/certificate-revocation';
import { type AuditEntry, ConflictingChange, type Versioned } from '../../ports/admin';
import type { CertificateRevocationList } from '../../ports/certificate-revocation';
import { tableName } from '../../tables';
import { lostRace } from './admin-store';
import { auditItem } from './audit';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** Sort key of a lookup item (the partition is the certificate's revocation key). */
export const REVOCATION_LOOKUP_SK = 'revoked';
const ENTRIES = 'entries';

type EntryItem = RevokedCertificate & { readonly pk: string; readonly sk: string; readonly version: number };

const asEntry = ({ pk: _pk, sk: _sk, version: _version, ...entry }: EntryItem): RevokedCertificate => entry;

export function dynamoRevokedCertificates(doc: DynamoDBDocumentClient): CertificateRevocationList {
  const TableName = tableName('revokedCertificates');

  const auditPut = (audit: AuditEntry): TransactItem => ({
    Put: {
      TableName: tableName('audit'),
      Item: auditItem(audit),
      ConditionExpression: 'attribute_not_exists(#at)',
      ExpressionAttributeNames: { '#at': 'at' },
    },
  });
  const lookupLift = (entry: RevokedCertificate): TransactItem => ({
    Update: {
      TableName,
      Key: { pk: revocationKey(entry.certificate), sk: REVOCATION_LOOKUP_SK },
      UpdateExpression: 'REMOVE entryId',
      ConditionExpression: 'entryId = :entry',
      ExpressionAttributeValues: { ':entry': entry.entryId },
    },
  });
  const entryPut = (entry: RevokedCertificate, current: Versioned<RevokedCertificate> | undefined): TransactItem => ({
    Put: {
      TableName,
      Item: { ...entry, pk: ENTRIES, sk: entry.entryId, version: (current?.version ?? 0) + 1 },
      ...(current === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :read', ExpressionAttributeValues: { ':read': current.version } }),
    },
  });

  async function commit(TransactItems: TransactItem[], audit: AuditEntry): Promise<void> {
    try {
      await doc.send(new TransactWriteCommand({ TransactItems }));
    } catch (error) {
      if (lostRace(error)) {
        throw new ConflictingChange(`${audit.entity} was changed by another request, or its certificate is listed`);
      }
      throw error;
    }
  }

  return {
    async isRevoked(keys) {
      const reads = [keys.thumbprint, keys.issuerSerial].map((pk) =>
        doc.send(new GetCommand({ TableName, Key: { pk, sk: REVOCATION_LOOKUP_SK }, ConsistentRead: true })),
      );
      return (await Promise.all(reads)).some(({ Item }) => Item?.entryId !== undefined);
    },
    async list() {
      const entries: RevokedCertificate[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await doc.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :entries',
            ExpressionAttributeValues: { ':entries': ENTRIES },
            ConsistentRead: true,
            ExclusiveStartKey,
          }),
        );
        entries.push(...((page.Items ?? []) as EntryItem[]).filter((item) => !item.lifted).map(asEntry));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return entries;
    },
    async get(entryId) {
      const { Item } = await doc.send(
        new GetCommand({ TableName, Key: { pk: ENTRIES, sk: entryId }, ConsistentRead: true }),
      );
      return Item ? { value: asEntry(Item as EntryItem), version: (Item as EntryItem).version } : undefined;
    },
    async put(entry, current, audit) {
      const key = revocationKey(entry.certificate);
      const inForce = current !== undefined && !current.value.lifted;
      const sameLookup = inForce && revocationKey(current.value.certificate) === key;
      await commit(
        [
          entryPut(entry, current),
          // Another entry in force for the same certificate would make lifting either one ambiguous: refused.
          ...(sameLookup
            ? []
            : [
                {
                  Update: {
                    TableName,
                    Key: { pk: key, sk: REVOCATION_LOOKUP_SK },
                    UpdateExpression: 'SET entryId = :entry',
                    ConditionExpression: 'attribute_not_exists(entryId)',
                    ExpressionAttributeValues: { ':entry': entry.entryId },
                  },
                },
              ]),
          ...(inForce && !sameLookup ? [lookupLift(current.value)] : []),
          auditPut(audit),
        ],
        audit,
      );
    },
    async remove(current, lifted, audit) {
      await commit(
        [entryPut({ ...current.value, lifted }, current), lookupLift(current.value), auditPut(audit)],
        audit,
      );
    },
  };
}
