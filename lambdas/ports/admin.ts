/**
 * Admin ports: the API catalog the gateway serves, administrative changes with their audit log, and the
 * paging shared by the admin lists.
 */
import type { Client, TokenSettings } from '../domain/client';
import type { ApiDefinition } from '../domain/gateway/catalog';
import type { AccountStatus, Review } from './developers';

export interface ApiCatalog {
  get(apiId: string): Promise<ApiDefinition | undefined>;
  /** The catalog in API-id order, a bounded page. */
  list(page: PageRequest): Promise<Page<Versioned<ApiDefinition>>>;
  /** Validates and writes a definition. */
  put(api: ApiDefinition): Promise<void>;
}

/**
 * Who made an administrative change: the bank's automation (a client with an `admin` token on the mTLS
 * admin API) or a bank administrator signed in to the admin console (`sub` and name at the staff IdP).
 */
export type Actor =
  | { readonly kind: 'client'; readonly id: string }
  | { readonly kind: 'staff'; readonly id: string; readonly name: string };

export interface AuditEntry {
  /** What changed, e.g. `client:tsp2` or `api:GET.demandDeposit.accounts`. */
  readonly entity: string;
  /** ISO 8601 time of the change. */
  readonly at: string;
  readonly actor: Actor;
  readonly action: string;
  /** `null` when the change created the entity. */
  readonly before: unknown;
  readonly after: unknown;
}

export interface AuditLog {
  /** The changes of one entity, newest first. */
  list(entity: string, limit: number): Promise<AuditEntry[]>;
  /** The latest changes of every entity, newest first. */
  recent(limit: number): Promise<AuditEntry[]>;
  /** Records an action that is not a versioned change (a revocation, written after it: it cannot be undone). */
  record(entry: AuditEntry): Promise<void>;
}

/** One bounded page of a listing; `cursor` (opaque) continues it, absent on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly cursor?: string;
}

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

/** A cursor that this listing did not hand out (or that was tampered with). */
export class InvalidCursor extends Error {
  override readonly name = 'InvalidCursor';
}

/** An entity as read for a change, with the version the change must still find when it is written. */
export interface Versioned<T> {
  readonly value: T;
  /** 0 for an entity no administrative change has written yet. */
  readonly version: number;
}

/** One administrative change; `version` is what was read (`undefined`: the API must not exist yet). */
export type AdminChange =
  | {
      readonly kind: 'token-settings';
      readonly clientId: string;
      readonly version: number;
      readonly settings: TokenSettings;
    }
  | { readonly kind: 'api'; readonly api: ApiDefinition; readonly version: number | undefined }
  | {
      readonly kind: 'review';
      /** The decided review, written on condition that the stored one is still at `review.version - 1`. */
      readonly review: Review;
      readonly effect: ReviewEffect;
    };

/** What a review decision changes besides the review itself, in the same transaction. */
export type ReviewEffect =
  | { readonly kind: 'account'; readonly username: string; readonly status: AccountStatus; readonly comment?: string }
  /** An approved application: its client leaves `pending` and may obtain tokens. */
  | { readonly kind: 'activate-client'; readonly clientId: string }
  /**
   * An approved API application: the client's approved APIs and scopes as merged by the use-case, on
   * condition that its approved set still has the size that was read (the set only grows: its size is its version).
   */
  | {
      readonly kind: 'approve-apis';
      readonly clientId: string;
      readonly readSize: number;
      readonly approvedApis: readonly string[];
      readonly scopes: readonly string[];
    }
  | { readonly kind: 'none' };

/** Another change came first: the entity is no longer at the version that was read. Nothing was written. */
export class ConflictingChange extends Error {
  override readonly name = 'ConflictingChange';
}

/**
 * What the admin API changes, always together with its audit record: there is never a change without
 * its record, nor a record of a change that did not happen.
 */
export interface AdminStore {
  /** Strongly consistent reads of the current state (never a cache: the version must be the stored one). */
  tokenSettings(clientId: string): Promise<Versioned<TokenSettings> | undefined>;
  api(apiId: string): Promise<Versioned<ApiDefinition> | undefined>;
  /** Registered clients in client-id order. */
  clients(page: PageRequest): Promise<Page<Client>>;
  /** The API catalog in API-id order, each with its version (the console changes an API on the version it showed). */
  apis(page: PageRequest): Promise<Page<Versioned<ApiDefinition>>>;
  /**
   * Writes the change and its audit entry in one transaction, on condition that the entity is still at
   * the version that was read. Throws ConflictingChange when it is not.
   */
  commit(change: AdminChange, audit: AuditEntry): Promise<void>;
}
