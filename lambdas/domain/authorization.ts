/**
 * Authorization-request state kept in the `authorizations` table between the steps of the customer's
 * journey: the pushed request (PAR), the login session (IdP login + consent page), and the code.
 * Secrets (request_uri handle, session cookie, code) are stored only as hashes.
 */
import type { Prompt } from './authentication-requirements';
import type { Grant } from './model';
import { hashSecret } from './tokens';

/** RFC 9126 §2.2: the `request_uri` a pushed request is redeemed with; the handle after it is random. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** A validated authorization request: only parameters from the signed request object count. */
export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly responseType: 'code' | 'code id_token';
  readonly responseMode: 'query' | 'fragment';
  readonly scope: string;
  readonly state?: string;
  readonly nonce?: string;
  readonly codeChallenge: string;
  readonly codeChallengeMethod: 'S256';
  /** `openbanking_intent_id` essential claim value. */
  readonly consentId?: string;
  /** Requested acr values (claims parameter or acr_values), e.g. urn:openbanking:psd2:sca. */
  readonly acrValues?: readonly string[];
  /** The acr was requested as an essential claim: the returned acr must be one of acrValues. */
  readonly acrEssential?: boolean;
  readonly maxAge?: number;
  readonly prompt?: readonly Prompt[];
}

interface BaseRecord {
  /** Unique per kind (the adapter keys the record by kind and id): a hash for secret-bearing records. */
  readonly id: string;
  readonly clientId: string;
  /** Epoch seconds; expired records are treated as absent. */
  readonly expiresAt: number;
}

/** PAR: `id = sha256(request_uri handle)`; consumed (used=true) at the moment of authorization. */
export interface PushedRequestRecord extends BaseRecord {
  readonly kind: 'par';
  readonly request: AuthorizationRequest;
  readonly used: boolean;
}

export type LoginStatus = 'authenticating' | 'consenting' | 'completed';

/** The customer's journey: `id = loginId`; bound to the browser by sha256 of the session cookie. */
export interface LoginSessionRecord extends BaseRecord {
  readonly kind: 'login';
  readonly status: LoginStatus;
  readonly request: AuthorizationRequest;
  readonly sessionHash: string;
  /** sha256 of `login_state` handed to the consent page (CSRF token of the consent API); set after login. */
  readonly loginStateHash?: string;
  /** Relying-party state for the bank IdP round trip. */
  readonly idp: { readonly state: string; readonly nonce: string; readonly codeVerifier: string };
  /** Epoch seconds the customer was sent to the IdP (prompt=login: the authentication must be later). */
  readonly startedAt: number;
  readonly subject?: string;
  readonly customerName?: string;
  readonly authTime?: number;
  readonly acr?: string;
}

/** Authorization code: `id = sha256(code)`; single use (used=true by one conditional write), <= 60 s. */
export interface AuthorizationCodeRecord extends BaseRecord, Grant {
  readonly kind: 'code';
  readonly used: boolean;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly scope: string;
  readonly nonce?: string;
}

export type AuthorizationRecord = PushedRequestRecord | LoginSessionRecord | AuthorizationCodeRecord;

export const CODE_TTL = 60;
export const PAR_TTL = 90;
export const LOGIN_TTL = 15 * 60;

export type AuthorizationKind = AuthorizationRecord['kind'];
export type AuthorizationRecordOf<K extends AuthorizationKind> = Extract<AuthorizationRecord, { readonly kind: K }>;

/** Ids of the secret-bearing records: the hash of the value the client or browser holds, never the value. */
export const pushedRequestRecordId = (handle: string) => hashSecret(handle);
export const codeRecordId = (code: string) => hashSecret(code);
