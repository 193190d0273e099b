/**
 * What a client's tokens have used, for the console's "Token Setting" tab. Quotas are per token: each access
 * token may be used `maxUses` times and each refresh token refreshed `maxUses` times, within the token's own
 * validity (`adapters/dynamodb/tokens.ts`, one conditional write per use). A change of the client's settings
 * applies to tokens issued from the next token request on; tokens already issued keep the validity and quota
 * they were issued with. So "the current window" of a quota is each active token's lifetime, and the summary
 * is per kind: how many tokens are active, their uses, and the one closest to its limit.
 */

import type { ActiveTokens, TokenStore } from '../../ports/store';
import type { TokenKind } from '../model';

/** At most this many of a client's tokens are read for the summary (a bounded Query); beyond it, "at least". */
export const USAGE_READ_LIMIT = 1000;

export interface TokenUsageDeps {
  readonly tokens: Pick<TokenStore, 'activeOf'>;
}

function kindUsage(tokens: ActiveTokens['tokens'], kind: TokenKind) {
  const ofKind = tokens.filter((token) => token.kind === kind);
  // Closest to its quota first (a limited token at 2 of 3 before an unlimited one used 5 times).
  const share = (t: { uses: number; maxUses: number }) => (t.maxUses > 0 ? t.uses / t.maxUses : 0);
  const busiest = ofKind.reduce<(typeof ofKind)[number] | undefined>(
    (best, t) => (!best || share(t) > share(best) || (share(t) === share(best) && t.uses > best.uses) ? t : best),
    undefined,
  );
  return {
    active: ofKind.length,
    uses: ofKind.reduce((sum, t) => sum + t.uses, 0),
    busiest: busiest ? { uses: busiest.uses, max_uses: busiest.maxUses } : null,
  };
}

export async function tokenUsage(deps: TokenUsageDeps, clientId: string, now: number) {
  const { tokens, more } = await deps.tokens.activeOf(clientId, now, USAGE_READ_LIMIT);
  return {
    access_tokens: kindUsage(tokens, 'access'),
    refresh_tokens: kindUsage(tokens, 'refresh'),
    /** False: more tokens are active than were read; the counts are lower bounds. */
    complete: !more,
  };
}
export type TokenUsageRecord = Awaited<ReturnType<typeof tokenUsage>>;
