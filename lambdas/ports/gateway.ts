/**
 * Gateway ports: the API catalog, the audit log of administrative changes, and the latest consent-less
 * grant per client and customer (so re-authorisation replaces the earlier grant).
 */
import type { ApiDefinition, JosePolicy } from '../domain/gateway/catalog';

export interface ApiCatalog {
  get(apiId: string): Promise<ApiDefinition | undefined>;
  /** Validates and writes a definition. */
  put(api: ApiDefinition): Promise<void>;
  /**
   * Replaces an existing API's JOSE policy in one write; returns the policy it replaced, or undefined
   * when no such API exists (nothing is written then).
   */
  replaceJosePolicy(apiId: string, policy: JosePolicy): Promise<JosePolicy | undefined>;
}

export interface AuditEntry {
  /** What changed, e.g. `client:tsp2` or `api:GET.demandDeposit.accounts`. */
  readonly entity: string;
  /** ISO 8601 time of the change. */
  readonly at: string;
  /** The authenticated administrator (client id of the admin token). */
  readonly actor: string;
  readonly action: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  list(entity: string, limit: number): Promise<AuditEntry[]>;
}

export interface GrantRegistry {
  /**
   * Records `grantId` as the client's current grant for the customer (one write) and returns the grant it
   * replaced, if any; its tokens are then revoked by the caller.
   */
  replace(clientId: string, subject: string, grantId: string, expiresAt: number): Promise<string | undefined>;
}
