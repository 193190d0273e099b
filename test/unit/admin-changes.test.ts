/**
 * The administration use-cases (domain/admin/changes.ts) that the mTLS admin API and the admin console share,
 * against an in-memory AdminStore that keeps versions and refuses stale commits as the DynamoDB one does.
 */
import {
  type AdminDeps,
  auditTrail,
  listClients,
  pageRequest,
  putApi,
  registerApi,
  replaceJosePolicy,
  replaceTokenSettings,
} from '../../lambdas/domain/admin/changes';
import { type Client, parseClient, type TokenSettings } from '../../lambdas/domain/client';
import { type ApiDefinition, SAMPLE_CATALOG } from '../../lambdas/domain/gateway/catalog';
import { OAuthError } from '../../lambdas/errors';
import { type Actor, type AuditEntry, ConflictingChange, InvalidCursor } from '../../lambdas/ports/admin';

const STAFF: Actor = { kind: 'staff', id: 'staff-admin', name: 'Alex Admin' };
const AT = '2026-12-01T10:00:00.000Z';

function fakeDeps(clients: Client[], apis: readonly ApiDefinition[] = SAMPLE_CATALOG) {
  const settings = new Map(clients.map((c) => [c.clientId, { value: c.tokenSettings, version: 0 }]));
  const catalog = new Map(apis.map((a) => [a.apiId, { value: a, version: 0 }]));
  const log: AuditEntry[] = [];
  const deps: AdminDeps = {
    clients: { get: async (id) => clients.find((c) => c.clientId === id) },
    checkUpstreamUrl: async () => {},
    audit: {
      list: async (entity, limit) =>
        log
          .filter((e) => e.entity === entity)
          .reverse()
          .slice(0, limit),
      recent: async (limit) => [...log].reverse().slice(0, limit),
    },
    store: {
      tokenSettings: async (id) => settings.get(id),
      api: async (id) => catalog.get(id),
      clients: async ({ limit, cursor }) => {
        if (cursor !== undefined && !clients.some((c) => c.clientId === cursor)) throw new InvalidCursor('bad');
        const sorted = [...clients].sort((a, b) => a.clientId.localeCompare(b.clientId));
        const from = cursor === undefined ? 0 : sorted.findIndex((c) => c.clientId === cursor) + 1;
        const items = sorted.slice(from, from + limit);
        return { items, ...(from + limit < sorted.length ? { cursor: items.at(-1)!.clientId } : {}) };
      },
      apis: async () => ({ items: [...catalog.values()] }),
      async commit(change, entry) {
        if (change.kind === 'token-settings') {
          const current = settings.get(change.clientId);
          if (current?.version !== change.version) throw new ConflictingChange('lost');
          settings.set(change.clientId, { value: change.settings as TokenSettings, version: change.version + 1 });
        } else if (change.kind === 'api') {
          const current = catalog.get(change.api.apiId);
          if (current?.version !== change.version) throw new ConflictingChange('lost');
          catalog.set(change.api.apiId, { value: change.api, version: (change.version ?? 0) + 1 });
        } else {
          throw new Error('no review changes in these tests');
        }
        log.push(entry);
      },
    },
  };
  return { deps, log, settings, catalog };
}

const client = (clientId: string) =>
  parseClient({
    clientId,
    clientName: `Client ${clientId}`,
    tokenEndpointAuthMethod: 'tls_client_auth',
    tlsClientAuthSubjectDn: `CN=${clientId}`,
    scopes: ['accounts'],
    grantTypes: ['client_credentials'],
  });

const SCENARIO_1 = {
  access_token_ttl: 86_400,
  access_token_max_uses: 3,
  refresh_token_ttl: 604_800,
  refresh_token_max_uses: 3,
};

describe('token settings', () => {
  it('are replaced with an audit record naming the staff member, before and after', async () => {
    // Prepare
    const { deps, log } = fakeDeps([client('tsp2')]);
    // Act
    const saved = await replaceTokenSettings(deps, { actor: STAFF, at: AT, ifVersion: 0 }, 'tsp2', SCENARIO_1);
    // Assess
    expect(saved).toEqual({ value: SCENARIO_1, version: 1 });
    expect(log).toEqual([
      {
        entity: 'client:tsp2',
        at: AT,
        actor: STAFF,
        action: 'token-settings.replace',
        before: {
          access_token_ttl: null,
          access_token_max_uses: 0,
          refresh_token_ttl: null,
          refresh_token_max_uses: 0,
        },
        after: SCENARIO_1,
      },
    ]);
  });

  it('refuses a save made on an older version than the stored one, and writes nothing', async () => {
    // Prepare: a colleague saved first (version 0 -> 1)
    const { deps, log, settings } = fakeDeps([client('tsp2')]);
    await replaceTokenSettings(deps, { actor: STAFF, at: AT, ifVersion: 0 }, 'tsp2', SCENARIO_1);
    // Act
    const stale = replaceTokenSettings(deps, { actor: STAFF, at: AT, ifVersion: 0 }, 'tsp2', {
      access_token_max_uses: 9,
    });
    // Assess
    await expect(stale).rejects.toMatchObject({ error: 'conflict', status: 409 });
    expect(log).toHaveLength(1);
    expect(settings.get('tsp2')).toEqual({ value: expect.objectContaining({ accessTokenMaxUses: 3 }), version: 1 });
  });

  it('answers 404 for a client that does not exist', async () => {
    // Prepare
    const { deps } = fakeDeps([]);
    // Act
    const missing = replaceTokenSettings(deps, { actor: STAFF, at: AT }, 'nobody', SCENARIO_1);
    // Assess
    await expect(missing).rejects.toMatchObject({ error: 'not_found', status: 404 });
  });
});

describe('JOSE policies', () => {
  it('refuses request JWE on a GET with the reason, in wire names, and changes nothing', async () => {
    // Prepare
    const { deps, log } = fakeDeps([]);
    // Act
    const refused = replaceJosePolicy(deps, { actor: STAFF, at: AT }, 'GET.demandDeposit.accounts', {
      request: 'jwe',
      response: 'jwe',
    });
    // Assess
    await expect(refused).rejects.toThrow(OAuthError);
    await expect(refused).rejects.toMatchObject({
      error: 'invalid_request',
      description:
        'jose_policy.request: a GET request has no body to protect: the request policy of a GET API must be none, not jwe',
    });
    expect(log).toEqual([]);
  });

  it('sets request JWS and response JWE on roadside assistance, audited as a policy change', async () => {
    // Prepare
    const { deps, log, catalog } = fakeDeps([]);
    const id = 'POST.creditCards.roadsideAssistance';
    // Act
    const saved = await replaceJosePolicy(deps, { actor: STAFF, at: AT, ifVersion: 0 }, id, {
      request: 'jws',
      response: 'jwe',
    });
    // Assess
    expect(saved).toEqual({ value: { request: 'jws', response: 'jwe' }, version: 1 });
    expect(catalog.get(id)!.value.josePolicy).toEqual({ request: 'jws', response: 'jwe' });
    expect(log[0]).toMatchObject({ entity: `api:${id}`, action: 'jose-policy.replace', actor: STAFF });
  });
});

describe('registering an API', () => {
  it('creates a new one (before: null) and refuses If-Match on an API that does not exist', async () => {
    // Prepare
    const { deps, log } = fakeDeps([]);
    const fields = {
      name: 'Loan offers',
      method: 'GET',
      path: '/loans/offers',
      scopeGroup: 'credit_cards',
      backend: { type: 'upstream', url: 'https://core.bank.example/loans' },
    };
    // Act
    const created = await putApi(deps, { actor: STAFF, at: AT }, 'GET.loans.offers', fields);
    const phantom = putApi(deps, { actor: STAFF, at: AT, ifVersion: 2 }, 'GET.loans.other', {
      ...fields,
      path: '/loans/other',
    });
    // Assess
    expect(created).toMatchObject({ created: true, version: 1, value: { api_id: 'GET.loans.offers' } });
    expect(log[0]).toMatchObject({ action: 'definition.create', before: null });
    await expect(phantom).rejects.toMatchObject({ error: 'conflict' });
  });
});

describe('listings', () => {
  it('hand out bounded pages with a cursor, and refuse a limit out of bounds', async () => {
    // Prepare
    const { deps } = fakeDeps(['c', 'a', 'b'].map(client));
    // Act
    const first = await listClients(deps, pageRequest('2', undefined));
    const second = await listClients(deps, pageRequest('2', first.cursor));
    // Assess
    expect(first.items.map((c) => c.client_id)).toEqual(['a', 'b']);
    expect(second).toEqual({ items: [expect.objectContaining({ client_id: 'c' })] });
    expect(() => pageRequest('0', undefined)).toThrow('limit must be 1 to 100');
    expect(() => pageRequest('101', undefined)).toThrow('limit must be 1 to 100');
    await expect(listClients(deps, pageRequest('2', 'forged'))).rejects.toMatchObject({ error: 'invalid_request' });
  });

  it('show the audit log of every entity newest first, or of one entity', async () => {
    // Prepare
    const { deps } = fakeDeps([client('tsp2')]);
    await replaceTokenSettings(deps, { actor: STAFF, at: AT }, 'tsp2', SCENARIO_1);
    await replaceJosePolicy(deps, { actor: STAFF, at: AT }, 'GET.demandDeposit.accounts', {
      request: 'none',
      response: 'jwe',
    });
    // Act
    const all = await auditTrail(deps, undefined);
    const one = await auditTrail(deps, 'client:tsp2');
    // Assess
    expect(all.map((e) => e.entity)).toEqual(['api:GET.demandDeposit.accounts', 'client:tsp2']);
    expect(one.map((e) => e.entity)).toEqual(['client:tsp2']);
    await expect(auditTrail(deps, 'session:x')).rejects.toMatchObject({ error: 'invalid_request' });
  });
});

describe('registering from the console', () => {
  it('registers under the key of method and path, and refuses one that exists instead of replacing it', async () => {
    // Prepare
    const { deps, catalog } = fakeDeps([]);
    const fields = {
      name: 'Loan offers',
      method: 'GET',
      path: '/loans/offers',
      scopeGroup: 'credit_cards',
      backend: { type: 'sample-bank', operation: 'time-deposit-balances' },
    };
    // Act
    const registered = await registerApi(deps, { actor: STAFF, at: AT }, fields);
    const again = registerApi(deps, { actor: STAFF, at: AT }, { ...fields, name: 'Other' });
    // Assess
    expect(registered).toMatchObject({ version: 1, value: { api_id: 'GET.loans.offers', name: 'Loan offers' } });
    await expect(again).rejects.toMatchObject({ error: 'conflict', description: expect.stringContaining('already') });
    expect(catalog.get('GET.loans.offers')!.value.name).toBe('Loan offers');
  });
});
