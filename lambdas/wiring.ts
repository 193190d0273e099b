/**
 * The composition root: the one place that builds the configuration, the AWS clients and every adapter
 * behind a port. Each part is built on first use and then kept for the process (= once per Lambda cold
 * start), so a handler builds only what it uses and the sandbox can set the environment first. Handlers
 * take what they need from `wiring`; tests replace parts with `replaceWiring()`.
 */
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createStores, type Stores } from './adapters/dynamodb';
import { dynamoAdminStore } from './adapters/dynamodb/admin-store';
import { dynamoApiCatalog } from './adapters/dynamodb/apis';
import { dynamoAuditLog } from './adapters/dynamodb/audit';
import { dynamoBankData } from './adapters/dynamodb/bank-data';
import { dynamoDeveloperStore } from './adapters/dynamodb/developers';
import { dynamoGrantRegistry } from './adapters/dynamodb/grant-registry';
import { guardedJwksFetch } from './adapters/jwks-fetch';
import { createKmsKeyService, kmsDerivedMacKey } from './adapters/kms-keys';
import { type Config, loadConfig } from './config';
import type { ApprovalDeps } from './domain/admin/approvals';
import type { AdminDeps } from './domain/admin/changes';
import type { ConsentAdminDeps } from './domain/admin/consents';
import type { JwksFetch } from './domain/client-keys';
import { httpsTransport, type UpstreamTransport } from './domain/gateway/upstream';
import { checkUpstreamUrl } from './domain/gateway/upstream-address';
import type { IdentityWiring } from './identity-wiring';
import type { AdminStore, ApiCatalog, AuditLog } from './ports/admin';
import type { BankData } from './ports/bank-data';
import type { DeveloperStore } from './ports/developers';
import type { KeyService } from './ports/keys';
import type { GrantRegistry } from './ports/store';

export interface Wiring {
  readonly config: Config;
  /** The shared DynamoDB document client (endpoint from the AWS SDK configuration: `AWS_ENDPOINT_URL_DYNAMODB` locally). */
  readonly documentClient: DynamoDBDocumentClient;
  readonly stores: Stores;
  readonly grantRegistry: GrantRegistry;
  readonly bankData: BankData;
  readonly apiCatalog: ApiCatalog;
  readonly adminStore: AdminStore;
  readonly auditLog: AuditLog;
  /** Developer-portal accounts and the reviews of what they submit. */
  readonly developers: DeveloperStore;
  /** KMS keys (endpoint from the AWS SDK configuration: `AWS_ENDPOINT_URL_KMS` locally). */
  readonly keys: KeyService;
  /** The HMAC key of transaction paging cursors (domain/transaction-pages.ts), derived once per cold start. */
  readonly pagingCursorKey: () => Promise<Uint8Array>;
  /** The administration use-cases' dependencies, the same for the mTLS admin API and the admin console. */
  readonly admin: AdminDeps;
  /** The approval use-cases' dependencies (developer-portal reviews), for both admin surfaces too. */
  readonly approvals: ApprovalDeps;
  /** The admin console's consent revocation: the one revocation mechanism, audited. */
  readonly consentAdmin: ConsentAdminDeps;
  /** GET of clients' `jwks_uri`, with the gateway's SSRF policy and extra CAs (`adapters/jwks-fetch.ts`). */
  readonly jwksFetch: JwksFetch;
  /** HTTPS to gateway upstreams, with the SSRF policy and extra CAs of the configuration. */
  readonly upstreamTransport: UpstreamTransport;
}

/** Every part of the composition root: `wiring` and the parts kept in modules of their own (`identity-wiring.ts`). */
export type Parts = Wiring & IdentityWiring;

const built: { -readonly [K in keyof Parts]?: Parts[K] } = {};

/** A part built on first use and then kept for the process (also for the parts of `identity-wiring.ts`). */
export function part<K extends keyof Parts>(name: K, build: () => Parts[K]): Parts[K] {
  built[name] ??= build();
  return built[name] as Parts[K];
}

export const wiring: Wiring = {
  get config() {
    return part('config', () => loadConfig());
  },
  get documentClient() {
    return part('documentClient', () =>
      DynamoDBDocumentClient.from(new DynamoDBClient({}), {
        marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
      }),
    );
  },
  get stores() {
    return part('stores', () => createStores(wiring.documentClient, { idTokenSigningAlg: wiring.config.signingAlg }));
  },
  get grantRegistry() {
    return part('grantRegistry', () => dynamoGrantRegistry(wiring.documentClient));
  },
  get bankData() {
    return part('bankData', () => dynamoBankData(wiring.documentClient));
  },
  get apiCatalog() {
    return part('apiCatalog', () => dynamoApiCatalog(wiring.documentClient));
  },
  get adminStore() {
    return part('adminStore', () => dynamoAdminStore(wiring.documentClient));
  },
  get auditLog() {
    return part('auditLog', () => dynamoAuditLog(wiring.documentClient));
  },
  get developers() {
    return part('developers', () => dynamoDeveloperStore(wiring.documentClient));
  },
  get keys() {
    return part('keys', () => {
      const { signingKeys, encryptionKeyId } = wiring.config;
      return createKmsKeyService({ kms: new KMSClient({}), signing: signingKeys, encryptionKeyId });
    });
  },
  /** The paging cursors' HMAC key, derived from its KMS key once per cold start. */
  get pagingCursorKey() {
    return part('pagingCursorKey', () => {
      const keyId = wiring.config.macKeys['paging-cursor'];
      if (!keyId) throw new Error('No paging-cursor MAC key is configured (BANKGATE_PAGING_CURSOR_KEY_ID)');
      return kmsDerivedMacKey(new KMSClient({}), keyId, 'paging-cursor');
    });
  },
  get approvals() {
    return part('approvals', () => ({
      store: wiring.adminStore,
      reviews: wiring.developers,
      clients: wiring.stores.clients,
      catalog: wiring.apiCatalog,
    }));
  },
  get admin() {
    return part('admin', () => ({
      store: wiring.adminStore,
      audit: wiring.auditLog,
      clients: wiring.stores.clients,
      checkUpstreamUrl: (url: string) => checkUpstreamUrl(url, wiring.config.upstream),
    }));
  },
  get consentAdmin() {
    return part('consentAdmin', () => ({
      consents: wiring.stores.consents,
      tokens: wiring.stores.tokens,
      authorizations: wiring.stores.authorizations,
      clients: wiring.stores.clients,
      grants: wiring.grantRegistry,
      audit: wiring.auditLog,
    }));
  },
  get jwksFetch() {
    return part('jwksFetch', () => {
      const { privateHosts, caFile } = wiring.config.upstream;
      return guardedJwksFetch({ policy: { privateHosts }, extraCa: caFile && readFileSync(caFile, 'utf8') });
    });
  },
  get upstreamTransport() {
    return part('upstreamTransport', () => {
      const { privateHosts, caFile } = wiring.config.upstream;
      return httpsTransport({ policy: { privateHosts }, extraCa: caFile && readFileSync(caFile, 'utf8') });
    });
  },
};

/** For tests: use these parts instead of building them (the others are still built on first use). */
export function replaceWiring(parts: Partial<Parts>): void {
  Object.assign(built, parts);
}

/** For tests: forget every part, so the next use builds it again from the current environment. */
export function resetWiring(): void {
  for (const name of Object.keys(built) as (keyof Parts)[]) delete built[name];
}
