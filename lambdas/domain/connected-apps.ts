/**
 * The customer's "Connected apps" (OBIE Customer Experience Guidelines, access dashboard): every consent and
 * consent-less grant she gave, grouped by fintech, with its status (Active, or Inactive and why), when it was
 * granted, when it ends, what it shares and how it has been used. Plain functions over what the stores hold.
 */
import type { Consent, TokenRecord } from './model';

/** One access a token of the entry was used for, as the resource call's single conditional write recorded it. */
export interface RecordedAccess {
  /** Epoch seconds. */
  readonly at: number;
  /** `GET /open-banking/v3.1/aisp/accounts` style: method and route template, never ids or query. */
  readonly api: string;
  readonly interactionId: string;
}

/** What the token items of one consent or grant say about its use. */
export interface UsageFacts {
  readonly lastUsedAt?: number;
  readonly usesLast30Days: number;
  /** Newest first, at most `RECENT_ACCESSES`. */
  readonly recent: readonly RecordedAccess[];
}

export type EntryStatus =
  | { readonly status: 'Active' }
  | { readonly status: 'Inactive'; readonly reason: 'Revoked' | 'Expired' | 'Rejected'; readonly endedAt?: string };

/** A consent-less grant (gateway scope groups only) as the registry keeps it. */
export interface GrantFacts {
  readonly clientId: string;
  readonly grantId?: string;
  readonly revokedGrantId?: string;
  readonly grantedAt?: number;
  readonly grantedScopes?: readonly string[];
  readonly accountIds?: readonly string[];
  /** Epoch seconds the registry item lasts to (the longest token the grant may have). */
  readonly expiresAt: number;
  readonly revokedAt?: number;
}

export const RECENT_ACCESSES = 10;
const DAY = 24 * 3600;

/** OBUK ExpirationDateTime passed = Expired; Revoked and Rejected as the consent says. */
export function consentStatus(consent: Consent, now: number): EntryStatus {
  if (consent.status === 'Revoked' || consent.status === 'Rejected') {
    return { status: 'Inactive', reason: consent.status, endedAt: consent.statusUpdateDateTime };
  }
  const expires = consent.expirationDateTime ? Date.parse(consent.expirationDateTime) / 1000 : undefined;
  if (expires !== undefined && expires <= now) {
    return { status: 'Inactive', reason: 'Expired', endedAt: consent.expirationDateTime };
  }
  return { status: 'Active' };
}

export function grantStatus(grant: GrantFacts, now: number): EntryStatus {
  if (grant.grantId === undefined) {
    return {
      status: 'Inactive',
      reason: 'Revoked',
      endedAt: grant.revokedAt ? new Date(grant.revokedAt * 1000).toISOString() : undefined,
    };
  }
  if (grant.expiresAt <= now) {
    return { status: 'Inactive', reason: 'Expired', endedAt: new Date(grant.expiresAt * 1000).toISOString() };
  }
  return { status: 'Active' };
}

/**
 * Usage over the tokens of one entry: only access tokens carry resource calls (a refresh token's uses are
 * refreshes). The 30-day count adds the uses of access tokens issued in the last 30 days.
 */
export function usageOf(tokens: readonly TokenRecord[], now: number): UsageFacts {
  const access = tokens.filter((token) => token.kind === 'access');
  const lastUsedAt = access.reduce<number | undefined>(
    (latest, token) =>
      token.lastUsedAt !== undefined && (latest === undefined || token.lastUsedAt > latest) ? token.lastUsedAt : latest,
    undefined,
  );
  const usesLast30Days = access
    .filter((token) => token.issuedAt > now - 30 * DAY)
    .reduce((sum, token) => sum + (token.uses ?? 0), 0);
  const recent = access
    .flatMap((token) => recordedAccesses(token))
    .sort((a, b) => b.at - a.at)
    .slice(0, RECENT_ACCESSES);
  return { ...(lastUsedAt !== undefined ? { lastUsedAt } : {}), usesLast30Days, recent };
}

/** The ring slots (`recentUse0..N`) the token's use write fills; unfilled slots are absent. */
function recordedAccesses(token: TokenRecord): RecordedAccess[] {
  const slots = token as unknown as Record<string, unknown>;
  const found: RecordedAccess[] = [];
  for (let slot = 0; slot < ACCESS_RING_SLOTS; slot++) {
    const entry = slots[`${ACCESS_RING_PREFIX}${slot}`] as Partial<RecordedAccess> | undefined;
    if (typeof entry?.at === 'number' && typeof entry.api === 'string' && typeof entry.interactionId === 'string') {
      found.push({ at: entry.at, api: entry.api, interactionId: entry.interactionId });
    }
  }
  return found;
}

/**
 * Each resource call writes its access into one of these slots of its token item, in the same conditional
 * UpdateItem that checks and counts the use (no second write). The slot is drawn at random: the newest access
 * is always kept, older ones survive while the slots last, and the item never grows.
 */
export const ACCESS_RING_SLOTS = 10;
export const ACCESS_RING_PREFIX = 'recentUse';
