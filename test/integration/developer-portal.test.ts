/**
 * The developer portal's API and the bank's Approvals end to end on an in-process sandbox (seed 004, TSP
 * scenario): a fintech signs up and is held at "under review"; the bank returns the sign-up with a comment,
 * the fintech resubmits, the bank approves; the fintech registers an application with a certificate from
 * the sandbox CA (pending: its token request is invalid_client), applies for timeDeposit/balances, the bank
 * approves both; with openid-client over mTLS the new client redeems a customer's code and calls the approved
 * API (200) and an unapproved one (403). Negative cases: weak password, duplicate username, unknown user
 * and wrong password indistinguishable, a state-changing call without the CSRF token.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import * as oidc from 'openid-client';
import { type Agent, fetch } from 'undici';
import { codeRecordId } from '../../lambdas/domain/authorization';
import { hashSecret } from '../../lambdas/domain/tokens';
import { wiring } from '../../lambdas/wiring';
import { issueCertificate, loadCertificateAuthority } from '../../sandbox/pki';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { type Tpp, tlsClientFromPem, tppClient } from '../support/tpp';

// scrypt at production cost on a shared CI machine.
jest.setTimeout(240_000);

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, read by shape in the assertions
type Json = any;

const PASSWORD = 'enjoy life every day 2026';
const REDIRECT = 'https://enjoylife.example/callback';

describe('developer portal and Approvals (seed 004, TSP scenario)', () => {
  let sandbox: TestSandbox;
  let browser: Agent;
  let bankAdmin: Tpp;
  let adminToken: string;
  let cookie = '';
  let csrf = '';

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    browser = sandbox.browserAgent();
    bankAdmin = await tppClient(sandbox, 'bank-admin');
    adminToken = (await oidc.clientCredentialsGrant(bankAdmin.config, { scope: 'admin' })).access_token;
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  const api = (path: string) => `${sandbox.manifest.issuer}/developer/api${path}`;

  async function portal(method: 'GET' | 'POST', path: string, body?: unknown, options: { csrf?: boolean } = {}) {
    const response = await fetch(api(path), {
      method,
      dispatcher: browser,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(method === 'POST' && options.csrf !== false && csrf ? { 'x-csrf-token': csrf } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = response.headers.getSetCookie().find((c) => c.startsWith('__Host-bankgate_developer='));
    if (set) cookie = set.split(';')[0]!;
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function logIn(username: string, password: string) {
    const result = await portal('POST', '/log-in', { username, password });
    if (result.status === 200) csrf = (await portal('GET', '/session')).body.csrf_token;
    return result;
  }

  async function admin(method: 'GET' | 'POST', path: string, body?: unknown) {
    const response = await bankAdmin.fetch(`${sandbox.manifest.mtls_base_url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  async function openReview(type: string, developer: string) {
    const { body } = await admin('GET', '/admin/reviews');
    return body.items.find((r: Json) => r.type === type && r.developer === developer);
  }

  it('refuses a weak password and a taken username, naming the field', async () => {
    const weak = await portal('POST', '/sign-up', {
      username: 'weakling',
      organisation: 'Weak Ltd',
      email: 'dev@weak.example',
      password: 'password1234',
    });
    expect(weak.status).toBe(400);
    expect(Object.keys(weak.body.fields)).toEqual(['password']);

    const first = await portal('POST', '/sign-up', {
      username: 'tsp-new',
      organisation: 'Enjoy Life',
      email: 'dev@enjoylife.example',
      password: PASSWORD,
    });
    expect(first).toMatchObject({ status: 201, body: { username: 'tsp-new', status: 'reviewing' } });
    const taken = await portal('POST', '/sign-up', {
      username: 'tsp-new',
      organisation: 'Other',
      email: 'x@other.example',
      password: PASSWORD,
    });
    expect(taken.status).toBe(400);
    expect(taken.body.fields).toEqual({ username: 'This username is taken. Choose another one.' });
  });

  it('answers an unknown user and a wrong password alike', async () => {
    const unknown = await logIn('nobody-here', PASSWORD);
    const wrong = await logIn('tsp-new', 'not the password at all');
    expect(unknown.status).toBe(401);
    expect(wrong).toEqual(unknown);
    expect(cookie).toBe('');
  });

  it('holds a new account at "under review" until the bank decides; return, resubmit, approve', async () => {
    expect((await logIn('tsp-new', PASSWORD)).body.status).toBe('reviewing');
    expect(cookie).not.toBe('');
    expect((await portal('GET', '/applications')).status).toBe(403);

    const signUp = await openReview('sign-up', 'tsp-new');
    expect(signUp.submitted).toEqual({
      username: 'tsp-new',
      organisation: 'Enjoy Life',
      email: 'dev@enjoylife.example',
    });
    expect((await admin('POST', `/admin/reviews/${signUp.review_id}/decision`, { decision: 'return' })).status).toBe(
      400,
    );
    const returned = await admin('POST', `/admin/reviews/${signUp.review_id}/decision`, {
      decision: 'return',
      comment: 'Please use your company e-mail address.',
    });
    expect(returned.body.state).toBe('returned');
    expect((await portal('GET', '/profile')).body).toMatchObject({
      status: 'returned',
      comment: 'Please use your company e-mail address.',
    });

    const edit = { organisation: 'Enjoy Life Co.', email: 'tsp-new@enjoylife.example' };
    expect((await portal('POST', '/resubmit', edit, { csrf: false })).status).toBe(403);
    expect((await portal('POST', '/resubmit', edit)).status).toBe(200);
    const again = await openReview('sign-up', 'tsp-new');
    expect(again.submitted).toMatchObject(edit);
    expect((await admin('POST', `/admin/reviews/${again.review_id}/decision`, { decision: 'approve' })).status).toBe(
      200,
    );

    const status = await portal('GET', '/status');
    expect(status.body.items[0].history.map((e: Json) => [e.event, e.comment])).toEqual([
      ['submitted', undefined],
      ['returned', 'Please use your company e-mail address.'],
      ['resubmitted', undefined],
      ['approved', undefined],
    ]);
    const audit = await admin('GET', `/admin/audit?entity=${encodeURIComponent(`review:${again.review_id}`)}`);
    expect(audit.status).toBe(400); // the audit listing names clients and APIs only; the console lists all
    const recent = await admin('GET', '/admin/audit');
    expect(recent.body.changes[0]).toMatchObject({ entity: `review:${again.review_id}`, action: 'review.approve' });
  });

  it('registers a pending application (invalid_client), then the approved client calls only approved APIs', async () => {
    expect((await logIn('tsp-new', PASSWORD)).body.status).toBe('approved');
    // The certificate a developer gets from "Issue sandbox certificate": the sandbox CA, its own subject.
    const pkiDir = dirname(sandbox.manifest.ca);
    const ca = await loadCertificateAuthority(
      readFileSync(sandbox.manifest.ca, 'utf8'),
      readFileSync(join(pkiDir, 'ca-key.pem'), 'utf8'),
    );
    const issued = await issueCertificate(
      ca,
      { country: 'TW', organization: 'Enjoy Life Co.', commonName: `tsp-new-${randomBytes(4).toString('hex')}` },
      { kind: 'client' },
    );
    const invalid = await portal('POST', '/applications', {
      client_name: 'Enjoy Life app',
      redirect_uris: 'http://insecure.example/cb',
      token_endpoint_auth_method: 'tls_client_auth',
      certificate_pem: issued.certPem,
    });
    expect(invalid.status).toBe(400);
    expect(Object.keys(invalid.body.fields)).toContain('redirect_uris');
    const created = await portal('POST', '/applications', {
      client_name: 'Enjoy Life app',
      redirect_uris: REDIRECT,
      profile: 'fapi2',
      token_endpoint_auth_method: 'tls_client_auth',
      certificate_pem: issued.certPem,
    });
    expect(created).toMatchObject({ status: 201, body: { status: 'pending' } });
    const clientId = created.body.client_id as string;

    const { config, agent } = await tlsClientFromPem(sandbox, clientId, issued.certPem, issued.keyPem);
    await expect(oidc.clientCredentialsGrant(config, { scope: 'openid' })).rejects.toMatchObject({
      error: 'invalid_client',
    });

    const application = await openReview('application', 'tsp-new');
    expect(
      (await admin('POST', `/admin/reviews/${application.review_id}/decision`, { decision: 'approve' })).status,
    ).toBe(200);

    const catalog = (await portal('GET', '/catalog')).body.items;
    const balances = catalog.find((a: Json) => a.path === '/timeDeposit/balances');
    expect(balances).toMatchObject({ method: 'GET', scope_group: 'time_deposits' });
    const applied = await portal('POST', '/api-applications', {
      client_id: clientId,
      api_ids: [balances.api_id],
      purpose: 'Show customers their time deposits',
    });
    expect(applied.status).toBe(201);
    const apiApplication = await openReview('api-application', 'tsp-new');
    expect(
      (await admin('POST', `/admin/reviews/${apiApplication.review_id}/decision`, { decision: 'approve' })).status,
    ).toBe(200);
    expect((await portal('GET', '/applications')).body.items).toEqual([
      expect.objectContaining({ client_id: clientId, status: 'active', approved_apis: [balances.api_id] }),
    ]);

    // A customer granted the time deposits group (the browser part is the consent page's own test).
    const code = randomBytes(32).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const grantId = randomBytes(16).toString('base64url');
    const subject = sandbox.manifest.customers[0]!.username;
    // Issuance is conditional on the consent-less grant being the client's current one, as accepting records it.
    await wiring.grantRegistry.replace(clientId, subject, { grantId }, now + 3600);
    await wiring.stores.authorizations.put({
      id: codeRecordId(code),
      kind: 'code',
      clientId,
      used: false,
      expiresAt: now + 60,
      redirectUri: REDIRECT,
      codeChallenge: hashSecret(verifier),
      scope: 'time_deposits',
      grantId,
      subject,
      authTime: now,
      grantedScopes: ['time_deposits'],
    } as never);
    const callback = new URL(REDIRECT);
    callback.searchParams.set('code', code);
    callback.searchParams.set('iss', sandbox.manifest.issuer);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: oidc.skipStateCheck,
    });

    let stan = 1;
    const call = (path: string) =>
      fetch(`${sandbox.manifest.mtls_base_url}/gateway${path}`, {
        dispatcher: agent,
        headers: {
          authorization: `Bearer ${tokens.access_token}`,
          'x-stan': String(stan++).padStart(7, '0'),
          'x-destinationid': '0120000',
          'x-clientid': clientId,
          'x-txninitdatetime': '20261121093000',
        },
      });
    expect((await call('/timeDeposit/balances')).status).toBe(200);
    const refused = await call('/demandDeposit/accounts');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      error: 'access_denied',
      error_description: 'this API is not approved for the client; apply for it in the developer portal',
    });
    await agent.close();
  });

  it('authenticates a private_key_jwt application by the keys it publishes at its jwks_uri', async () => {
    // Prepare: the fintech publishes its signing key on an https server of its own (a name the sandbox allowlists)
    expect((await logIn('tsp-new', PASSWORD)).body.status).toBe('approved');
    const signing = await generateKeyPair('PS256', { extractable: true });
    const kid = 'published-1';
    const publicJwk = { ...(await exportJWK(signing.publicKey)), kid, alg: 'PS256', use: 'sig' };
    const pkiDir = dirname(sandbox.manifest.ca);
    let served = 0;
    const keys = createServer(
      { key: readFileSync(join(pkiDir, 'server-key.pem')), cert: readFileSync(join(pkiDir, 'server.pem')) },
      (_request, response) => {
        served += 1;
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
      },
    );
    keys.listen(0, '127.0.0.1');
    await once(keys, 'listening');
    const jwksUri = `https://localhost:${(keys.address() as AddressInfo).port}/jwks.json`;
    const register = (uri: string) =>
      portal('POST', '/applications', {
        client_name: 'Enjoy Life keys',
        redirect_uris: REDIRECT,
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: uri,
      });

    // Act
    const literal = await register('https://127.0.0.1/jwks.json');
    const created = await register(jwksUri);
    const clientId = created.body.client_id as string;
    const review = await openReview('application', 'tsp-new');
    await admin('POST', `/admin/reviews/${review.review_id}/decision`, { decision: 'approve' });
    const ca = await loadCertificateAuthority(
      readFileSync(sandbox.manifest.ca, 'utf8'),
      readFileSync(join(pkiDir, 'ca-key.pem'), 'utf8'),
    );
    const tls = await issueCertificate(
      ca,
      { country: 'TW', organization: 'Enjoy Life Co.', commonName: `keys-${randomBytes(4).toString('hex')}` },
      { kind: 'client' },
    );
    const tpp = await tlsClientFromPem(
      sandbox,
      clientId,
      tls.certPem,
      tls.keyPem,
      oidc.PrivateKeyJwt({ key: signing.privateKey, kid }),
    );
    // Two pushed authorization requests, each authenticated with a fresh assertion.
    const pushed: URL[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        pushed.push(
          await oidc.buildAuthorizationUrlWithPAR(tpp.config, {
            redirect_uri: REDIRECT,
            scope: 'openid',
            code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
            code_challenge_method: 'S256',
          }),
        );
      }
    } finally {
      await tpp.agent.close();
      keys.closeAllConnections();
      await new Promise((resolve) => keys.close(resolve));
    }

    // Assess
    expect(literal.status).toBe(400);
    expect(literal.body.fields.jwks_uri).toMatch(/DNS name/);
    expect(created.status).toBe(201);
    expect(pushed.map((url) => url.searchParams.get('request_uri')?.startsWith('urn:'))).toEqual([true, true]);
    expect(served).toBe(1); // kept for REMOTE_JWKS_MAX_AGE_MS
  });
});
