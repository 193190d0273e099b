/**
 * Issue 5, administration under concurrency and faults, on the in-process sandbox over HTTPS + mTLS as the
 * bank's administrator: every change is one DynamoDB transaction with its audit record, conditional on the
 * version that was read. Concurrent PUTs never lose an update (a lost race is 409 `conflict` and writes
 * nothing), the audit trail is an unbroken chain of before/after, and a store fault on the transaction
 * leaves neither the change nor its record.
 */
import { fetch } from 'undici';
import { wiring } from '../../lambdas/wiring';
import { injectStoreFaults, type StoreFaults } from '../support/faults';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

jest.setTimeout(60_000);

const ADMIN = 'bank-admin';
const CLIENT = 'tsp2';
const SETTINGS = `/admin/clients/${CLIENT}/token-settings`;
const BARRIER = 'adminTestSameVersionBarrier';

interface TokenSettingsWire {
  readonly access_token_ttl: number | null;
  readonly access_token_max_uses: number;
  readonly refresh_token_ttl: number | null;
  readonly refresh_token_max_uses: number;
}

interface AuditChange {
  readonly actor: { readonly kind: string; readonly id: string };
  readonly action: string;
  readonly before: TokenSettingsWire;
  readonly after: TokenSettingsWire;
}

let sandbox: TestSandbox;
let storeFaults: StoreFaults;
let adminToken: string;

async function send(
  method: 'GET' | 'PUT' | 'POST',
  path: string,
  body?: unknown,
  form?: Record<string, string>,
  extraHeaders: Record<string, string> = {},
) {
  const response = await fetch(`${sandbox.manifest.mtls_base_url}${path}`, {
    method,
    headers: form
      ? { 'content-type': 'application/x-www-form-urlencoded' }
      : { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...extraHeaders },
    body: form ? new URLSearchParams(form).toString() : body === undefined ? undefined : JSON.stringify(body),
    dispatcher: sandbox.mtlsAgent(ADMIN),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

const settingsNumber = (n: number): TokenSettingsWire => ({
  access_token_ttl: 3600 + n,
  access_token_max_uses: n,
  refresh_token_ttl: 86_400 + n,
  refresh_token_max_uses: n,
});

async function auditOfClient(): Promise<AuditChange[]> {
  return (await send('GET', `/admin/audit?entity=client:${CLIENT}`)).body.changes as AuditChange[];
}

/** Orders changes by their before/after chain from `start`; fails if any change does not continue it. */
function chainFrom(start: TokenSettingsWire, changes: readonly AuditChange[]): AuditChange[] {
  const left = [...changes];
  const chain: AuditChange[] = [];
  let current = start;
  while (left.length > 0) {
    const next = left.findIndex((change) => JSON.stringify(change.before) === JSON.stringify(current));
    if (next < 0) throw new Error(`no audited change starts from ${JSON.stringify(current)}: a lost update`);
    const [change] = left.splice(next, 1);
    chain.push(change!);
    current = change!.after;
  }
  return chain;
}

/**
 * Holds every transaction on the store until `count` have arrived: each of those requests has read the
 * client before any of them writes, so all of them read the same version.
 */
function holdTransactionsUntil(count: number): void {
  const waiting: (() => void)[] = [];
  wiring.documentClient.middlewareStack.add(
    (next, context) => async (args) => {
      if (!String(context.commandName).startsWith('TransactWrite')) return next(args);
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === count) for (const release of waiting) release();
      });
      return next(args);
    },
    { step: 'initialize', name: BARRIER, override: true },
  );
}

beforeAll(async () => {
  sandbox = await startTestSandbox();
  storeFaults = injectStoreFaults();
  const issued = await send('POST', '/token', undefined, {
    grant_type: 'client_credentials',
    client_id: ADMIN,
    scope: 'admin',
  });
  adminToken = issued.body.access_token as string;
});

afterEach(() => {
  wiring.documentClient.middlewareStack.remove(BARRIER);
  storeFaults.reset();
});

afterAll(async () => {
  await sandbox?.stop();
});

describe('concurrent changes of one client', () => {
  it('lets exactly one of 10 PUTs that read the same version through; the 9 others get 409 and write nothing', async () => {
    // Prepare
    const start = (await send('GET', SETTINGS)).body as unknown as TokenSettingsWire;
    const auditedBefore = (await auditOfClient()).length;
    holdTransactionsUntil(10);
    // Act
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => send('PUT', SETTINGS, settingsNumber(100 + i))),
    );
    // Assess
    const won = responses.filter((r) => r.status === 200);
    const lost = responses.filter((r) => r.status !== 200);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    for (const response of lost) {
      expect(response.status).toBe(409);
      expect(response.body).toEqual({
        error: 'conflict',
        error_description: `client:${CLIENT} was changed by another request; read it again and retry`,
      });
    }
    const audit = await auditOfClient();
    expect(audit).toHaveLength(auditedBefore + 1);
    expect(audit[0]).toMatchObject({
      actor: { kind: 'client', id: ADMIN },
      action: 'token-settings.replace',
      before: start,
      after: won[0]!.body,
    });
    expect((await send('GET', SETTINGS)).body).toEqual(won[0]!.body);
  });

  it('audits every PUT that succeeds in a free-for-all, as one unbroken before/after chain ending in the stored settings', async () => {
    // Prepare
    const start = (await send('GET', SETTINGS)).body as unknown as TokenSettingsWire;
    const auditedBefore = (await auditOfClient()).length;
    // Act
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => send('PUT', SETTINGS, settingsNumber(200 + i))),
    );
    // Assess
    const succeeded = responses.filter((r) => r.status === 200).map((r) => r.body);
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    expect(responses.filter((r) => r.status === 409)).toHaveLength(10 - succeeded.length);
    const audit = await auditOfClient();
    const changes = audit.slice(0, audit.length - auditedBefore);
    expect(changes).toHaveLength(succeeded.length);
    const chain = chainFrom(start, changes);
    expect(chain.map((change) => change.after).sort(byMaxUses)).toEqual([...succeeded].sort(byMaxUses));
    expect((await send('GET', SETTINGS)).body).toEqual(chain.at(-1)!.after);
  });
});

describe('a change conditional on the version the administrator read (If-Match)', () => {
  it('applies on the ETag just read and refuses a second change made on the same, now stale, read', async () => {
    // Prepare
    const read = await send('GET', SETTINGS);
    const etag = read.headers.get('etag')!;
    // Act
    const first = await send('PUT', SETTINGS, settingsNumber(400), undefined, { 'if-match': etag });
    const stale = await send('PUT', SETTINGS, settingsNumber(401), undefined, { 'if-match': etag });
    const malformed = await send('PUT', SETTINGS, settingsNumber(402), undefined, { 'if-match': 'W/"x"' });
    // Assess
    expect(etag).toMatch(/^"\d+"$/);
    expect(first.status).toBe(200);
    expect(first.headers.get('etag')).toBe(`"${Number(etag.slice(1, -1)) + 1}"`);
    expect(stale).toMatchObject({ status: 409, body: { error: 'conflict' } });
    expect(malformed.status).toBe(400);
    expect((await send('GET', SETTINGS)).body).toEqual(settingsNumber(400));
  });
});

describe('bounded lists for automation', () => {
  it('lists the registered clients and the API catalog in pages, continuing with the cursor', async () => {
    // Act
    const firstPage = await send('GET', '/admin/clients?limit=2');
    const rest = await send('GET', `/admin/clients?limit=100&cursor=${firstPage.body.cursor as string}`);
    const apis = await send('GET', '/admin/apis');
    const tooMany = await send('GET', '/admin/clients?limit=1000');
    const forged = await send('GET', '/admin/clients?cursor=bm90LWEtY3Vyc29y');
    // Assess
    const ids = [
      ...(firstPage.body.items as { client_id: string }[]),
      ...(rest.body.items as { client_id: string }[]),
    ].map((c) => c.client_id);
    expect(ids).toEqual([...sandbox.manifest.clients.map((c) => c.client_id)].sort());
    expect(rest.body.cursor).toBeUndefined();
    expect(firstPage.body.items).toEqual([
      expect.objectContaining({ client_id: 'bank-admin', token_endpoint_auth_method: 'tls_client_auth' }),
      expect.any(Object),
    ]);
    expect((apis.body.items as { path: string }[]).map((a) => a.path)).toEqual(
      expect.arrayContaining(['/demandDeposit/accounts', '/creditCards/roadsideAssistance']),
    );
    expect(tooMany.status).toBe(400);
    expect(forged).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });
});

const byMaxUses = (a: unknown, b: unknown) =>
  (a as TokenSettingsWire).access_token_max_uses - (b as TokenSettingsWire).access_token_max_uses;

describe('a store fault on the transaction', () => {
  it('answers 503 + Retry-After and leaves neither the change nor an audit record', async () => {
    // Prepare
    const settingsBefore = (await send('GET', SETTINGS)).body;
    const auditedBefore = (await auditOfClient()).length;
    const apiId = 'GET.faults.never';
    storeFaults.fail({ operation: 'TransactWriteItems', kind: 'serviceError', times: 2 });
    // Act
    const settings = await send('PUT', SETTINGS, settingsNumber(300));
    const api = await send('PUT', `/admin/apis/${apiId}`, {
      name: 'Never stored',
      method: 'GET',
      path: '/faults/never',
      scope_group: 'credit_cards',
      backend: { type: 'upstream', url: 'https://localhost/never' },
    });
    // Assess
    expect(storeFaults.failed.map((call) => call.operation)).toEqual(['TransactWriteItems', 'TransactWriteItems']);
    for (const response of [settings, api]) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.body).toEqual({ error: 'temporarily_unavailable', error_description: expect.any(String) });
    }
    expect((await send('GET', SETTINGS)).body).toEqual(settingsBefore);
    expect(await auditOfClient()).toHaveLength(auditedBefore);
    expect((await send('GET', `/admin/apis/${apiId}`)).status).toBe(404);
    expect((await send('GET', `/admin/audit?entity=api:${apiId}`)).body.changes).toEqual([]);
  });
});
