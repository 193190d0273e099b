/** Records the store keeps. Times are epoch seconds unless named `...DateTime` (ISO 8601, as OBUK shows them). */

export type ConsentStatus = 'AwaitingAuthorisation' | 'Authorised' | 'Rejected' | 'Revoked';

export interface Consent {
  readonly consentId: string;
  readonly clientId: string;
  readonly status: ConsentStatus;
  readonly permissions: readonly string[];
  readonly expirationDateTime?: string;
  readonly transactionFromDateTime?: string;
  readonly transactionToDateTime?: string;
  readonly creationDateTime: string;
  readonly statusUpdateDateTime: string;
  readonly risk: Record<string, unknown>;
  /** Set when the customer authorises. */
  readonly subject?: string;
  readonly accountIds?: readonly string[];
  /** Scope groups the customer granted (gateway APIs). */
  readonly grantedScopes?: readonly string[];
  /** Authorizations-table id of the code the latest authorisation issued (withdrawn by a re-authorisation). */
  readonly authorizationCodeId?: string;
  /** The latest authorisation's grant: token issuance is conditional on it, so a re-authorisation ends the earlier one. */
  readonly grantId?: string;
}

export type TokenKind = 'access' | 'refresh';

/**
 * A customer grant: what the customer granted, carried from the code to every token of the grant so
 * that a resource call needs no second lookup. Built by `grantFromConsent()` (`domain/grant.ts`).
 */
export interface Grant {
  /** Tokens issued from one code carry it; a replayed code or RFC 7009 revocation ends them all. */
  readonly grantId: string;
  readonly subject: string;
  readonly authTime: number;
  readonly acr?: string;
  readonly consentId?: string;
  readonly accountIds?: readonly string[];
  readonly permissions?: readonly string[];
  readonly grantedScopes?: readonly string[];
  readonly transactionFromDateTime?: string;
  readonly transactionToDateTime?: string;
  /** Consent ExpirationDateTime as epoch seconds: tokens never outlive the consent. */
  readonly consentExpiresAt?: number;
}

/** A token as stored: keyed by sha256 of the raw value, never the raw value; client_credentials tokens carry no grant. */
export interface TokenRecord extends Partial<Grant> {
  readonly tokenHash: string;
  readonly kind: TokenKind;
  readonly clientId: string;
  readonly scope: string;
  /** base64url(sha256(DER of the client certificate)): RFC 8705 `cnf.x5t#S256`. */
  readonly certThumbprint: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** Uses so far and the quota; maxUses 0 = unlimited. */
  readonly uses: number;
  /** Epoch seconds of the latest use (set by the use's own conditional write). */
  readonly lastUsedAt?: number;
  readonly maxUses: number;
  readonly revoked: boolean;
  /** The client's approved gateway APIs when the token was issued (absent: not restricted by API). */
  readonly approvedApis?: readonly string[];
}
