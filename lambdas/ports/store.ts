/**
 * Store ports: what domain code needs from persistence. The DynamoDB adapters implement them (the same
 * code on Lambda and in the sandbox, against dynalite). Every state change that must not happen twice
 * is one conditional single-item write.
 */
import type {
  AuthorizationKind,
  AuthorizationRecord,
  AuthorizationRecordOf,
  LoginSessionRecord,
  LoginStatus,
} from '../domain/authorization';
import type { Client } from '../domain/client';
import type { GrantFacts } from '../domain/connected-apps';
import type { Consent, ConsentStatus, TokenKind, TokenRecord } from '../domain/model';
import type { PortalSessionRecord, PortalSignInRecord } from '../domain/portal-session';

export interface ClientStore {
  get(clientId: string): Promise<Client | undefined>;
  /** Validates and writes a registration. */
  put(client: Client): Promise<void>;
}

/**
 * Who authorised a consent and with which code, exactly as read: given to `transition`, the change happens
 * only if both are still so (an absent field must still be absent) — an authorisation conditional on the
 * customer and on no concurrent authorisation having won.
 */
export interface ConsentAuthorisation {
  readonly subject: string | undefined;
  readonly authorizationCodeId: string | undefined;
}

export interface ConsentStore {
  /** Writes a new consent; rejects if the id exists. */
  create(consent: Consent): Promise<void>;
  get(consentId: string): Promise<Consent | undefined>;
  /**
   * Moves a consent to a new status (with the fields that change) only if its current status is one
   * of `from`. Returns the updated consent, or undefined if the condition failed.
   */
  transition(
    consentId: string,
    from: readonly ConsentStatus[],
    changes: Partial<Omit<Consent, 'consentId' | 'clientId' | 'creationDateTime'>> & { status: ConsentStatus },
    unchanged?: ConsentAuthorisation,
  ): Promise<Consent | undefined>;
  /** Newest first (the first `limit` when given). */
  listBySubject(subject: string, limit?: number): Promise<Consent[]>;
  listByClient(clientId: string, limit?: number): Promise<Consent[]>;
}

export type TokenRejection = 'unknown' | 'expired' | 'revoked' | 'quota_exceeded' | 'certificate_mismatch';

export type TokenUse =
  | { readonly ok: true; readonly token: TokenRecord }
  | { readonly ok: false; readonly reason: TokenRejection };

export interface TokenUseRequest {
  readonly kind: TokenKind;
  readonly now: number;
  /** When given, the token's certificate binding must equal it. */
  readonly certThumbprint?: string;
  /**
   * The call the use is for: recorded in the same conditional write (last use, one slot of the bounded
   * access ring of `domain/connected-apps.ts`), so the customer's dashboard needs no second write.
   */
  readonly access?: { readonly api: string; readonly interactionId: string };
}

/** Revocation-list lookup keys of one certificate (`domain/certificate-revocation.ts`). */
export interface CertificateKeys {
  /** By `x5t#S256` thumbprint. */
  readonly thumbprint: string;
  /** By issuer DN + serial number. */
  readonly issuerSerial: string;
}

/** The consent or consent-less grant tokens are issued from, as it must still stand when they are written. */
export type GrantAuthority =
  | { readonly kind: 'consent'; readonly consentId: string; readonly clientId: string; readonly grantId: string }
  | { readonly kind: 'grant'; readonly clientId: string; readonly subject: string; readonly grantId: string };

/** What must still hold when tokens are written: checked in the same transaction that writes them. */
export interface IssuanceGuard {
  /** Absent for client_credentials tokens (no customer grant). */
  readonly grant?: GrantAuthority;
  /** Refresh grant: the presented refresh token is still not revoked. */
  readonly refreshTokenHash?: string;
  /** The certificate the tokens are bound to: not on the revocation list. */
  readonly certificate: CertificateKeys;
  /**
   * The client assertion's single-use jti, written by the same transaction (no write of its own on the
   * token path): refused as `replayed` when an unexpired record of it exists.
   */
  readonly replayClaim?: { readonly record: OnceRecord; readonly now: number };
}

/** Why an issuance transaction was cancelled; nothing was written. */
export class IssuanceRefused extends Error {
  override readonly name = 'IssuanceRefused';
  constructor(readonly reason: 'grant_revoked' | 'refresh_token_revoked' | 'certificate_revoked' | 'replayed') {
    super(`token issuance refused: ${reason}`);
  }
}

/** A set of tokens revocation sweeps together. */
export type TokenCollection =
  | { readonly kind: 'consent'; readonly consentId: string }
  | { readonly kind: 'grant'; readonly grantId: string }
  /** Every token bound to a certificate, by one of its revocation-list keys. */
  | { readonly kind: 'certificate'; readonly key: string };

export interface TokenStore {
  /**
   * Writes the tokens, their items in every collection revocation sweeps, and the guard's condition
   * checks in ONE transaction. Throws IssuanceRefused (nothing written) when a condition fails.
   */
  issue(records: readonly TokenRecord[], guard: IssuanceGuard): Promise<void>;
  /** Writes one record as it is, in no collection (test fixtures and benchmarks seed tokens with it). */
  put(record: TokenRecord): Promise<void>;
  /**
   * Validates and counts one use in a single conditional update: the token exists, is of the kind,
   * is not revoked or expired, is bound to the certificate, and is under its quota.
   */
  use(tokenHash: string, request: TokenUseRequest): Promise<TokenUse>;
  /** Reads without counting a use (introspection). */
  get(tokenHash: string): Promise<TokenRecord | undefined>;
  revoke(tokenHash: string): Promise<void>;
  /**
   * Marks revoked every token of the collection that a strongly consistent read finds (optionally only
   * those of one grant, or all but one grant's); returns how many.
   */
  sweep(collection: TokenCollection, grants?: { readonly only?: string; readonly except?: string }): Promise<number>;
  /** Up to `limit` tokens of a consent or grant, as stored (the customer's dashboard reads their use from them). */
  list(collection: TokenCollection, limit: number): Promise<TokenRecord[]>;
  /**
   * The client's unexpired, unrevoked tokens with their uses, reading at most `limit` tokens (`more`: the
   * client has others not read). Eventually consistent: a summary for people, never a decision.
   */
  activeOf(clientId: string, now: number, limit: number): Promise<ActiveTokens>;
}

export interface ActiveTokens {
  readonly tokens: readonly Pick<TokenRecord, 'kind' | 'uses' | 'maxUses'>[];
  readonly more: boolean;
}

/** What a single-use marker is for, and whose: the adapter composes the store key from these parts. */
export interface OnceKey {
  readonly purpose: 'jti' | 'idempotency';
  readonly clientId: string;
  readonly value: string;
}

export interface OnceRecord {
  readonly key: OnceKey;
  readonly expiresAt: number;
  readonly data?: Record<string, unknown>;
}

/** Single-use markers (assertion jti, idempotency keys). */
export interface OnceStore {
  /** Records the id unless an unexpired record exists; true when this call recorded it. */
  claim(record: OnceRecord, now: number): Promise<boolean>;
  get(key: OnceKey, now: number): Promise<OnceRecord | undefined>;
}

export type ConsumeResult<R> =
  | { readonly ok: true; readonly record: R }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'used'; readonly record?: R };

/** Short-lived authorization state (PAR requests, login sessions, codes), each record by kind and id. */
export interface AuthorizationStore {
  put(record: AuthorizationRecord): Promise<void>;
  /** Unexpired record of the kind by id, or undefined. */
  get<K extends AuthorizationKind>(kind: K, id: string, now: number): Promise<AuthorizationRecordOf<K> | undefined>;
  /**
   * Single use: sets `used = true` only if the record exists, is unexpired and unused (one conditional
   * write: exactly one of N concurrent callers succeeds). On failure returns why, with the record if any.
   */
  consume<K extends 'par' | 'code'>(
    kind: K,
    id: string,
    now: number,
    /** Only this client's record is used up: another client presenting it finds nothing and spends nothing. */
    clientId?: string,
  ): Promise<ConsumeResult<AuthorizationRecordOf<K>>>;
  /** Updates a login session only if it is in status `from`; returns the new record or undefined. */
  advanceLogin(
    loginId: string,
    from: LoginStatus,
    changes: Partial<Omit<LoginSessionRecord, 'id' | 'kind' | 'clientId'>> & { status: LoginStatus },
    now: number,
  ): Promise<LoginSessionRecord | undefined>;
}

/** Portal sign-ins and sessions (`domain/portal-session.ts`), each step one conditional write. */
export interface PortalSessionStore {
  putSignIn(record: PortalSignInRecord): Promise<void>;
  /** Marks the sign-in used if it exists, is of the portal, unused and unexpired; returns it, or undefined. */
  consumeSignIn(id: string, portal: string, now: number): Promise<PortalSignInRecord | undefined>;
  createSession(record: PortalSessionRecord): Promise<void>;
  /**
   * Validates and slides a session in one conditional write: it exists, is of the portal and neither its
   * idle nor its absolute deadline has passed; its idle deadline moves to `idleDeadline`.
   */
  touchSession(id: string, portal: string, now: number, idleDeadline: number): Promise<PortalSessionRecord | undefined>;
  /** Ends a session at once (sign-out, rotation on a new sign-in). */
  endSession(id: string): Promise<void>;
}

/** A consent-less grant and the authorization code that carries it to the token endpoint. */
export interface CurrentGrant {
  readonly grantId: string;
  /** Id of the code's record (`codeRecordId`). */
  readonly codeId?: string;
  /** What the customer granted, for her dashboard: epoch seconds, scope groups, accounts. */
  readonly grantedAt?: number;
  readonly grantedScopes?: readonly string[];
  readonly accountIds?: readonly string[];
}

export interface GrantRegistry {
  /**
   * Records `grant` as the client's current grant for the customer (one write) and returns the grant it
   * replaced, if any; the caller then withdraws its code and revokes its tokens.
   */
  replace(clientId: string, subject: string, grant: CurrentGrant, expiresAt: number): Promise<CurrentGrant | undefined>;
  /** The customer's grants, current and ended, by a Query on the registry's index by customer (bounded). */
  listBySubject(subject: string): Promise<GrantFacts[]>;
  /**
   * Ends the client's current grant for the customer (one conditional write) and returns the grant ended,
   * by this call or an earlier one, so the caller sweeps its tokens (again).
   */
  revoke(clientId: string, subject: string): Promise<CurrentGrant | undefined>;
  /** The customers the client has (or had) a consent-less grant of, from an index (admin "Revoke all"). */
  subjectsOf(clientId: string): Promise<string[]>;
}
