/**
 * Every DynamoDB table Bankgate uses, defined once. The CDK stack creates them from this list and the
 * sandbox creates the same tables in dynalite, so names, keys, indexes and the TTL attribute never drift.
 * Hot paths are single-item conditional writes (one write is the moment of truth under concurrency);
 * token issuance, revocation-list and admin changes are transactions (the sandbox adds them to dynalite).
 */
export type AttributeType = 'S' | 'N';

export interface KeyAttribute {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDefinition {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  /**
   * KEYS_ONLY for indexes used to find items to update; ALL where the index is read for display; `include`:
   * the keys and just these attributes (an index read for a summary).
   */
  readonly projection: 'ALL' | 'KEYS_ONLY' | { readonly include: readonly string[] };
}

export interface TableDefinition {
  /** Logical name; also the sandbox's physical name suffix (`bankgate-<name>`). */
  readonly name: string;
  /** Environment variable through which handlers receive the physical table name. */
  readonly envVar: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly indexes: readonly IndexDefinition[];
  /** Epoch-seconds attribute DynamoDB TTL deletes on. Code treats `expiresAt <= now` as absent. */
  readonly ttlAttribute?: string;
  readonly description: string;
}

const S = (name: string): KeyAttribute => ({ name, type: 'S' });
const N = (name: string): KeyAttribute => ({ name, type: 'N' });

export const TTL_ATTRIBUTE = 'expiresAt';

/**
 * Tables the admin console lists in key order (clients, APIs) or time order (audit) carry `listing`, one
 * constant value per table, and the `byListing` index: a bounded, paginated Query instead of a Scan. Writes
 * to these tables are a few administrative changes a day, far below one partition's limits.
 */
export const LISTING_ATTRIBUTE = 'listing';
export const LISTING_INDEX = 'byListing';
const listedBy = (sortKey: string): IndexDefinition => ({
  indexName: LISTING_INDEX,
  partitionKey: S(LISTING_ATTRIBUTE),
  sortKey: S(sortKey),
  projection: 'ALL',
});

/** Set only on consent-less grant registry items (`authorizations`): the sparse index of a fintech's grants. */
export const GRANT_CLIENT_ATTRIBUTE = 'grantClientId';
export const GRANTS_BY_CLIENT_INDEX = 'grantsByClient';

/**
 * A client's tokens by expiry with their kind, quota and uses: the admin console's active tokens of a client
 * as one bounded Query. DynamoDB keeps the index from the token's own writes (no extra write on the use path).
 */
export const TOKENS_BY_CLIENT_INDEX = 'tokensByClient';

export const tables = {
  clients: {
    name: 'clients',
    envVar: 'TABLE_CLIENTS',
    partitionKey: S('clientId'),
    indexes: [listedBy('clientId')],
    description: 'Registered OAuth clients (TPPs and privileged bank clients), validated on write.',
  },
  consents: {
    name: 'consents',
    envVar: 'TABLE_CONSENTS',
    partitionKey: S('consentId'),
    indexes: [
      { indexName: 'bySubject', partitionKey: S('subject'), sortKey: S('creationDateTime'), projection: 'ALL' },
      { indexName: 'byClient', partitionKey: S('clientId'), sortKey: S('creationDateTime'), projection: 'ALL' },
    ],
    description: 'Open Banking account-access consents and their lifecycle.',
  },
  tokens: {
    name: 'tokens',
    envVar: 'TABLE_TOKENS',
    partitionKey: S('tokenHash'),
    indexes: [
      {
        indexName: TOKENS_BY_CLIENT_INDEX,
        partitionKey: S('clientId'),
        sortKey: N('expiresAt'),
        projection: { include: ['kind', 'uses', 'maxUses', 'revoked'] },
      },
    ],
    ttlAttribute: TTL_ATTRIBUTE,
    description:
      'Access and refresh tokens keyed by sha256(token); each item carries binding, scope, consent and usage counter.',
  },
  tokenCollections: {
    name: 'token-collections',
    envVar: 'TABLE_TOKEN_COLLECTIONS',
    // Base-table item collections, not a GSI: revocation reads them with a strongly consistent Query.
    partitionKey: S('collection'),
    sortKey: S('tokenHash'),
    indexes: [],
    ttlAttribute: TTL_ATTRIBUTE,
    description:
      'One item per token in each collection revocation sweeps: its consent or grant, its certificate (thumbprint, issuer + serial).',
  },
  revokedCertificates: {
    name: 'revoked-certificates',
    envVar: 'TABLE_REVOKED_CERTIFICATES',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    indexes: [],
    description:
      'Certificate revocation list: entries (partition `entries`) and one lookup item per revoked thumbprint or issuer + serial.',
  },
  authorizations: {
    name: 'authorizations',
    envVar: 'TABLE_AUTHORIZATIONS',
    partitionKey: S('id'),
    indexes: [
      // Sparse: only consent-less grant registry items carry grantSubject (the customer's dashboard lists them).
      { indexName: 'grantsBySubject', partitionKey: S('grantSubject'), projection: 'ALL' },
      // Sparse too: only registry items carry grantClientId (the admin console's "Revoke all of {fintech}").
      {
        indexName: GRANTS_BY_CLIENT_INDEX,
        partitionKey: S(GRANT_CLIENT_ATTRIBUTE),
        sortKey: S('subject'),
        projection: 'KEYS_ONLY',
      },
    ],
    ttlAttribute: TTL_ATTRIBUTE,
    description:
      'Short-lived authorization state: pushed requests, login sessions, authorization codes (hashed), consent-less grant registry.',
  },
  replay: {
    name: 'replay',
    envVar: 'TABLE_REPLAY',
    partitionKey: S('id'),
    indexes: [],
    ttlAttribute: TTL_ATTRIBUTE,
    description: 'Single-use markers: client assertion jti values and x-idempotency-key records.',
  },
  portalSessions: {
    name: 'portal-sessions',
    envVar: 'TABLE_PORTAL_SESSIONS',
    partitionKey: S('id'),
    indexes: [],
    ttlAttribute: TTL_ATTRIBUTE,
    description: 'Portal sign-ins in progress and portal sessions, keyed by sha256 of the cookie secret.',
  },
  apis: {
    name: 'apis',
    envVar: 'TABLE_APIS',
    partitionKey: S('apiId'),
    indexes: [listedBy('apiId')],
    description: 'Gateway API catalog: path, method, scope group, upstream and JOSE policy per API.',
  },
  audit: {
    name: 'audit',
    envVar: 'TABLE_AUDIT',
    partitionKey: S('entity'),
    sortKey: S('at'),
    indexes: [listedBy('at')],
    description: 'Administrative change log: who changed what, when, before and after.',
  },
  developers: {
    name: 'developers',
    envVar: 'TABLE_DEVELOPERS',
    partitionKey: S('username'),
    indexes: [],
    description:
      'Developer-portal accounts: organisation, e-mail, scrypt password hash, review status, failed log-ins.',
  },
  reviews: {
    name: 'reviews',
    envVar: 'TABLE_REVIEWS',
    partitionKey: S('reviewId'),
    indexes: [
      // Sparse: only open reviews carry `queue`, so the bank's Approvals queue is one bounded Query, oldest first.
      { indexName: 'byQueue', partitionKey: S('queue'), sortKey: S('submittedAt'), projection: 'ALL' },
      { indexName: 'byDeveloper', partitionKey: S('developer'), sortKey: S('submittedAt'), projection: 'ALL' },
    ],
    description:
      'What fintechs submitted for the bank to approve (sign-ups, applications, API applications) and each decision.',
  },
  bankData: {
    name: 'bank-data',
    envVar: 'TABLE_BANK_DATA',
    partitionKey: S('pk'),
    sortKey: S('sk'),
    indexes: [],
    description:
      'Built-in sample bank: customers, accounts, balances, transactions (the BankData port in the sandbox).',
  },
} as const satisfies Record<string, TableDefinition>;

export type TableKey = keyof typeof tables;

export const allTables: readonly TableDefinition[] = Object.values(tables);

/** Physical table name for handlers: from the environment variable CDK and the sandbox both set. */
export function tableName(key: TableKey, env: NodeJS.ProcessEnv = process.env): string {
  const name = env[tables[key].envVar];
  if (!name) throw new Error(`Environment variable ${tables[key].envVar} is not set`);
  return name;
}
