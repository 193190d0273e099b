/**
 * Issue 5, a bank's own backend behind the gateway, end to end on the sandbox as `npm start` runs it (a child
 * process: the handlers' outbound HTTPS must run in a real Node process, trusting the sandbox CA as a
 * deployment trusts its CAs). The bank backend is a real HTTPS server whose certificate the sandbox CA issued;
 * the administrator registers it through the admin API; a customer token calls it over mTLS. Also: an
 * upstream that is down, and one whose certificate no trusted CA issued.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { randomUUID, webcrypto } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import * as x509 from '@peculiar/x509';
import {
  compactDecrypt,
  compactVerify,
  createLocalJWKSet,
  decodeProtectedHeader,
  importJWK,
  type JWK,
  jwtVerify,
} from 'jose';
import { fetch } from 'undici';
import { createStores } from '../../lambdas/adapters/dynamodb';
import {
  CALLER_ASSERTION_HEADER,
  CALLER_ASSERTION_TYPE,
  MAX_UPSTREAM_RESPONSE_BYTES,
} from '../../lambdas/domain/gateway/upstream';
import { mintToken } from '../../lambdas/domain/token-issuer';
import { certificateThumbprint } from '../../lambdas/http/request';
import { SIGNING_PURPOSES, type SigningPurpose } from '../../lambdas/ports/keys';
import { allTables } from '../../lambdas/tables';
import { sandboxTableName } from '../../sandbox/dynamo';
import { issueCertificate, loadCertificateAuthority } from '../../sandbox/pki';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';

jest.setTimeout(120_000);

const TPP = 'tsp2';
const ADMIN = 'bank-admin';
const ACCOUNTS = { accounts: [{ accountId: 'core-0001', balance: { amount: '1200.00', currency: 'TWD' } }] };
const TRANSFER = { transferId: 'tr-0001', status: 'Accepted' };

interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface Backend {
  readonly origin: string;
  readonly seen: SeenRequest[];
  /** TCP connections accepted and TLS handshakes completed. */
  readonly connections: () => { tcp: number; tls: number };
  close(): Promise<void>;
}

/** The bank's backend: answers its two operations and records every request it gets. */
async function startBackend(tls: { key: string; cert: string }): Promise<Backend> {
  const seen: SeenRequest[] = [];
  let tcp = 0;
  let handshakes = 0;
  const server = createServer(tls, async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'https://backend.test');
    seen.push({
      method: request.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    });
    if (url.pathname === '/core/statements') {
      // One byte over the gateway's cap, streamed without a content-length.
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`"${'x'.repeat(MAX_UPSTREAM_RESPONSE_BYTES - 1)}"`);
      return;
    }
    const [status, body] = url.pathname === '/core/transfers' ? [201, TRANSFER] : [200, ACCOUNTS];
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.on('connection', () => {
    tcp += 1;
  });
  server.on('secureConnection', () => {
    handshakes += 1;
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    // The sandbox allowlists `localhost` (its CA's host) for private addresses; IP literals are never upstreams.
    origin: `https://localhost:${(server.address() as AddressInfo).port}`,
    seen,
    connections: () => ({ tcp, tls: handshakes }),
    close: async () => {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
    },
  };
}

const ECDSA = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };

/** A certificate for 127.0.0.1 that signs itself: no CA anyone trusts issued it. */
async function selfSigned(): Promise<{ key: string; cert: string }> {
  const keys = await webcrypto.subtle.generateKey(ECDSA, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=impostor.bank.test',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3600_000),
    keys,
    signingAlgorithm: ECDSA,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY'), cert: certificate.toString('pem') };
}

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let sandbox: TestSandbox;
let backend: Backend;
let impostor: Backend;
let adminToken: string;
let customerToken: string;

const mtls = (path: string) => `${sandbox.manifest.mtls_base_url}${path}`;

async function admin(method: 'GET' | 'PUT', path: string, body?: unknown) {
  const response = await fetch(mtls(path), {
    method,
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    dispatcher: sandbox.mtlsAgent(ADMIN),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

let stan = 1;
async function gateway(
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(mtls(`/gateway${path}`), {
    method,
    headers: {
      authorization: `Bearer ${customerToken}`,
      'x-stan': String(stan++).padStart(7, '0'),
      'x-destinationid': '0120000',
      'x-clientid': TPP,
      'x-txninitdatetime': '20261121093000',
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    dispatcher: sandbox.mtlsAgent(TPP),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A customer token of the TPP granting two scope groups, as the code exchange stores it, in the child's store. */
async function mintCustomerToken(): Promise<string> {
  Object.assign(process.env, Object.fromEntries(allTables.map((table) => [table.envVar, sandboxTableName(table)])));
  const client = new DynamoDBClient({
    endpoint: sandbox.manifest.urls.dynamodb,
    region: 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
  });
  try {
    const stores = createStores(DynamoDBDocumentClient.from(client));
    const now = Math.floor(Date.now() / 1000);
    const groups = ['demand_deposits', 'credit_cards'];
    const { value, record } = mintToken({
      kind: 'access',
      client: (await stores.clients.get(TPP))!,
      scope: `openid ${groups.join(' ')}`,
      certThumbprint: certificateThumbprint(readFileSync(sandbox.client(TPP).cert, 'utf8')),
      now,
      ttl: 3600,
      maxUses: 0,
      grant: { grantId: randomUUID(), subject: 'anne', authTime: now, accountIds: [], grantedScopes: groups },
    });
    await stores.tokens.put(record);
    return value;
  } finally {
    client.destroy();
  }
}

const upstreamApi = (method: 'GET' | 'POST', path: string, url: string, extra: Record<string, unknown> = {}) => ({
  name: `Core banking ${path}`,
  method,
  path,
  scope_group: method === 'GET' ? 'demand_deposits' : 'credit_cards',
  backend: { type: 'upstream', url },
  ...extra,
});

beforeAll(async () => {
  sandbox = await startSandboxProcess();
  const ca = await loadCertificateAuthority(
    readFileSync(sandbox.manifest.ca, 'utf8'),
    readFileSync(join(dirname(sandbox.manifest.ca), 'ca-key.pem'), 'utf8'),
  );
  const issued = await issueCertificate(
    ca,
    { country: 'TW', organization: 'TPI Bank', commonName: 'core.bank.test' },
    { kind: 'server', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
  );
  [backend, impostor] = await Promise.all([
    startBackend({ key: issued.keyPem, cert: issued.certPem }),
    selfSigned().then(startBackend),
  ]);
  const token = await fetch(mtls('/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: ADMIN, scope: 'admin' }).toString(),
    dispatcher: sandbox.mtlsAgent(ADMIN),
  });
  adminToken = ((await token.json()) as { access_token: string }).access_token;
  customerToken = await mintCustomerToken();

  const down = `https://localhost:${await closedPort()}/core/accounts`;
  const registrations = await Promise.all([
    admin(
      'PUT',
      '/admin/apis/GET.core.accounts',
      upstreamApi('GET', '/core/accounts', `${backend.origin}/core/accounts`, {
        jose_policy: { request: 'none', response: 'jws' },
        taiwan_headers: true,
      }),
    ),
    admin(
      'PUT',
      '/admin/apis/POST.core.transfers',
      upstreamApi('POST', '/core/transfers', `${backend.origin}/core/transfers`, {
        jose_policy: { request: 'none', response: 'jwe' },
      }),
    ),
    admin('PUT', '/admin/apis/GET.core.down', upstreamApi('GET', '/core/down', down)),
    admin(
      'PUT',
      '/admin/apis/GET.core.branch',
      upstreamApi('GET', '/core/branch', `${backend.origin}/core/accounts?channel=tpp`),
    ),
    admin(
      'PUT',
      '/admin/apis/GET.core.statements',
      upstreamApi('GET', '/core/statements', `${backend.origin}/core/statements`),
    ),
    admin(
      'PUT',
      '/admin/apis/GET.core.impostor',
      upstreamApi('GET', '/core/impostor', `${impostor.origin}/core/accounts`),
    ),
  ]);
  expect(registrations.map((r) => r.status)).toEqual([201, 201, 201, 201, 201, 201]);
});

afterAll(async () => {
  await Promise.all([backend?.close(), impostor?.close()]);
  await sandbox?.stop();
});

/** The platform's published key set of one signing purpose, fetched over HTTPS as a verifier would. */
async function platformJwks(purpose: SigningPurpose) {
  const url = `${sandbox.manifest.issuer}${SIGNING_PURPOSES[purpose].jwksPath}`;
  const response = await fetch(url, { dispatcher: sandbox.browserAgent() });
  return createLocalJWKSet((await response.json()) as { keys: JWK[] });
}

describe('registering an upstream API', () => {
  it('creates and replaces a definition through the admin API, audited from null, and refuses bad ones', async () => {
    // Prepare
    const first = upstreamApi('GET', '/core/profile', `${backend.origin}/core/profile`);
    const second = { ...first, jose_policy: { request: 'none', response: 'x-jws-signature' } };
    // Act
    const created = await admin('PUT', '/admin/apis/GET.core.profile', first);
    const replaced = await admin('PUT', '/admin/apis/GET.core.profile', second);
    const read = await admin('GET', '/admin/apis/GET.core.profile');
    const audit = await admin('GET', '/admin/audit?entity=api:GET.core.profile');
    const invalid = await admin('PUT', '/admin/apis/GET.core.profile', {
      ...first,
      scope_group: 'loans',
      backend: { type: 'upstream', url: 'http://core.bank.test/profile' },
    });
    const misnamed = await admin('PUT', '/admin/apis/GET.core.other', first);
    const unknownField = await admin('PUT', '/admin/apis/GET.core.profile', { ...first, upstream_secret: 'x' });
    // Assess
    const stored = {
      api_id: 'GET.core.profile',
      name: 'Core banking /core/profile',
      method: 'GET',
      path: '/core/profile',
      scope_group: 'demand_deposits',
      backend: { type: 'upstream', url: `${backend.origin}/core/profile` },
      taiwan_headers: false,
    };
    expect(created).toEqual({ status: 201, body: { ...stored, jose_policy: { request: 'none', response: 'none' } } });
    expect(replaced).toEqual({ status: 200, body: { ...stored, jose_policy: second.jose_policy } });
    expect(read).toEqual(replaced);
    expect(audit.body.changes).toEqual([
      expect.objectContaining({
        actor: { kind: 'client', id: ADMIN },
        action: 'definition.replace',
        before: created.body,
        after: replaced.body,
      }),
      expect.objectContaining({
        actor: { kind: 'client', id: ADMIN },
        action: 'definition.create',
        before: null,
        after: created.body,
      }),
    ]);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error_description).toMatch(
      /^scope_group must be one of .*; backend\.url: upstream URLs must be https$/,
    );
    expect(misnamed).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'apiId must be GET.core.profile' },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.error_description).toContain('upstream_secret');
  });
});

describe('calls through the gateway to the bank backend', () => {
  it('forwards method, path, query, allowlisted headers and a signed caller assertion, never the bearer token; the TPP gets the answer as the platform’s JWS', async () => {
    // Prepare
    const interactionId = randomUUID();
    const [callerJwks, responseJwks] = await Promise.all([
      platformJwks('upstream-caller'),
      platformJwks('gateway-response'),
    ]);
    const before = backend.seen.length;
    // Act
    const response = await gateway('GET', '/core/accounts?currency=TWD', {
      headers: {
        accept: 'application/json',
        cookie: 'bank-session=secret',
        'x-internal-route': 'admin',
        'x-fapi-interaction-id': interactionId,
      },
    });
    // Assess: what the bank backend saw
    expect(backend.seen.length).toBe(before + 1);
    const seen = backend.seen.at(-1)!;
    expect(seen).toMatchObject({ method: 'GET', path: '/core/accounts', query: { currency: 'TWD' }, body: '' });
    expect(seen.headers).toMatchObject({
      accept: 'application/json',
      'x-stan': expect.stringMatching(/^\d{7}$/),
      'x-destinationid': '0120000',
      'x-clientid': TPP,
      'x-txninitdatetime': '20261121093000',
      'x-fapi-interaction-id': interactionId,
      'x-bankgate-client-id': TPP,
      'x-bankgate-subject': 'anne',
    });
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.cookie).toBeUndefined();
    expect(seen.headers['x-internal-route']).toBeUndefined();
    const { payload: caller } = await jwtVerify(String(seen.headers[CALLER_ASSERTION_HEADER]), callerJwks, {
      issuer: sandbox.manifest.issuer,
      audience: backend.origin,
      typ: CALLER_ASSERTION_TYPE,
    });
    expect(caller).toMatchObject({ sub: 'anne', client_id: TPP, htm: 'GET', htu: `${backend.origin}/core/accounts` });
    // Assess: what the TPP got
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/jose');
    const { payload } = await compactVerify(response.text, responseJwks);
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual(ACCOUNTS);
  });

  it('signs the response JWS and the caller assertion with keys no ID-token verifier holds (one key, one purpose)', async () => {
    // Prepare: what a relying party verifies ID tokens with: the discovery document's jwks_uri.
    const discovery = (await (
      await fetch(sandbox.manifest.discovery, { dispatcher: sandbox.browserAgent() })
    ).json()) as {
      jwks_uri: string;
    };
    const idTokenJwks = createLocalJWKSet(
      (await (await fetch(discovery.jwks_uri, { dispatcher: sandbox.browserAgent() })).json()) as { keys: JWK[] },
    );
    const before = backend.seen.length;
    // Act
    const response = await gateway('GET', '/core/accounts?currency=TWD', { headers: { accept: 'application/json' } });
    const assertion = String(backend.seen[before]!.headers[CALLER_ASSERTION_HEADER]);
    // Assess: each carries its purpose's typ, and neither verifies against the ID-token keys.
    expect(response.status).toBe(200);
    expect(decodeProtectedHeader(response.text).typ).toBe('JOSE');
    expect(decodeProtectedHeader(assertion).typ).toBe(CALLER_ASSERTION_TYPE);
    for (const jws of [response.text, assertion]) {
      await expect(compactVerify(jws, idTokenJwks)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    }
    await expect(compactVerify(assertion, await platformJwks('gateway-response'))).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
  });

  it('posts the JSON body to the backend and encrypts its answer to the TPP’s registered key', async () => {
    // Prepare
    const transfer = { amount: '100.00', currency: 'TWD', creditorAccount: 'core-0002' };
    const encryptionJwk = JSON.parse(readFileSync(sandbox.client(TPP).enc_jwk, 'utf8')) as JWK;
    // Act
    const response = await gateway('POST', '/core/transfers', { body: transfer });
    // Assess
    const seen = backend.seen.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', path: '/core/transfers' });
    expect(seen.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen.body)).toEqual(transfer);
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/jose');
    const { plaintext } = await compactDecrypt(response.text, await importJWK(encryptionJwk, 'RSA-OAEP-256'));
    expect(JSON.parse(Buffer.from(plaintext).toString())).toEqual(TRANSFER);
  });
});

describe('an upstream the gateway cannot use', () => {
  it('answers 503 + Retry-After when the upstream is down', async () => {
    // Act
    const response = await gateway('GET', '/core/down');
    // Assess
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(response.text)).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'the upstream API is not reachable, retry later',
    });
  });

  it('answers 503 for a certificate no trusted CA issued, and never completes a TLS handshake with it', async () => {
    // Prepare
    const before = impostor.connections();
    // Act
    const response = await gateway('GET', '/core/impostor');
    // Assess
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(JSON.parse(response.text).error).toBe('temporarily_unavailable');
    const after = impostor.connections();
    expect(after.tcp).toBeGreaterThan(before.tcp);
    expect(after.tls).toBe(0);
    expect(impostor.seen).toEqual([]);
  });
});

describe('what the gateway refuses before anything reaches an upstream', () => {
  it('refuses at registration an upstream host that is an IP literal (loopback, metadata, private, IPv6)', async () => {
    // Act
    const refused = await Promise.all(
      [
        'https://127.0.0.1/core',
        'https://169.254.169.254/latest/meta-data',
        'https://10.0.0.5/core',
        'https://[::1]/core',
      ].map((url) => admin('PUT', '/admin/apis/GET.core.internal', upstreamApi('GET', '/core/internal', url))),
    );
    const read = await admin('GET', '/admin/apis/GET.core.internal');
    // Assess
    for (const response of refused) {
      expect(response).toEqual({
        status: 400,
        body: {
          error: 'invalid_request',
          error_description: 'backend.url: the upstream host must be a DNS name, not an IP address',
        },
      });
    }
    expect(read.status).toBe(404);
  });

  it('refuses at call time an upstream whose address is internal, also when it was stored without the registration check', async () => {
    // Prepare: the definition as a store written before the rule would hold it.
    const client = new DynamoDBClient({
      endpoint: sandbox.manifest.urls.dynamodb,
      region: 'us-east-1',
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    const port = Number(new URL(backend.origin).port);
    await DynamoDBDocumentClient.from(client).send(
      new PutCommand({
        TableName: sandboxTableName(allTables.find((table) => table.name === 'apis')!),
        Item: {
          apiId: 'GET.core.legacy',
          name: 'Legacy',
          method: 'GET',
          path: '/core/legacy',
          scopeGroup: 'demand_deposits',
          backend: { type: 'upstream', url: `https://127.0.0.1:${port}/core/accounts` },
          josePolicy: { request: 'none', response: 'none' },
          taiwanHeaders: false,
        },
      }),
    );
    client.destroy();
    const before = backend.connections().tcp;
    // Act
    const response = await gateway('GET', '/core/legacy');
    // Assess
    expect(response.status).toBe(503);
    expect(JSON.parse(response.text).error).toBe('temporarily_unavailable');
    expect(backend.connections().tcp).toBe(before);
  });

  it('refuses a request policy a GET cannot have, at registration and on a policy change', async () => {
    // Act
    const created = await admin(
      'PUT',
      '/admin/apis/GET.core.signedGet',
      upstreamApi('GET', '/core/signedGet', `${backend.origin}/core/accounts`, {
        jose_policy: { request: 'x-jws-signature', response: 'none' },
      }),
    );
    const changed = await admin('PUT', '/admin/apis/GET.core.accounts/jose-policy', {
      request: 'x-jws-signature',
      response: 'jws',
    });
    const kept = await admin('GET', '/admin/apis/GET.core.accounts/jose-policy');
    // Assess
    const refusal = {
      status: 400,
      body: {
        error: 'invalid_request',
        error_description:
          'jose_policy.request: a GET request has no body to protect: the request policy of a GET API must be none, not x-jws-signature',
      },
    };
    expect(created).toEqual(refusal);
    expect(changed).toEqual(refusal);
    expect(kept.body).toEqual({ request: 'none', response: 'jws' });
  });

  it('answers 401 before 404: an unknown path tells a caller without a valid token nothing', async () => {
    // Act
    const send = (authorization?: string) =>
      fetch(mtls('/gateway/no/such/api'), {
        headers: authorization ? { authorization } : {},
        dispatcher: sandbox.mtlsAgent(TPP),
      }).then(async (response) => ({ status: response.status, body: await response.json() }));
    const [none, bad, good] = await Promise.all([send(), send('Bearer not-a-token'), send(`Bearer ${customerToken}`)]);
    // Assess
    expect(none).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(bad).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(good).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('keeps the query the registration fixes and the caller identity the token proves', async () => {
    // Prepare
    const before = backend.seen.length;
    // Act
    const added = await gateway('GET', '/core/branch?lang=en');
    const overridden = await gateway('GET', '/core/branch?channel=internal');
    const otherClient = await gateway('POST', '/core/transfers', {
      body: { amount: '1.00' },
      headers: { 'x-clientid': 'tsp1' },
    });
    // Assess
    expect(added.status).toBe(200);
    expect(backend.seen.at(-1)?.query).toEqual({ channel: 'tpp', lang: 'en' });
    expect(overridden.status).toBe(400);
    expect(JSON.parse(overridden.text)).toEqual({
      error: 'invalid_request',
      error_description: 'query parameter channel is fixed by the API and cannot be set',
    });
    expect(otherClient.status).toBe(400);
    expect(JSON.parse(otherClient.text)).toEqual({
      error: 'invalid_request',
      error_description: 'X-ClientId must be the client id of the access token',
    });
    expect(backend.seen.length).toBe(before + 1);
  });

  it('answers 502 for an upstream answer over the size cap, relaying none of it', async () => {
    // Act
    const response = await gateway('GET', '/core/statements');
    // Assess
    expect(response.status).toBe(502);
    expect(JSON.parse(response.text)).toEqual({
      error: 'server_error',
      error_description: `the upstream API answered more than ${MAX_UPSTREAM_RESPONSE_BYTES} bytes`,
    });
  });
});
