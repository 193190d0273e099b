/**
 * Portal sessions (customer self-service, admin console, ...): a person signs in at an identity provider
 * through OIDC federation and then holds a browser session of the portal. The browser keeps a random
 * 256-bit secret in an HttpOnly `__Host-` cookie; the store keeps only its sha256, with an idle and an
 * absolute timeout. Every state-changing call carries a CSRF token derived from the same secret, so it is
 * tied to the session and never stored (OWASP CSRF cheat sheet: synchronizer token, HMAC-based variant).
 */
import type { AuthenticatedCustomer } from '../ports/identity-provider';
import { hashSecret } from './tokens';

/** Who is inside a portal: the IdP subject plus what the portal's admission rule derived (e.g. staff roles). */
export interface PortalPrincipal {
  readonly subject: string;
  readonly name?: string;
  readonly roles: readonly string[];
}

/** A portal's session policy and its "who may enter" rule; the identity provider is chosen by the handler. */
export interface PortalPolicy {
  /** Path segment and cookie suffix: `account` serves `/account/` and `/account/api/*`. */
  readonly id: string;
  /** Seconds without a call after which the session ends. */
  readonly idleSeconds: number;
  /** Seconds after sign-in after which the session ends whatever the activity. */
  readonly absoluteSeconds: number;
  /** Admits an authenticated person (returning what the portal knows of them) or refuses with undefined. */
  readonly admit: (person: AuthenticatedCustomer) => PortalPrincipal | undefined;
}

/** A sign-in in progress: the relying party's state, nonce and PKCE verifier, single use. */
export interface PortalSignInRecord {
  /** `signin:<sha256(cookie secret)>` */
  readonly id: string;
  readonly kind: 'signin';
  readonly portal: string;
  readonly idp: { readonly state: string; readonly nonce: string; readonly codeVerifier: string };
  readonly used: boolean;
  readonly expiresAt: number;
}

export interface PortalSessionRecord extends PortalPrincipal {
  /** `session:<sha256(cookie secret)>` */
  readonly id: string;
  readonly kind: 'session';
  readonly portal: string;
  readonly createdAt: number;
  /** The absolute timeout: the idle deadline never moves past it. */
  readonly absoluteExpiresAt: number;
  /** The idle deadline (also the table's TTL attribute); the session ends at the earlier of the two. */
  readonly expiresAt: number;
}

/** How long a started sign-in may take at the identity provider. */
export const SIGN_IN_TTL = 600;

export const signInRecordId = (secret: string) => `signin:${hashSecret(secret)}`;
export const sessionRecordId = (secret: string) => `session:${hashSecret(secret)}`;

/** The CSRF token of the session whose cookie secret is `secret` (a different digest than the stored id). */
export const csrfTokenOf = (secret: string) => hashSecret(`csrf:${secret}`);

export function newSessionRecord(
  policy: PortalPolicy,
  principal: PortalPrincipal,
  secret: string,
  now: number,
): PortalSessionRecord {
  const absoluteExpiresAt = now + policy.absoluteSeconds;
  return {
    id: sessionRecordId(secret),
    kind: 'session',
    portal: policy.id,
    subject: principal.subject,
    ...(principal.name ? { name: principal.name } : {}),
    roles: [...principal.roles],
    createdAt: now,
    absoluteExpiresAt,
    expiresAt: Math.min(now + policy.idleSeconds, absoluteExpiresAt),
  };
}

/** When the session ends: the earlier of the idle and the absolute deadline. */
export const sessionEndsAt = (session: Pick<PortalSessionRecord, 'expiresAt' | 'absoluteExpiresAt'>) =>
  Math.min(session.expiresAt, session.absoluteExpiresAt);
