/**
 * The sandbox end to end: the mTLS origin accepts exactly the certificates of its truststore CA and hands
 * them to handlers as API Gateway does; the browser origin routes to the real handler modules; the
 * manifest points at real files; a restart on the same data dir keeps tables, keys and certificates.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ConnectionOptions, connect } from 'node:tls';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { request } from 'undici';
import { STRICT_TRANSPORT_SECURITY } from '../../lambdas/http/strict-transport';
import { CLIENT_CERTIFICATES_PATH } from '../../sandbox/client-certificates';
import { createCertificateAuthority, ensurePki, issueCertificate } from '../../sandbox/pki';
import { demoTpps } from '../../sandbox/seed';
import { type RunningServers, startServers } from '../../sandbox/server';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

jest.setTimeout(30_000);

let sandbox: TestSandbox;

// A first start creates the CA, certificates and four KMS key pairs per tenant: slow on a loaded CI machine.
beforeAll(async () => {
  sandbox = await startTestSandbox();
}, 90_000);

afterAll(async () => {
  await sandbox?.stop();
});

const consentUrl = () =>
  `${sandbox.manifest.mtls_base_url}/open-banking/v3.1/aisp/account-access-consents/unknown-consent`;

/**
 * Speaks raw HTTP over TLS to the mTLS origin: the status line if the server answered, else how the
 * connection ended (with TLS 1.3 the server refuses the certificate after the client's handshake completes).
 */
function exchange(options: ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({
      host: '127.0.0.1',
      port: sandbox.manifest.ports.mtls,
      servername: 'localhost',
      ca: sandbox.caPem,
      ...options,
    });
    socket.once('secureConnect', () =>
      socket.write(
        'GET /open-banking/v3.1/aisp/account-access-consents/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n',
      ),
    );
    socket.once('data', (data: Buffer) => {
      resolve(data.toString('latin1').split('\r\n')[0]!);
      socket.destroy();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(`refused: ${error.code}`));
    socket.once('close', () => resolve('refused: closed'));
  });
}

describe('mTLS origin', () => {
  it('refuses a TLS connection without a client certificate', async () => {
    // Act
    const outcome = await exchange({});
    // Assess
    expect(outcome).toBe('refused: ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  });

  it('refuses a client certificate issued by another CA, even with a demo client subject', async () => {
    // Prepare
    const rogue = await createCertificateAuthority({
      country: 'TW',
      organization: 'Bankgate Sandbox',
      commonName: 'Bankgate Sandbox CA',
    });
    const forged = await issueCertificate(rogue, demoTpps[0]!.subject, { kind: 'client' });
    // Act
    const outcomes = await Promise.all([
      exchange({ cert: forged.certPem, key: forged.keyPem }),
      exchange({ cert: forged.certPem, key: forged.keyPem, maxVersion: 'TLSv1.2' }),
    ]);
    // Assess
    expect(outcomes).toEqual([expect.stringMatching(/^refused: /), expect.stringMatching(/^refused: /)]);
  });

  it('serves a client presenting a demo certificate', async () => {
    const { cert, key } = sandbox.client('tsp2');
    const outcome = await exchange({ cert: await readFile(cert), key: await readFile(key) });
    expect(outcome).toMatch(/^HTTP\/1\.1 \d{3} /);
  });

  it("accepts a demo client certificate and runs the route's handler module", async () => {
    // Act: no access token, so the real consent handler answers with an Open Banking 401.
    const response = await request(consentUrl(), { dispatcher: sandbox.mtlsAgent('tpp-fapi1') });
    const body = (await response.body.json()) as { Code?: string };
    // Assess
    expect(response.statusCode).toBe(401);
    expect(response.headers['x-fapi-interaction-id']).toEqual(expect.any(String));
    expect(body.Code).toBe('401 Unauthorized');
  });

  describe('event delivery', () => {
    let echo: RunningServers;
    const received: APIGatewayProxyEvent[] = [];

    beforeAll(async () => {
      // The sandbox's own PKI (reused from the data dir) on an origin whose only handler echoes its event.
      const pki = await ensurePki(join(sandbox.dataDir, 'pki'), demoTpps);
      echo = await startServers({
        ports: { browser: 0, mtls: 0 },
        tls: { key: pki.server.keyPem, cert: pki.server.certPem, ca: pki.ca.certPem },
        site: {
          runtimeConfig: {
            apiBaseUrl: '',
            tenantName: 'Echo',
            branding: { logoUrl: null, primaryColour: null, privacyPolicyUrl: null },
          },
        },
        handlers: [
          {
            id: 'echo',
            description: 'echo',
            routes: [{ method: 'POST', path: '/echo/{Id}', surface: 'mtls' }],
            tables: {},
            keys: [],
          },
        ],
        loadHandler: async () => async (event) => {
          received.push(event);
          return {
            statusCode: 201,
            headers: { 'content-type': 'application/octet-stream' },
            multiValueHeaders: { 'x-echo': ['one', 'two'] },
            body: Buffer.from([0, 255]).toString('base64'),
            isBase64Encoded: true,
          };
        },
      });
    });

    afterAll(async () => {
      await echo?.close();
    });

    it('delivers the verified client certificate as requestContext.identity.clientCert and writes the result back', async () => {
      // Prepare
      const tpp = sandbox.client('tsp2');
      // Act
      const response = await request(`${echo.mtlsUrl}/echo/abc?x=1`, {
        method: 'POST',
        dispatcher: sandbox.mtlsAgent('tsp2'),
        headers: { 'content-type': 'application/json' },
        body: '{"hello":"world"}',
      });
      const payload = Buffer.from(await response.body.arrayBuffer());
      // Assess
      expect(response.statusCode).toBe(201);
      expect(response.headers['x-echo']).toEqual(['one', 'two']);
      expect([...payload]).toEqual([0, 255]);
      const event = received.at(-1)!;
      expect(event).toMatchObject({
        httpMethod: 'POST',
        resource: '/echo/{Id}',
        path: '/echo/abc',
        pathParameters: { Id: 'abc' },
        queryStringParameters: { x: '1' },
        body: '{"hello":"world"}',
        isBase64Encoded: false,
      });
      const clientCert = event.requestContext.identity.clientCert!;
      expect(clientCert.subjectDN).toBe('CN=enjoy-life-tpp,O=Enjoy Life,C=TW');
      expect(clientCert.subjectDN).toBe(tpp.tls_client_auth_subject_dn);
      expect(clientCert.issuerDN).toBe('CN=Bankgate Sandbox CA,O=Bankgate Sandbox,C=TW');
      expect(clientCert.clientCertPem.trim()).toBe((await readFile(tpp.cert, 'utf8')).trim());
      expect(clientCert.validity.notAfter).toMatch(/GMT$/);
    });

    it('answers 413 for a body over 1 MiB without invoking the handler', async () => {
      const before = received.length;
      const response = await request(`${echo.mtlsUrl}/echo/big`, {
        method: 'POST',
        dispatcher: sandbox.mtlsAgent('tsp2'),
        headers: { 'content-type': 'application/json' },
        body: 'x'.repeat(1024 * 1024 + 1),
      });
      await response.body.dump();
      expect(response.statusCode).toBe(413);
      expect(received.length).toBe(before);
    });
  });
});

describe('browser origin', () => {
  it('serves discovery from the static-route manifest with the sandbox issuer', async () => {
    const response = await request(sandbox.manifest.discovery, { dispatcher: sandbox.browserAgent() });
    const metadata = (await response.body.json()) as { issuer: string };
    expect(response.statusCode).toBe(200);
    expect(metadata.issuer).toBe(sandbox.manifest.issuer);
  });

  it('answers 404 for unknown paths, 405 for a known path with another method, and serves the SPA runtime config', async () => {
    const agent = sandbox.browserAgent();
    const unknown = await request(`${sandbox.manifest.issuer}/no-such-endpoint`, { dispatcher: agent });
    const wrongMethod = await request(sandbox.manifest.discovery, { method: 'DELETE', dispatcher: agent });
    const config = await request(`${sandbox.manifest.issuer}/config.json`, { dispatcher: agent });
    expect(unknown.statusCode).toBe(404);
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');
    // TPI Bank's branding from its sample tenant configuration (cdk.json), as CDK deploys it.
    expect(await config.body.json()).toEqual({
      apiBaseUrl: sandbox.manifest.issuer,
      tenantName: 'TPI Bank',
      branding: {
        logoUrl: '/branding/logo.svg',
        primaryColour: '#0b5394',
        privacyPolicyUrl: 'https://www.tpi-bank.example/privacy',
      },
      // Only the sandbox announces it (the deployed config.json has no `sandbox`).
      sandbox: { clientCertificates: CLIENT_CERTIFICATES_PATH },
    });
    await Promise.all([unknown.body.dump(), wrongMethod.body.dump()]);
  });

  it('issues a client certificate from the TPP CA with a subject it chooses (a random CN part), POST only', async () => {
    // Act
    const agent = sandbox.browserAgent();
    const issue = (body: string, method: 'POST' | 'GET' = 'POST') =>
      request(`${sandbox.manifest.issuer}${CLIENT_CERTIFICATES_PATH}`, {
        method,
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body } : {}),
      });
    const answers = await Promise.all([
      issue(JSON.stringify({ organisation: 'Enjoy Life', application_name: 'Enjoy Life app' })),
      issue(JSON.stringify({ organisation: 'Enjoy Life', application_name: 'Enjoy Life app' })),
    ]);
    const [first, second] = (await Promise.all(answers.map((a) => a.body.json()))) as Record<string, string>[];
    const notJson = await issue('not json');
    const get = await issue('', 'GET');

    // Assess
    expect(answers.map((a) => a.statusCode)).toEqual([201, 201]);
    expect(first!.subject_dn).toMatch(/^CN=enjoy-life-app-[0-9a-f]{32},O=Enjoy Life,C=TW$/);
    expect(second!.subject_dn).not.toBe(first!.subject_dn);
    const certificate = new X509Certificate(first!.certificate_pem);
    expect(certificate.checkIssued(new X509Certificate(await readFile(sandbox.manifest.ca, 'utf8')))).toBe(true);
    expect(certificate.checkPrivateKey(createPrivateKey(first!.private_key_pem))).toBe(true);
    expect(notJson.statusCode).toBe(400);
    expect(get.statusCode).toBe(405);
    await Promise.all([notJson.body.dump(), get.body.dump()]);
  });

  it('answers unknown paths in the surface format: OAuth JSON, OBErrorResponse1 under /open-banking', async () => {
    // Act
    const get = async (url: string, dispatcher: Parameters<typeof request>[1], method = 'GET') => {
      const response = await request(url, { ...dispatcher, method: method as 'GET' });
      return { status: response.statusCode, body: await response.body.json() };
    };
    const browser = { dispatcher: sandbox.browserAgent() };
    const mtls = { dispatcher: sandbox.mtlsAgent('tpp-fapi1') };
    const base = sandbox.manifest.mtls_base_url;
    const answers = await Promise.all([
      get(`${sandbox.manifest.issuer}/no-such-endpoint`, browser),
      get(`${base}/no-such-endpoint`, mtls),
      get(`${base}/open-banking/v3.1/aisp/no-such-resource`, mtls),
      get(`${base}/open-banking/v3.1/aisp/account-access-consents`, mtls, 'PATCH'),
    ]);
    // Assess
    expect(answers[0]).toEqual({
      status: 404,
      body: { error: 'invalid_request', error_description: 'no endpoint at /no-such-endpoint' },
    });
    expect(answers[1]).toEqual({
      status: 404,
      body: { error: 'invalid_request', error_description: expect.any(String) },
    });
    expect(answers[2]).toEqual({
      status: 404,
      body: {
        Code: '404 Not Found',
        Id: expect.any(String),
        Message: 'Not Found',
        Errors: [{ ErrorCode: 'UK.OBIE.NotFound', Message: 'no endpoint at /open-banking/v3.1/aisp/no-such-resource' }],
      },
    });
    expect(answers[3]).toMatchObject({ status: 405, body: { Errors: [{ ErrorCode: 'UK.OBIE.NotSupported' }] } });
  });

  it('answers its root with a landing page linking discovery and the portals', async () => {
    const response = await request(`${sandbox.manifest.issuer}/`, { dispatcher: sandbox.browserAgent() });
    const page = await response.body.text();
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page).toContain('<h1>TPI Bank: Bankgate sandbox</h1>');
    expect(page).toContain('href="/.well-known/openid-configuration"');
    expect(page).toContain('href="/consent/"');
  });

  it("lands the demo TPP's redirect URI on a page showing the result, escaped", async () => {
    // Act
    const agent = sandbox.browserAgent();
    const granted = await request(`${sandbox.manifest.issuer}/tpp/callback?code=abc&state=s1`, { dispatcher: agent });
    const denied = await request(
      `${sandbox.manifest.issuer}/tpp/callback?error=access_denied&error_description=%3Cscript%3E&state=s1`,
      { dispatcher: agent },
    );
    const [grantedPage, deniedPage] = await Promise.all([granted.body.text(), denied.body.text()]);
    // Assess
    expect([granted.statusCode, denied.statusCode]).toEqual([200, 200]);
    expect(grantedPage).toContain('<h1>Done: return to your terminal</h1>');
    expect(grantedPage).toContain('<code>abc</code>');
    expect(deniedPage).toContain('<h1>You did not allow access</h1>');
    expect(deniedPage).toContain('&lt;script&gt;');
    expect(deniedPage).not.toContain('<script>');
  });

  it('does not serve mTLS routes', async () => {
    const response = await request(`${sandbox.manifest.issuer}/token`, {
      method: 'POST',
      dispatcher: sandbox.browserAgent(),
    });
    await response.body.dump();
    expect(response.statusCode).toBe(404);
  });
});

describe('HSTS', () => {
  it('is sent on every HTTPS response of both origins: handlers, static routes, errors, the consent page', async () => {
    // Prepare
    const browser = sandbox.browserAgent();
    const mtls = sandbox.mtlsAgent('tpp-fapi1');
    const issuer = sandbox.manifest.issuer;
    const calls: [string, string, Parameters<typeof request>[1]][] = [
      ['handler error (OB 401)', consentUrl(), { dispatcher: mtls }],
      ['handler error (OAuth 401)', `${sandbox.manifest.mtls_base_url}/token`, { method: 'POST', dispatcher: mtls }],
      ['mTLS not found', `${sandbox.manifest.mtls_base_url}/no-such-endpoint`, { dispatcher: mtls }],
      ['handler (JWKS)', `${issuer}/jwks`, { dispatcher: browser }],
      ['static route (discovery)', sandbox.manifest.discovery, { dispatcher: browser }],
      ['method not allowed', sandbox.manifest.discovery, { method: 'DELETE', dispatcher: browser }],
      ['not found', `${issuer}/no-such-endpoint`, { dispatcher: browser }],
      ['consent page redirect', `${issuer}/consent`, { dispatcher: browser }],
      ['consent page config', `${issuer}/consent/config.json`, { dispatcher: browser }],
      ['consent page missing asset', `${issuer}/consent/assets/none.js`, { dispatcher: browser }],
    ];
    // Act
    const headers = await Promise.all(
      calls.map(async ([name, url, options]) => {
        const response = await request(url, options);
        await response.body.dump();
        return [name, response.headers['strict-transport-security']];
      }),
    );
    // Assess
    expect(headers).toEqual(calls.map(([name]) => [name, STRICT_TRANSPORT_SECURITY]));
    expect(STRICT_TRANSPORT_SECURITY).toMatch(/^max-age=(\d+); includeSubDomains$/);
  });
});

describe('manifest', () => {
  it('is written to the data dir and points at existing CA, certificate, key and JWK files', async () => {
    // Act
    const written = JSON.parse(await readFile(sandbox.manifestPath, 'utf8'));
    // Assess
    expect(sandbox.manifestPath).toBe(join(sandbox.dataDir, 'sandbox.json'));
    expect(written).toEqual(JSON.parse(JSON.stringify(sandbox.manifest)));
    expect(existsSync(sandbox.manifest.ca)).toBe(true);
    expect(sandbox.manifest.clients.map((c) => c.client_id).sort()).toEqual([
      'bank-admin',
      'tpp-fapi1',
      'tpp-sample',
      'tsp2',
    ]);
    for (const client of sandbox.manifest.clients) {
      for (const file of [client.cert, client.key, client.jwk, client.jwks]) expect(existsSync(file)).toBe(true);
      const jwk = JSON.parse(await readFile(client.jwk, 'utf8'));
      expect(jwk).toMatchObject({ kty: 'RSA', alg: 'PS256', kid: expect.any(String), d: expect.any(String) });
    }
    expect(sandbox.manifest.customers.map((c) => c.username)).toEqual(['steve', 'anne']);
  });
});

describe('restart on the same data dir', () => {
  it('keeps tables and their items, KMS keys, certificates, client keys and the demo data anchor', async () => {
    // Prepare
    const doc = (endpoint: string) =>
      DynamoDBDocumentClient.from(
        new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
      );
    const before = sandbox.manifest;
    const probe = { entity: 'sandbox-restart-test', at: new Date().toISOString(), note: 'kept' };
    const firstDoc = doc(before.urls.dynamodb);
    await firstDoc.send(new PutCommand({ TableName: 'bankgate-audit', Item: probe }));
    firstDoc.destroy();
    const jwksBefore = await (
      await request(`${before.issuer}/jwks`, { dispatcher: sandbox.browserAgent() })
    ).body.json();
    const filesBefore = await Promise.all(
      [before.ca, before.clients[0]!.cert, before.clients[0]!.jwk].map((f) => readFile(f, 'utf8')),
    );

    // Act
    sandbox = await sandbox.restart();

    // Assess
    const after = sandbox.manifest;
    const secondDoc = doc(after.urls.dynamodb);
    const { Item } = await secondDoc.send(
      new GetCommand({ TableName: 'bankgate-audit', Key: { entity: probe.entity, at: probe.at } }),
    );
    secondDoc.destroy();
    expect(Item).toEqual(probe);
    const jwksAfter = await (await request(`${after.issuer}/jwks`, { dispatcher: sandbox.browserAgent() })).body.json();
    expect(jwksAfter).toEqual(jwksBefore);
    const filesAfter = await Promise.all(
      [after.ca, after.clients[0]!.cert, after.clients[0]!.jwk].map((f) => readFile(f, 'utf8')),
    );
    expect(filesAfter).toEqual(filesBefore);
    expect(after.demo_data_anchor).toBe(before.demo_data_anchor);
    // The mTLS origin still trusts the (unchanged) demo certificates.
    const response = await request(consentUrl(), { dispatcher: sandbox.mtlsAgent('tpp-fapi1') });
    await response.body.dump();
    expect(response.statusCode).toBe(401);
  });
});
