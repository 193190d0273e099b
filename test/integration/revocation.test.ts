/**
 * Revocation nobody can outrun, on the in-process sandbox over HTTPS + mTLS (dynalite with transactions):
 * once a revocation is acknowledged — TPP DELETE of a consent, a consent-less grant's end (customer "stop
 * sharing", re-authorisation), a certificate on the revocation list — no token of it works, including tokens
 * that refreshes racing the revocation were issued. Also introspection of a token whose quota is used up.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as x509 from '@peculiar/x509';
import { Agent, fetch } from 'undici';
import { endReplacedGrant, revokeGrant } from '../../lambdas/domain/revocation';
import { hashSecret } from '../../lambdas/domain/tokens';
import { certificateThumbprint } from '../../lambdas/http/request';
import { tableName } from '../../lambdas/tables';
import { wiring } from '../../lambdas/wiring';
import { formatDn } from '../../sandbox/event';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { seedAuthorisedConsent, seedAuthorizationCode } from '../support/seeded-grants';

jest.setTimeout(120_000);

const CLIENT = 'tpp-fapi1';
const ADMIN = 'bank-admin';
const CUSTOMER = 'steve';
const ACCOUNTS = '/open-banking/v3.1/aisp/accounts';
const CONSENTS = '/open-banking/v3.1/aisp/account-access-consents';
const RACERS = 20;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

let sandbox: TestSandbox;
let tppToken: string;
let adminToken: string;
let redirectUri: string;
/** One keep-alive agent per client, patient with TLS handshakes of 40 racing requests on a busy machine. */
const agents: Record<string, Agent> = {};

async function send(
  clientId: string,
  path: string,
  init: { method?: string; form?: Record<string, string>; json?: unknown; bearer?: string } = {},
): Promise<Answer> {
  const response = await fetch(`${sandbox.manifest.mtls_base_url}${path}`, {
    method: init.method ?? (init.form || init.json !== undefined ? 'POST' : 'GET'),
    headers: {
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.bearer ? { authorization: `Bearer ${init.bearer}` } : {}),
    },
    body: init.form ? new URLSearchParams(init.form).toString() : init.json ? JSON.stringify(init.json) : undefined,
    dispatcher: agents[clientId],
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

const tokenRequest = (form: Record<string, string>) => send(CLIENT, '/token', { form: { client_id: CLIENT, ...form } });
const refresh = (refreshToken: string) => tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken });
const accountsCall = (accessToken: string) => send(CLIENT, ACCOUNTS, { bearer: accessToken });
const introspect = (token: string) => send(CLIENT, '/introspect', { form: { client_id: CLIENT, token } });
const admin = (method: string, path: string, json?: unknown) => send(ADMIN, path, { method, json, bearer: adminToken });

async function clientCredentials(clientId: string, scope: string): Promise<string> {
  const answer = await send(clientId, '/token', {
    form: { client_id: clientId, grant_type: 'client_credentials', scope },
  });
  expect(answer.status).toBe(200);
  return answer.body.access_token as string;
}

/** Redeems a fresh code of `consentId` (or of the registry's consent-less grant) for access + refresh tokens. */
async function redeem(consentId?: string): Promise<{ access: string; refresh: string }> {
  const grantId = randomBytes(16).toString('base64url');
  if (consentId === undefined)
    await wiring.grantRegistry.replace(CLIENT, CUSTOMER, { grantId }, Math.floor(Date.now() / 1000) + 3600);
  const { code, verifier } = await seedAuthorizationCode(wiring.stores, {
    grantId,
    clientId: CLIENT,
    consentId,
    redirectUri,
    scope: 'openid accounts',
    lifetime: 60,
  });
  const answer = await tokenRequest({
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
  });
  expect(answer.status).toBe(200);
  return { access: answer.body.access_token as string, refresh: answer.body.refresh_token as string };
}

const BARRIER = 'revocationTestIssuanceBarrier';

/**
 * The worst interleaving, made certain: every token write (a token PutItem, or a transaction that puts a
 * token) waits until `release()`, so the refreshes have passed every check before the revocation and write
 * after it is acknowledged.
 */
function holdIssuance() {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let held = 0;
  const tokens = tableName('tokens');
  wiring.documentClient.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as {
        TableName?: string;
        Item?: unknown;
        TransactItems?: { Put?: { TableName?: string } }[];
      };
      const issuing =
        (input.TableName === tokens && input.Item !== undefined) ||
        (input.TransactItems ?? []).some((item) => item.Put?.TableName === tokens);
      if (issuing) {
        held += 1;
        await gate;
      }
      return next(args);
    },
    { step: 'initialize', name: BARRIER, override: true },
  );
  return {
    /** Resolves once `count` token writes are waiting. */
    async waitFor(count: number) {
      while (held < count) await new Promise((resolve) => setTimeout(resolve, 20));
    },
    release() {
      wiring.documentClient.middlewareStack.remove(BARRIER);
      open();
    },
  };
}

/** Access tokens the racing refreshes obtained (whenever they finished). */
const issuedBy = (answers: readonly Answer[]) =>
  answers.filter((a) => a.status === 200).map((a) => a.body.access_token as string);

beforeAll(async () => {
  sandbox = await startTestSandbox();
  for (const clientId of [CLIENT, ADMIN]) {
    const { cert, key } = sandbox.client(clientId);
    agents[clientId] = new Agent({
      connect: { ca: sandbox.caPem, cert: readFileSync(cert), key: readFileSync(key), timeout: 60_000 },
    });
  }
  redirectUri = sandbox.client(CLIENT).redirect_uris[0]!;
  [tppToken, adminToken] = await Promise.all([
    clientCredentials(CLIENT, 'accounts'),
    clientCredentials(ADMIN, 'admin'),
  ]);
});

afterAll(async () => {
  await Promise.all(Object.values(agents).map((agent) => agent.close()));
  await sandbox?.stop();
});

describe('revoking a consent (TPP DELETE)', () => {
  it(`leaves no usable token once DELETE returns, with ${RACERS} refreshes and ${RACERS} resource calls racing it`, async () => {
    // Prepare
    const consentId = await seedAuthorisedConsent(wiring.stores, CLIENT);
    const tokens = await redeem(consentId);
    expect((await accountsCall(tokens.access)).status).toBe(200);

    // Act: the DELETE is sent amid the racing calls; whatever it returns, nothing may work afterwards.
    const refreshes = Array.from({ length: RACERS }, () => refresh(tokens.refresh));
    const calls = Array.from({ length: RACERS }, () => accountsCall(tokens.access));
    const deleted = await send(CLIENT, `${CONSENTS}/${consentId}`, { method: 'DELETE', bearer: tppToken });
    const afterwards = await Promise.all([
      refresh(tokens.refresh),
      accountsCall(tokens.access),
      ...issuedBy(await Promise.all(refreshes)).map(accountsCall),
    ]);
    await Promise.all(calls);

    // Assess
    expect(deleted.status).toBe(204);
    expect(afterwards.filter((answer) => answer.status === 200)).toEqual([]);
    expect(afterwards[0]).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(afterwards.slice(1).every((answer) => answer.status === 401)).toBe(true);
  });

  it(`leaves no usable token when ${RACERS} refreshes passed every check before the DELETE and write after it`, async () => {
    // Prepare
    const consentId = await seedAuthorisedConsent(wiring.stores, CLIENT);
    const tokens = await redeem(consentId);
    const barrier = holdIssuance();
    const refreshes = Array.from({ length: RACERS }, () => refresh(tokens.refresh));
    await barrier.waitFor(RACERS);

    // Act
    const deleted = await send(CLIENT, `${CONSENTS}/${consentId}`, { method: 'DELETE', bearer: tppToken });
    barrier.release();
    const raced = await Promise.all(refreshes);
    const issued = issuedBy(raced);
    const calls = await Promise.all(issued.map(accountsCall));

    // Assess
    expect(deleted.status).toBe(204);
    expect(calls.filter((answer) => answer.status === 200)).toEqual([]);
    expect(raced.map((answer) => answer.status)).toEqual(raced.map(() => 400));
  });
});

describe('ending a consent-less grant', () => {
  it.each([
    [
      "the customer's stop sharing (revokeGrant)",
      (now: number) =>
        revokeGrant({ ...wiring.stores, grants: wiring.grantRegistry }, CLIENT, CUSTOMER, now).then(() => undefined),
    ],
    [
      're-authorisation (a new grant replaces it)',
      async (now: number) => {
        const replaced = await wiring.grantRegistry.replace(
          CLIENT,
          CUSTOMER,
          { grantId: randomBytes(16).toString('base64url') },
          now + 3600,
        );
        await endReplacedGrant(wiring.stores, replaced!, now);
      },
    ],
  ])('by %s leaves no usable token once acknowledged, with refreshes racing it', async (_name, end) => {
    // Prepare: the registry names the grant the seeded code carries.
    const now = Math.floor(Date.now() / 1000);
    const tokens = await redeem();
    const grantId = (await wiring.stores.tokens.get(hashSecret(tokens.access)))!.grantId!;
    expect(grantId).toEqual(expect.any(String));

    // Act: half the refreshes have passed their checks and write only after the end is acknowledged.
    const barrier = holdIssuance();
    const held = Array.from({ length: RACERS / 2 }, () => refresh(tokens.refresh));
    await barrier.waitFor(RACERS / 2);
    const racing = Array.from({ length: RACERS / 2 }, () => refresh(tokens.refresh));
    await end(now);
    barrier.release();
    const issued = issuedBy(await Promise.all([...held, ...racing]));
    const afterwards = await Promise.all([refresh(tokens.refresh), ...[tokens.access, ...issued].map(introspect)]);

    // Assess
    expect(afterwards[0]).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(afterwards.slice(1).map((answer) => answer.body)).toEqual(
      [tokens.access, ...issued].map(() => ({ active: false })),
    );
  });
});

describe('introspection (RFC 7662 §2.2)', () => {
  it('answers active: false for an access token whose usage quota is used up', async () => {
    // Prepare: a client_credentials token of the TPP limited to one use, then used once.
    const client = (await wiring.stores.clients.get(CLIENT))!;
    await wiring.stores.clients.put({ ...client, tokenSettings: { ...client.tokenSettings, accessTokenMaxUses: 1 } });
    const limited = await clientCredentials(CLIENT, 'accounts').finally(() => wiring.stores.clients.put(client));
    const before = await introspect(limited);
    await send(CLIENT, `${CONSENTS}/aac-none`, { bearer: limited });

    // Act
    const after = await introspect(limited);

    // Assess
    expect(before.body).toMatchObject({ active: true, uses: 0, max_uses: 1 });
    expect(after.body).toEqual({ active: false });
  });
});

describe('certificate revocation list (admin API)', () => {
  it('refuses a listed certificate at the token endpoint and its bound tokens on the next call, until lifted', async () => {
    // Prepare
    const consentId = await seedAuthorisedConsent(wiring.stores, CLIENT);
    const tokens = await redeem(consentId);
    expect((await accountsCall(tokens.access)).status).toBe(200);
    const entryId = `tpp-fapi1-${randomBytes(4).toString('hex')}`;
    const certificate = { thumbprint: certificateThumbprint(readFileSync(sandbox.client(CLIENT).cert, 'utf8')) };

    // Act
    const listed = await admin('PUT', `/admin/certificates/revoked/${entryId}`, {
      ...certificate,
      reason: 'keyCompromise',
    });
    const tokenRequestAfter = await tokenRequest({ grant_type: 'client_credentials', scope: 'accounts' });
    const resourceCallAfter = await accountsCall(tokens.access);
    const refreshAfter = await refresh(tokens.refresh);
    const list = await admin('GET', '/admin/certificates/revoked');
    const audit = await admin('GET', `/admin/audit?entity=certificate:${entryId}`);
    const lifted = await admin('DELETE', `/admin/certificates/revoked/${entryId}`);
    const tokenRequestLifted = await tokenRequest({ grant_type: 'client_credentials', scope: 'accounts' });

    // Assess
    expect(listed).toMatchObject({
      status: 201,
      body: { entry_id: entryId, reason: 'keyCompromise', revoked_by: { kind: 'client', id: ADMIN } },
    });
    expect(listed.body.tokens_revoked).toBeGreaterThanOrEqual(3);
    expect(tokenRequestAfter).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(resourceCallAfter.status).toBe(401);
    expect(refreshAfter.body.error).toBe('invalid_client');
    expect(list.body.entries).toEqual([expect.objectContaining({ entry_id: entryId, reason: 'keyCompromise' })]);
    expect(audit.body.changes).toEqual([
      expect.objectContaining({ actor: { kind: 'client', id: ADMIN }, action: 'revocation.create' }),
    ]);
    expect(lifted.status).toBe(204);
    expect(tokenRequestLifted.status).toBe(200);
    expect((await accountsCall(tokens.access)).status).toBe(401);
  });

  it('lists a certificate by issuer DN and serial number as well', async () => {
    // Prepare
    const pem = readFileSync(sandbox.client(CLIENT).cert, 'utf8');
    const parsed = new x509.X509Certificate(pem);
    const entry = { issuer_dn: formatDn(parsed.issuerName), serial_number: parsed.serialNumber, reason: 'superseded' };
    const entryId = `by-issuer-${randomBytes(4).toString('hex')}`;

    // Act
    const listed = await admin('PUT', `/admin/certificates/revoked/${entryId}`, entry);
    const refused = await tokenRequest({ grant_type: 'client_credentials', scope: 'accounts' });
    const duplicate = await admin('PUT', `/admin/certificates/revoked/${entryId}-again`, entry);
    const lifted = await admin('DELETE', `/admin/certificates/revoked/${entryId}`);
    const accepted = await tokenRequest({ grant_type: 'client_credentials', scope: 'accounts' });

    // Assess
    expect(listed.status).toBe(201);
    expect(refused).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(duplicate).toMatchObject({ status: 409, body: { error: 'conflict' } });
    expect(lifted.status).toBe(204);
    expect(accepted.status).toBe(200);
  });

  it('refuses a malformed entry with invalid_request and writes nothing', async () => {
    // Act
    const both = await admin('PUT', '/admin/certificates/revoked/bad-1', {
      thumbprint: 'A'.repeat(43),
      issuer_dn: 'CN=x',
      serial_number: '01',
      reason: 'keyCompromise',
    });
    const badReason = await admin('PUT', '/admin/certificates/revoked/bad-2', {
      thumbprint: 'A'.repeat(43),
      reason: 'lost',
    });
    const entry = await admin('GET', '/admin/certificates/revoked/bad-1');

    // Assess
    expect(both).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(badReason).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(entry.status).toBe(404);
  });
});
