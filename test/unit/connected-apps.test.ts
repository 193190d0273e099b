import { ACCESS_RING_PREFIX, consentStatus, grantStatus, usageOf } from '../../lambdas/domain/connected-apps';
import type { Consent, TokenRecord } from '../../lambdas/domain/model';

const NOW = 1_800_000_000;
const DAY = 24 * 3600;

function token(overrides: Partial<TokenRecord> & Record<string, unknown>): TokenRecord {
  return {
    tokenHash: `h-${Math.random()}`,
    kind: 'access',
    clientId: 'tsp2',
    scope: 'openid accounts',
    certThumbprint: 't',
    issuedAt: NOW - DAY,
    expiresAt: NOW - DAY + 300,
    uses: 0,
    maxUses: 0,
    revoked: false,
    ...overrides,
  } as TokenRecord;
}

const consent = (overrides: Partial<Consent>): Consent => ({
  consentId: 'aac-1',
  clientId: 'tsp2',
  status: 'Authorised',
  permissions: ['ReadAccountsBasic'],
  creationDateTime: '2026-11-01T00:00:00Z',
  statusUpdateDateTime: '2026-11-01T00:05:00Z',
  risk: {},
  ...overrides,
});

describe('usageOf', () => {
  it('takes the latest use, adds the uses of access tokens issued in the last 30 days, and orders recent accesses', () => {
    // Prepare
    const access = (at: number, id: string) => ({ at, api: 'GET /open-banking/v3.1/aisp/accounts', interactionId: id });
    const tokens = [
      token({ uses: 3, lastUsedAt: NOW - 100, [`${ACCESS_RING_PREFIX}1`]: access(NOW - 100, 'b') }),
      token({ uses: 2, lastUsedAt: NOW - 50, [`${ACCESS_RING_PREFIX}4`]: access(NOW - 50, 'a') }),
      token({ uses: 7, issuedAt: NOW - 31 * DAY, lastUsedAt: NOW - 31 * DAY }),
      // A refresh token's uses are refreshes, not resource calls.
      token({ kind: 'refresh', uses: 5, lastUsedAt: NOW - 10 }),
    ];

    // Act
    const usage = usageOf(tokens, NOW);

    // Assess
    expect(usage.lastUsedAt).toBe(NOW - 50);
    expect(usage.usesLast30Days).toBe(5);
    expect(usage.recent.map((r) => r.interactionId)).toEqual(['a', 'b']);
  });

  it('never used: no last use, zero uses, no history', () => {
    expect(usageOf([token({})], NOW)).toEqual({ usesLast30Days: 0, recent: [] });
  });
});

describe('entry status', () => {
  it('Active, or Inactive with why and when', () => {
    expect(consentStatus(consent({}), NOW)).toEqual({ status: 'Active' });
    expect(consentStatus(consent({ status: 'Revoked' }), NOW)).toEqual({
      status: 'Inactive',
      reason: 'Revoked',
      endedAt: '2026-11-01T00:05:00Z',
    });
    expect(consentStatus(consent({ status: 'Rejected' }), NOW)).toMatchObject({ reason: 'Rejected' });
    expect(consentStatus(consent({ expirationDateTime: '2020-01-01T00:00:00Z' }), NOW)).toEqual({
      status: 'Inactive',
      reason: 'Expired',
      endedAt: '2020-01-01T00:00:00Z',
    });
    expect(grantStatus({ clientId: 'tsp2', grantId: 'g', expiresAt: NOW + 1 }, NOW)).toEqual({ status: 'Active' });
    expect(grantStatus({ clientId: 'tsp2', revokedGrantId: 'g', expiresAt: NOW + 1 }, NOW)).toMatchObject({
      status: 'Inactive',
      reason: 'Revoked',
    });
  });
});
