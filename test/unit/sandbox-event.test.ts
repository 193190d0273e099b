/** The sandbox's API Gateway adapter: routing, REST v1 proxy events, client certificates as API Gateway reports them. */
import { X509Certificate } from 'node:crypto';
import type { HandlerSpec } from '../../lambdas/routes';
import {
  clientCertIdentity,
  compileRoutes,
  formatDn,
  type IncomingRequest,
  isTextMediaType,
  lambdaContext,
  matchRoute,
  toProxyEvent,
} from '../../sandbox/event';
import { createCertificateAuthority, issueCertificate } from '../../sandbox/pki';

const specs: HandlerSpec[] = [
  {
    id: 'consents',
    description: 'consents',
    routes: [
      { method: 'POST', path: '/aisp/account-access-consents', surface: 'mtls' },
      { method: 'GET', path: '/aisp/account-access-consents/{ConsentId}', surface: 'mtls' },
      { method: 'DELETE', path: '/aisp/account-access-consents/{ConsentId}', surface: 'mtls' },
    ],
    tables: {},
    keys: [],
  },
  {
    id: 'latest',
    description: 'a literal segment next to a parameter',
    routes: [{ method: 'GET', path: '/aisp/account-access-consents/latest', surface: 'mtls' }],
    tables: {},
    keys: [],
  },
  {
    id: 'discovery',
    description: 'browser only',
    routes: [{ method: 'GET', path: '/.well-known/openid-configuration', surface: 'browser' }],
    tables: {},
    keys: [],
  },
];

describe('formatDn', () => {
  it('writes RFC 2253 order (most specific first) without spaces', () => {
    // Prepare
    const derOrder: Record<string, string[]>[] = [{ C: ['TW'] }, { O: ['Enjoy Life'] }, { CN: ['enjoy-life-tpp'] }];
    // Act
    const dn = formatDn(derOrder);
    // Assess
    expect(dn).toBe('CN=enjoy-life-tpp,O=Enjoy Life,C=TW');
  });

  it('escapes RFC 2253 special characters and joins multi-valued RDNs with +', () => {
    expect(formatDn([{ C: ['GB'] }, { O: ['Acme, Inc; "UK"'] }, { CN: ['#1 ', 'b+c'] }])).toBe(
      'CN=\\#1\\ +CN=b\\+c,O=Acme\\, Inc\\; \\"UK\\",C=GB',
    );
  });
});

describe('clientCertIdentity', () => {
  it('reports subject, issuer, serial, validity and PEM like API Gateway', async () => {
    // Prepare
    const ca = await createCertificateAuthority({ country: 'TW', organization: 'Test Trust', commonName: 'Test CA' });
    const { certPem } = await issueCertificate(
      ca,
      { country: 'TW', organization: 'Enjoy Life', commonName: 'enjoy-life-tpp' },
      { kind: 'client' },
    );
    const peer = new X509Certificate(certPem);
    // Act
    const identity = clientCertIdentity(peer);
    // Assess
    expect(identity).toEqual({
      clientCertPem: peer.toString(),
      subjectDN: 'CN=enjoy-life-tpp,O=Enjoy Life,C=TW',
      issuerDN: 'CN=Test CA,O=Test Trust,C=TW',
      serialNumber: peer.serialNumber,
      validity: { notBefore: peer.validFrom, notAfter: peer.validTo },
    });
    expect(new X509Certificate(identity.clientCertPem).fingerprint256).toBe(peer.fingerprint256);
  });
});

describe('matchRoute', () => {
  const mtls = compileRoutes(specs, 'mtls');

  it('matches a template and extracts decoded path parameters', () => {
    expect(matchRoute(mtls, 'GET', '/aisp/account-access-consents/urn%3Aconsent%3A42')).toEqual({
      kind: 'matched',
      handlerId: 'consents',
      resource: '/aisp/account-access-consents/{ConsentId}',
      pathParameters: { ConsentId: 'urn:consent:42' },
    });
  });

  it('gives null pathParameters for a literal route and prefers a literal segment over a parameter', () => {
    expect(matchRoute(mtls, 'POST', '/aisp/account-access-consents')).toMatchObject({
      handlerId: 'consents',
      pathParameters: null,
    });
    expect(matchRoute(mtls, 'GET', '/aisp/account-access-consents/latest')).toMatchObject({ handlerId: 'latest' });
  });

  it('answers 405 with the allowed methods for a known path and 404 otherwise', () => {
    expect(matchRoute(mtls, 'PUT', '/aisp/account-access-consents/c1')).toEqual({
      kind: 'methodNotAllowed',
      allow: ['GET', 'DELETE'],
    });
    expect(matchRoute(mtls, 'GET', '/aisp/account-access-consents/c1/extra')).toEqual({ kind: 'notFound' });
    expect(matchRoute(mtls, 'GET', '/aisp/account-access-consentsX')).toEqual({ kind: 'notFound' });
  });

  it('serves only the routes of its own surface', () => {
    expect(matchRoute(mtls, 'GET', '/.well-known/openid-configuration')).toEqual({ kind: 'notFound' });
    expect(matchRoute(compileRoutes(specs, 'browser'), 'GET', '/.well-known/openid-configuration')).toMatchObject({
      handlerId: 'discovery',
    });
  });
});

describe('toProxyEvent', () => {
  const match = {
    kind: 'matched' as const,
    handlerId: 'consents',
    resource: '/c/{ConsentId}',
    pathParameters: { ConsentId: 'c1' },
  };
  const context = { requestId: 'req-1', stage: 'local', now: new Date('2026-11-21T09:15:02.123Z'), clientCert: null };
  const request = (overrides: Partial<IncomingRequest>): IncomingRequest => ({
    method: 'POST',
    url: '/c/c1',
    rawHeaders: [
      'Host',
      'localhost:8444',
      'Content-Type',
      'application/x-www-form-urlencoded',
      'user-agent',
      'tpp/1.0',
    ],
    body: Buffer.from('grant_type=client_credentials'),
    sourceIp: '127.0.0.1',
    localPort: 8444,
    ...overrides,
  });

  it('builds a REST v1 event with headers, multi-value maps, request context and a UTF-8 text body', () => {
    // Prepare
    const incoming = request({
      url: '/c/c1?a=1&b=x%20y&a=2',
      rawHeaders: [
        'Host',
        'localhost:8444',
        'Content-Type',
        'application/x-www-form-urlencoded',
        'user-agent',
        'tpp/1.0',
        'Accept',
        'application/json',
        'accept',
        'text/plain',
      ],
    });
    // Act
    const event = toProxyEvent(incoming, match, context);
    // Assess
    expect(event).toMatchObject({
      httpMethod: 'POST',
      path: '/c/c1',
      resource: '/c/{ConsentId}',
      pathParameters: { ConsentId: 'c1' },
      queryStringParameters: { a: '2', b: 'x y' },
      multiValueQueryStringParameters: { a: ['1', '2'], b: ['x y'] },
      body: 'grant_type=client_credentials',
      isBase64Encoded: false,
      stageVariables: null,
    });
    expect(event.headers).toMatchObject({ Host: 'localhost:8444', Accept: 'application/json', accept: 'text/plain' });
    expect(event.headers['X-Forwarded-For']).toBe('127.0.0.1');
    expect(event.headers['X-Forwarded-Proto']).toBe('https');
    expect(event.headers['X-Forwarded-Port']).toBe('8444');
    expect(event.multiValueHeaders['Content-Type']).toEqual(['application/x-www-form-urlencoded']);
    expect(event.requestContext).toMatchObject({
      requestId: 'req-1',
      stage: 'local',
      httpMethod: 'POST',
      resourcePath: '/c/{ConsentId}',
      domainName: 'localhost',
      requestTimeEpoch: context.now.getTime(),
      requestTime: '21/Nov/2026:09:15:02 +0000',
      identity: { sourceIp: '127.0.0.1', userAgent: 'tpp/1.0', clientCert: null },
    });
  });

  it('base64-encodes non-text bodies and reports absent query and body as null', () => {
    const binary = Buffer.from([0, 1, 2, 255]);
    const event = toProxyEvent(
      request({ rawHeaders: ['Content-Type', 'application/octet-stream'], body: binary }),
      match,
      context,
    );
    expect(event).toMatchObject({ body: binary.toString('base64'), isBase64Encoded: true });
    expect(toProxyEvent(request({ method: 'GET', body: Buffer.alloc(0) }), match, context)).toMatchObject({
      body: null,
      isBase64Encoded: false,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
    });
  });

  it('appends the caller to an existing X-Forwarded-For and carries the client certificate', () => {
    const clientCert = {
      clientCertPem: 'PEM',
      subjectDN: 'CN=a',
      issuerDN: 'CN=ca',
      serialNumber: '01',
      validity: { notBefore: 'x', notAfter: 'y' },
    };
    const event = toProxyEvent(request({ rawHeaders: ['x-forwarded-for', '10.0.0.1'] }), match, {
      ...context,
      clientCert,
    });
    expect(event.headers['X-Forwarded-For']).toBe('10.0.0.1, 127.0.0.1');
    expect(event.headers['x-forwarded-for']).toBeUndefined();
    expect(event.requestContext.identity.clientCert).toBe(clientCert);
  });
});

describe('isTextMediaType', () => {
  it('treats JSON, forms, JWTs and text as text, the rest as binary', () => {
    for (const type of [
      'application/json; charset=utf-8',
      'application/jwt',
      'application/jose',
      'application/problem+json',
      'text/html',
      undefined,
    ]) {
      expect(isTextMediaType(type)).toBe(true);
    }
    for (const type of ['application/octet-stream', 'image/png', 'application/pdf']) {
      expect(isTextMediaType(type)).toBe(false);
    }
  });
});

describe('lambdaContext', () => {
  it('names the function after the handler and counts down from the integration timeout', () => {
    const context = lambdaContext({ id: 'token', memorySize: 1024 }, 'req-9', Date.now());
    expect(context).toMatchObject({ functionName: 'bankgate-token', awsRequestId: 'req-9', memoryLimitInMB: '1024' });
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(28_000);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(29_000);
  });
});
