/**
 * The console's summary of a client's tokens over the in-memory token store: only unexpired, unrevoked tokens
 * of that client count, per kind, with the one closest to its quota; beyond the read limit it says so.
 */
import { tokenUsage, USAGE_READ_LIMIT } from '../../lambdas/domain/admin/token-usage';
import type { TokenRecord } from '../../lambdas/domain/model';
import { memoryTokens, NOW } from './grants-fakes';

let serial = 0;
function token(overrides: Partial<TokenRecord>): TokenRecord {
  serial += 1;
  return {
    tokenHash: `hash-${serial}`,
    kind: 'access',
    clientId: 'tsp2',
    scope: 'time_deposits',
    certThumbprint: 'thumb',
    issuedAt: NOW - 60,
    expiresAt: NOW + 3600,
    uses: 0,
    maxUses: 0,
    revoked: false,
    ...overrides,
  };
}

describe('tokenUsage', () => {
  it('counts the active tokens of the client per kind and names the one closest to its limit', async () => {
    // Prepare
    const tokens = memoryTokens();
    for (const record of [
      token({ uses: 2, maxUses: 3 }),
      token({ uses: 5, maxUses: 0 }),
      token({ uses: 1, maxUses: 3 }),
      token({ kind: 'refresh', uses: 1, maxUses: 3 }),
      token({ uses: 3, maxUses: 3, revoked: true }),
      token({ uses: 3, maxUses: 3, expiresAt: NOW }),
      token({ clientId: 'other', uses: 3, maxUses: 3 }),
    ])
      await tokens.put(record);

    // Act
    const usage = await tokenUsage({ tokens }, 'tsp2', NOW);

    // Assess
    expect(usage).toEqual({
      access_tokens: { active: 3, uses: 8, busiest: { uses: 2, max_uses: 3 } },
      refresh_tokens: { active: 1, uses: 1, busiest: { uses: 1, max_uses: 3 } },
      complete: true,
    });
  });

  it('says when more tokens are active than it reads', async () => {
    // Prepare
    const tokens = memoryTokens();
    for (let i = 0; i <= USAGE_READ_LIMIT; i++) await tokens.put(token({}));

    // Act
    const usage = await tokenUsage({ tokens }, 'tsp2', NOW);

    // Assess
    expect(usage.complete).toBe(false);
    expect(usage.access_tokens.active).toBe(USAGE_READ_LIMIT);
  });

  it('has nothing to say about a client without active tokens', async () => {
    expect(await tokenUsage({ tokens: memoryTokens() }, 'tsp2', NOW)).toEqual({
      access_tokens: { active: 0, uses: 0, busiest: null },
      refresh_tokens: { active: 0, uses: 0, busiest: null },
      complete: true,
    });
  });
});
