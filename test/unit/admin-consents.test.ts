/**
 * The admin console's consent use-cases over in-memory fakes: revoking goes through `domain/revocation.ts`
 * (consent or grant first, then its tokens swept) and is audited with the staff member; lists are bounded.
 */
import {
  CONSENT_PAGE,
  type ConsentAdminDeps,
  findConsents,
  revokeAllOfFintech,
  revokeConsentAsAdmin,
} from '../../lambdas/domain/admin/consents';
import type { TokenRecord } from '../../lambdas/domain/model';
import type { AuditEntry } from '../../lambdas/ports/admin';
import type { CurrentGrant, GrantRegistry } from '../../lambdas/ports/store';
import { authorisedConsent, memoryAuthorizations, memoryConsents, memoryTokens, NOW, tppClient } from './grants-fakes';

const STAFF = { actor: { kind: 'staff', id: 'sub-ada', name: 'Ada Admin' }, at: '2026-12-01T10:00:00.000Z' } as const;

function memoryGrants(current: Map<string, string>): GrantRegistry {
  const ended = new Map<string, CurrentGrant>();
  return {
    async replace() {
      throw new Error('not used');
    },
    async revoke(clientId, subject) {
      const key = `${clientId} ${subject}`;
      const grantId = current.get(key);
      if (grantId !== undefined) {
        current.delete(key);
        ended.set(key, { grantId });
      }
      return ended.get(key);
    },
    listBySubject: async () => [],
    subjectsOf: async (clientId) =>
      [...current.keys(), ...ended.keys()].filter((k) => k.startsWith(`${clientId} `)).map((k) => k.split(' ')[1]!),
  };
}

function fakeDeps() {
  const consents = memoryConsents([
    authorisedConsent({ consentId: 'aac-1', subject: 'steve' }),
    authorisedConsent({ consentId: 'aac-2', subject: 'anne' }),
    authorisedConsent({ consentId: 'aac-3', subject: 'steve', clientId: 'tpp-b' }),
    authorisedConsent({ consentId: 'aac-4', subject: 'anne', status: 'Rejected' }),
  ]);
  const currentGrants = new Map([['tpp-a anne', 'grant-9']]);
  const tokens = memoryTokens({ consents, currentGrants });
  const token = (tokenHash: string, fields: Partial<TokenRecord>) =>
    tokens.records.set(tokenHash, { tokenHash, revoked: false, ...fields } as TokenRecord);
  token('t-1', { consentId: 'aac-1', grantId: 'g-1' });
  token('t-2', { consentId: 'aac-2', grantId: 'g-2' });
  token('t-3', { consentId: 'aac-3', grantId: 'g-3' });
  token('t-9', { grantId: 'grant-9' });
  const log: AuditEntry[] = [];
  const deps: ConsentAdminDeps = {
    consents,
    tokens,
    authorizations: memoryAuthorizations(),
    grants: memoryGrants(currentGrants),
    clients: { get: async (id) => (id === 'tpp-a' ? tppClient() : undefined) },
    audit: { record: async (entry) => void log.push(entry) },
  };
  return { deps, consents, tokens, log };
}

const revoked = (tokens: ReturnType<typeof fakeDeps>['tokens']) =>
  [...tokens.records.values()].filter((t) => t.revoked).map((t) => t.tokenHash);

describe('findConsents', () => {
  it("lists a customer's consents with the fintech's name, and at most CONSENT_PAGE of a fintech's", async () => {
    // Prepare
    const { deps, consents } = fakeDeps();
    for (let i = 0; i < CONSENT_PAGE + 5; i++) await consents.create(authorisedConsent({ consentId: `many-${i}` }));
    // Act
    const steve = await findConsents(deps, { customer: 'steve' }, NOW);
    const fintech = await findConsents(deps, { fintech: 'tpp-a' }, NOW);
    // Assess
    expect(steve.items.map((c) => [c.consent_id, c.client_name])).toEqual([
      ['aac-1', 'Enjoy Life'],
      ['aac-3', 'tpp-b'],
    ]);
    expect(steve.more).toBe(false);
    expect(fintech.items).toHaveLength(CONSENT_PAGE);
    expect(fintech.more).toBe(true);
  });
});

describe('revokeConsentAsAdmin', () => {
  it('revokes the consent and its tokens only, and audits it under the staff member', async () => {
    // Prepare
    const { deps, consents, tokens, log } = fakeDeps();
    // Act
    const result = await revokeConsentAsAdmin(deps, STAFF, 'aac-1', NOW);
    // Assess
    expect(result).toEqual({ consent_id: 'aac-1', tokens_revoked: 1 });
    expect(consents.records.get('aac-1')?.status).toBe('Revoked');
    expect(revoked(tokens)).toEqual(['t-1']);
    expect(log).toEqual([
      expect.objectContaining({ entity: 'consent:aac-1', action: 'consent.revoke', actor: STAFF.actor }),
    ]);
  });

  it('answers not_found for an unknown consent and writes nothing', async () => {
    const { deps, log } = fakeDeps();
    await expect(revokeConsentAsAdmin(deps, STAFF, 'nope', NOW)).rejects.toMatchObject({ status: 404 });
    expect(log).toEqual([]);
  });
});

describe('revokeAllOfFintech', () => {
  it("ends every customer's consents and consent-less grants of the fintech, not another fintech's", async () => {
    // Prepare
    const { deps, consents, tokens, log } = fakeDeps();
    // Act
    const result = await revokeAllOfFintech(deps, STAFF, 'tpp-a', NOW);
    // Assess
    expect(result).toEqual({ consents_revoked: 2, grants_revoked: 1, tokens_revoked: 3 });
    expect(revoked(tokens).sort()).toEqual(['t-1', 't-2', 't-9']);
    expect(consents.records.get('aac-3')?.status).toBe('Authorised');
    expect(consents.records.get('aac-4')?.status).toBe('Rejected');
    expect(log.map((e) => e.entity).sort()).toEqual(['consent:aac-1', 'consent:aac-2', 'grant:tpp-a:anne']);
  });
});
