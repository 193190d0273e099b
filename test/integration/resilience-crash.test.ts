/**
 * Issue 6, crash safety: the sandbox process (handlers + dynalite on disk) is killed with SIGKILL in the
 * middle of a load of consent creations, code redemptions and quota-limited API calls, then started again
 * on the same data dir. Every consent acknowledged with 201 is still there, no code is redeemed twice and
 * no usage quota is exceeded.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fetch } from 'undici';
import { createStores, type Stores } from '../../lambdas/adapters/dynamodb';
import { hashSecret } from '../../lambdas/domain/tokens';
import { certificateThumbprint } from '../../lambdas/http/request';
import { allTables } from '../../lambdas/tables';
import { sandboxTableName } from '../../sandbox/dynamo';
import { type KillableSandbox, startKillableSandbox } from '../support/faults';
import type { TestSandbox } from '../support/sandbox';
import { seedAuthorisedConsent, seedAuthorizationCode } from '../support/seeded-grants';

jest.setTimeout(120_000);

const CLIENT = 'tpp-fapi1';
const CONSENTS = '/open-banking/v3.1/aisp/account-access-consents';
const CONSENT_REQUESTS = 80;
const CODES = 20;
const QUOTA = 5;
const QUOTA_CALLS = 30;

let killable: KillableSandbox;

/** The stores of the child's dynalite, seen from this process (tables by their sandbox names). */
function childStores(sandbox: TestSandbox): Stores {
  Object.assign(process.env, Object.fromEntries(allTables.map((table) => [table.envVar, sandboxTableName(table)])));
  const client = new DynamoDBClient({
    endpoint: sandbox.manifest.urls.dynamodb,
    region: 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  return createStores(DynamoDBDocumentClient.from(client));
}

const agents = new WeakMap<TestSandbox, ReturnType<TestSandbox['mtlsAgent']>>();
const agentOf = (sandbox: TestSandbox) => {
  if (!agents.has(sandbox)) agents.set(sandbox, sandbox.mtlsAgent(CLIENT));
  return agents.get(sandbox)!;
};

/** POST/GET over mTLS as the demo TPP; a request cut off by the crash is `undefined`. */
async function call(
  sandbox: TestSandbox,
  path: string,
  init: { form?: Record<string, string>; json?: unknown; headers?: Record<string, string> },
): Promise<{ status: number; body: Record<string, unknown> } | undefined> {
  try {
    const response = await fetch(`${sandbox.manifest.mtls_base_url}${path}`, {
      method: init.form || init.json ? 'POST' : 'GET',
      headers: {
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...(init.json ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      body: init.form ? new URLSearchParams(init.form).toString() : init.json ? JSON.stringify(init.json) : undefined,
      dispatcher: agentOf(sandbox),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  } catch {
    return undefined;
  }
}

interface SeededCode {
  readonly code: string;
  readonly verifier: string;
}

async function seedCodes(stores: Stores, redirectUri: string): Promise<SeededCode[]> {
  const consentId = await seedAuthorisedConsent(stores, CLIENT);
  return Promise.all(
    Array.from({ length: CODES }, () =>
      // Outlives the restart (CODE_TTL is 60 s in the product).
      seedAuthorizationCode(stores, { clientId: CLIENT, consentId, redirectUri, scope: 'accounts', lifetime: 600 }),
    ),
  );
}

beforeAll(async () => {
  killable = await startKillableSandbox();
});

afterAll(async () => {
  await killable?.stop();
});

it('keeps every acknowledged consent, redeems no code twice and exceeds no quota across a SIGKILL', async () => {
  // Prepare
  let sandbox = killable.current;
  const client = sandbox.client(CLIENT);
  const redirectUri = client.redirect_uris[0]!;
  const stores = childStores(sandbox);
  const codes = await seedCodes(stores, redirectUri);
  const issued = await call(sandbox, '/token', {
    form: { client_id: CLIENT, grant_type: 'client_credentials', scope: 'accounts' },
  });
  const tppToken = issued?.body.access_token as string;
  const limited = randomBytes(32).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  await stores.tokens.put({
    tokenHash: hashSecret(limited),
    kind: 'access',
    clientId: CLIENT,
    scope: 'accounts',
    certThumbprint: certificateThumbprint(readFileSync(client.cert, 'utf8')),
    issuedAt: now,
    expiresAt: now + 600,
    uses: 0,
    maxUses: QUOTA,
    revoked: false,
  });
  const probe = await call(sandbox, CONSENTS, {
    json: { Data: { Permissions: ['ReadAccountsBasic'] }, Risk: {} },
    headers: { authorization: `Bearer ${tppToken}` },
  });
  expect(probe?.status).toBe(201);
  const probePath = `${CONSENTS}/${(probe!.body.Data as { ConsentId: string }).ConsentId}`;

  const redeem = (target: TestSandbox, seeded: SeededCode) =>
    call(target, '/token', {
      form: {
        client_id: CLIENT,
        grant_type: 'authorization_code',
        code: seeded.code,
        code_verifier: seeded.verifier,
        redirect_uri: redirectUri,
      },
    });
  const spendQuota = (target: TestSandbox) =>
    call(target, probePath, { headers: { authorization: `Bearer ${limited}` } });

  // Act: the load, with a hard kill once a third of the consents are acknowledged.
  const acknowledged: string[] = [];
  let crashed: Promise<TestSandbox> | undefined;
  const crashOnce = () => {
    crashed ??= killable.crashAndRestart();
  };
  const consentLoad = Array.from({ length: CONSENT_REQUESTS }, async (_, i) => {
    await new Promise((resolve) => setTimeout(resolve, i * 5));
    if (crashed) return;
    const answer = await call(sandbox, CONSENTS, {
      json: { Data: { Permissions: ['ReadAccountsDetail'] }, Risk: {} },
      headers: { authorization: `Bearer ${tppToken}`, 'x-idempotency-key': randomUUID() },
    });
    if (answer?.status === 201) {
      acknowledged.push((answer.body.Data as { ConsentId: string }).ConsentId);
      if (acknowledged.length >= CONSENT_REQUESTS / 3) crashOnce();
    }
  });
  const firstRedemptions = Promise.all(codes.map((seeded) => redeem(sandbox, seeded)));
  const firstQuotaCalls = Promise.all(Array.from({ length: QUOTA_CALLS }, () => spendQuota(sandbox)));
  const [, before, quotaBefore] = await Promise.all([Promise.all(consentLoad), firstRedemptions, firstQuotaCalls]);
  crashOnce();
  sandbox = await crashed!;
  const after = await Promise.all(codes.map((seeded) => redeem(sandbox, seeded)));
  const quotaAfter = await Promise.all(Array.from({ length: QUOTA_CALLS }, () => spendQuota(sandbox)));

  // Assess
  expect(killable.output()).not.toMatch(/Sandbox failed to start/);
  expect(acknowledged.length).toBeGreaterThanOrEqual(CONSENT_REQUESTS / 3);
  const reopened = childStores(sandbox);
  const missing: string[] = [];
  for (const consentId of acknowledged) {
    if (!(await reopened.consents.get(consentId))) missing.push(consentId);
  }
  expect(missing).toEqual([]);
  codes.forEach((_, i) => {
    const successes = [before[i], after[i]].filter((answer) => answer?.status === 200).length;
    expect(successes).toBeLessThanOrEqual(1);
    // A code redeemed before the crash stays redeemed after it.
    if (before[i]?.status === 200) expect(after[i]?.body.error).toBe('invalid_grant');
  });
  const served = [...quotaBefore, ...quotaAfter].filter((answer) => answer?.status === 200).length;
  expect(served).toBeLessThanOrEqual(QUOTA);
  const quotaRecord = await reopened.tokens.get(hashSecret(limited));
  // The calls after the restart use up what is left: counted exactly up to the quota, never past it.
  expect(quotaRecord?.uses).toBe(QUOTA);
});
