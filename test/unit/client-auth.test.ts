import type { JsonName } from '@peculiar/x509';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { ADMIN_SCOPE, type Client, parseClient } from '../../lambdas/domain/client';
import type { ClientCertificate } from '../../lambdas/domain/client-auth';
import { authenticateClient, JWT_BEARER_ASSERTION } from '../../lambdas/domain/client-auth';
import type { JwksFetch } from '../../lambdas/domain/client-keys';
import { InvalidClient } from '../../lambdas/errors';
import { certificateThumbprint } from '../../lambdas/http/request';
import type { ClientStore, OnceRecord, OnceStore } from '../../lambdas/ports/store';
import { createTestCa, issueTestCertificate, type TestCa } from '../support/throwaway-pki';

// RSA key generation in the hooks takes seconds on a loaded 2-core machine.
jest.setTimeout(30_000);

const ISSUER = 'https://auth.bank.example';
const NOW = 1_800_000_000;

function memoryStores(clients: Client[]) {
  const onceRecords = new Map<string, OnceRecord>();
  const clientStore: ClientStore = {
    get: async (id) => clients.find((c) => c.clientId === id),
    put: async () => undefined,
  };
  const once: OnceStore = {
    claim: async (record, now) => {
      const existing = onceRecords.get(JSON.stringify(record.key));
      if (existing && existing.expiresAt > now) return false;
      onceRecords.set(JSON.stringify(record.key), record);
      return true;
    },
    get: async (key) => onceRecords.get(JSON.stringify(key)),
  };
  return { clients: clientStore, once, issuer: ISSUER };
}

/** The Financroo tls_client_auth registration, with `extra` fields. */
const tlsRegistration = (extra: Record<string, unknown>) =>
  parseClient({
    clientId: 'fin',
    clientName: 'Financroo',
    tokenEndpointAuthMethod: 'tls_client_auth',
    tlsClientAuthSubjectDn: 'CN=financroo,O=Financroo,C=GB',
    redirectUris: ['https://financroo.example/cb'],
    scopes: ['openid', 'accounts'],
    ...extra,
  });

describe('client authentication', () => {
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;
  let publicJwk: JWK;
  let jwtClient: Client;
  let tlsClient: Client;

  beforeAll(async () => {
    otherKey = (await generateKeyPair('PS256')).privateKey;
    const kp = await generateKeyPair('PS256', { extractable: true });
    privateKey = kp.privateKey;
    publicJwk = { ...(await exportJWK(kp.publicKey)), kid: 'k1', use: 'sig' };
    jwtClient = parseClient({
      clientId: 'tsp2',
      clientName: 'Enjoy Life',
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [publicJwk] },
      redirectUris: ['https://enjoy-life.example/cb'],
      scopes: ['openid', 'accounts'],
    });
    tlsClient = tlsRegistration({});
  });

  const assertion = (claims: Record<string, unknown> = {}, key: CryptoKey = privateKey, alg = 'PS256') =>
    new SignJWT({ jti: `jti-${Math.random()}`, ...claims })
      .setProtectedHeader({ alg, kid: 'k1' })
      .setIssuer('tsp2')
      .setSubject('tsp2')
      .setAudience(ISSUER)
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 60)
      .sign(key);

  const params = (entries: Record<string, string>) => new Map(Object.entries(entries));

  const withAssertion = (jwt: string, extra: Record<string, string> = {}) =>
    params({ client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: jwt, ...extra });

  async function refusal(promise: Promise<unknown>): Promise<InvalidClient> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InvalidClient);
    expect((error as InvalidClient).status).toBe(401);
    return error as InvalidClient;
  }

  it('authenticates private_key_jwt with a valid assertion once, and refuses its replay', async () => {
    // Prepare
    const deps = memoryStores([jwtClient]);
    const jwt = await assertion({ jti: 'once' });
    // Act
    const client = await authenticateClient({ params: withAssertion(jwt, { client_id: 'tsp2' }), now: NOW }, deps);
    // Assess
    expect(client.clientId).toBe('tsp2');
    const replay = await refusal(authenticateClient({ params: withAssertion(jwt), now: NOW }, deps));
    expect(replay.description).toMatch(/already been used/);
  });

  it.each([
    ['wrong audience', { aud: 'https://other.example' }, /aud/],
    ['audience array', { aud: [ISSUER, 'x'] }, /aud/],
    ['iss != sub', { sub: 'someone-else' }, /sub/],
    ['no jti', { jti: undefined }, /jti/],
    ['too long lifetime', { exp: NOW + 3600 }, /lifetime/],
    ['expired', { exp: NOW - 60, iat: NOW - 120 }, /expired/],
    ['issued far in the future', { iat: NOW + 120, exp: NOW + 180 }, /iat/],
  ])('refuses an assertion with %s', async (_name, claims, message) => {
    const deps = memoryStores([jwtClient]);
    const jwt = await new SignJWT({
      jti: 'j',
      iss: 'tsp2',
      sub: 'tsp2',
      aud: ISSUER,
      iat: NOW,
      exp: NOW + 60,
      ...claims,
    })
      .setProtectedHeader({ alg: 'PS256', kid: 'k1' })
      .sign(privateKey);
    const error = await refusal(authenticateClient({ params: withAssertion(jwt), now: NOW }, deps));
    expect(error.description).toMatch(message);
  });

  describe('private_key_jwt with keys published at jwks_uri', () => {
    let served = 0;
    const publishing =
      (body: unknown, status = 200): JwksFetch =>
      async () => {
        served += 1;
        return Response.json(body, { status });
      };
    const published = (uri: string) =>
      parseClient({
        clientId: 'tsp2',
        clientName: 'Enjoy Life',
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwksUri: uri,
        redirectUris: ['https://enjoy-life.example/cb'],
        scopes: ['openid', 'accounts'],
      });

    it('verifies the assertion with the published keys, fetched once and kept', async () => {
      // Prepare
      served = 0;
      const deps = { ...memoryStores([published('https://keys.enjoy-life.example/a.json')]) };
      const fetchJwks = publishing({ keys: [publicJwk] });
      // Act
      for (let i = 0; i < 3; i++) {
        await authenticateClient({ params: withAssertion(await assertion()), now: NOW }, { ...deps, fetchJwks });
      }
      // Assess
      expect(served).toBe(1);
    });

    it.each([
      ['private keys', { keys: [{ kty: 'oct', kid: 'k1', k: 'c2VjcmV0' }] }, 200, /JWK Set of public keys/],
      ['no key set', { hello: 'world' }, 200, /JWK Set of public keys/],
      ['an error status', { keys: [] }, 404, /answered 404/],
    ])('refuses the client when jwks_uri answers %s', async (_what, body, status, message) => {
      const uri = `https://keys.enjoy-life.example/${status}-${Math.random()}.json`;
      const deps = { ...memoryStores([published(uri)]), fetchJwks: publishing(body, status) };
      const error = await refusal(authenticateClient({ params: withAssertion(await assertion()), now: NOW }, deps));
      expect(error.description).toMatch(message);
    });

    it.each([
      ['http', 'http://keys.enjoy-life.example/jwks.json', /https/],
      ['an IP address', 'https://169.254.169.254/latest/jwks.json', /DNS name/],
      ['credentials', 'https://user:pw@keys.enjoy-life.example/jwks.json', /credentials/],
    ])('refuses a jwks_uri with %s at registration', (_what, uri, message) => {
      expect(() => published(uri)).toThrow(message);
    });

    it('refuses signing keys registered beside a jwks_uri (encryption keys only)', () => {
      expect(() =>
        parseClient({
          clientId: 'tsp2',
          clientName: 'Enjoy Life',
          tokenEndpointAuthMethod: 'private_key_jwt',
          jwksUri: 'https://keys.enjoy-life.example/jwks.json',
          jwks: { keys: [publicJwk] },
          scopes: ['accounts'],
          grantTypes: ['client_credentials'],
        }),
      ).toThrow(/only encryption keys/);
    });
  });

  it('accepts iat a few seconds in the future (clock skew)', async () => {
    const deps = memoryStores([jwtClient]);
    const jwt = await assertion({ iat: NOW + 5 });
    await expect(authenticateClient({ params: withAssertion(jwt), now: NOW }, deps)).resolves.toBeDefined();
  });

  it('refuses another key, RS256, alg none, and a mismatching client_id', async () => {
    const deps = memoryStores([jwtClient]);
    await refusal(authenticateClient({ params: withAssertion(await assertion({}, otherKey)), now: NOW }, deps));
    const rs = (await generateKeyPair('RS256')).privateKey;
    const rsError = await refusal(
      authenticateClient({ params: withAssertion(await assertion({}, rs, 'RS256')), now: NOW }, deps),
    );
    expect(rsError.description).toMatch(/PS256 or ES256/);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'tsp2', sub: 'tsp2', aud: ISSUER, exp: NOW + 60, jti: 'n' })).toString('base64url')}.`;
    await refusal(authenticateClient({ params: withAssertion(none), now: NOW }, deps));
    await refusal(
      authenticateClient({ params: withAssertion(await assertion(), { client_id: 'fin' }), now: NOW }, deps),
    );
  });

  it('refuses a wrong assertion type, garbage assertions and client secrets', async () => {
    const deps = memoryStores([jwtClient]);
    await refusal(
      authenticateClient({ params: params({ client_assertion_type: 'x', client_assertion: 'y' }), now: NOW }, deps),
    );
    await refusal(authenticateClient({ params: withAssertion('not.a.jwt'), now: NOW }, deps));
    await refusal(authenticateClient({ params: params({ client_id: 'tsp2', client_secret: 's' }), now: NOW }, deps));
  });

  describe('tls_client_auth', () => {
    const FINANCROO: JsonName = [{ C: ['GB'] }, { O: ['Financroo'] }, { CN: ['financroo'] }];
    let tppCa: TestCa;
    let otherCa: TestCa;
    let adminCa: TestCa;
    let lookalikeAdminCa: TestCa;
    const certificate = async (ca: TestCa, name: JsonName): Promise<ClientCertificate> => {
      const { certPem } = await issueTestCertificate(ca, name);
      return { pem: certPem, thumbprint: certificateThumbprint(certPem) };
    };
    const tls = (clientId: string, cert: ClientCertificate) => ({
      params: params({ client_id: clientId }),
      certificate: cert,
      now: NOW,
    });

    beforeAll(async () => {
      tppCa = await createTestCa([{ C: ['GB'] }, { CN: ['TPP CA'] }]);
      otherCa = await createTestCa([{ C: ['GB'] }, { CN: ['Other CA'] }]);
      adminCa = await createTestCa([{ C: ['TW'] }, { O: ['TPI Bank'] }, { CN: ['TPI Bank Admin CA'] }]);
      // Same name as the admin CA, another key: only the signature tells them apart.
      lookalikeAdminCa = await createTestCa([{ C: ['TW'] }, { O: ['TPI Bank'] }, { CN: ['TPI Bank Admin CA'] }]);
    });

    it('authenticates by the certificate subject read from its DER, and refuses any other subject', async () => {
      const deps = memoryStores([jwtClient, tlsClient]);
      const ok = await authenticateClient(tls('fin', await certificate(tppCa, FINANCROO)), deps);
      expect(ok.clientId).toBe('fin');
      await refusal(
        authenticateClient(
          tls('fin', await certificate(tppCa, [{ C: ['GB'] }, { O: ['Financroo'] }, { CN: ['evil'] }])),
          deps,
        ),
      );
      // Reversed RDN order is another name.
      await refusal(authenticateClient(tls('fin', await certificate(tppCa, [...FINANCROO].reverse())), deps));
      // One CN spelling out the registered DN.
      await refusal(
        authenticateClient(tls('fin', await certificate(tppCa, [{ CN: ['financroo,O=Financroo,C=GB'] }])), deps),
      );
      await refusal(authenticateClient({ params: params({ client_id: 'fin' }), now: NOW }, deps));
      // A private_key_jwt client cannot fall back to certificate authentication.
      await refusal(authenticateClient(tls('tsp2', await certificate(tppCa, FINANCROO)), deps));
      await refusal(authenticateClient(tls('nobody', await certificate(tppCa, FINANCROO)), deps));
    });

    it('refuses a registration whose DN does not parse, and a stored one without the parsed subject', async () => {
      expect(() => tlsRegistration({ tlsClientAuthSubjectDn: 'not a dn' })).toThrow(
        /tlsClientAuthSubjectDn is not an RFC 4514 DN/,
      );
      expect(() => tlsRegistration({ tlsClientAuthSubjectDn: '/C=GB/O=Financroo/CN=financroo' })).toThrow(/RFC 4514/);
      expect(() => tlsRegistration({ tlsClientAuthIssuerDn: 'CN=a;C=GB' })).toThrow(/tlsClientAuthIssuerDn/);
      const { tlsClientAuthSubject: _parsed, ...legacy } = tlsClient;
      await refusal(
        authenticateClient(tls('fin', await certificate(tppCa, FINANCROO)), memoryStores([legacy as Client])),
      );
    });

    it('refuses the right subject from another truststore CA when the issuer is pinned by DN', async () => {
      const deps = memoryStores([tlsRegistration({ tlsClientAuthIssuerDn: 'CN=TPP CA,C=GB' })]);
      expect((await authenticateClient(tls('fin', await certificate(tppCa, FINANCROO)), deps)).clientId).toBe('fin');
      const refused = await refusal(authenticateClient(tls('fin', await certificate(otherCa, FINANCROO)), deps));
      expect(refused.description).toMatch(/not issued by the CA this client is pinned to/);
    });

    it('refuses a certificate from a same-named CA when the issuer is pinned by CA certificate', async () => {
      const pinned = tlsRegistration({ tlsClientAuthIssuerCertificate: adminCa.certPem });
      expect(pinned.tlsClientAuthIssuer?.caThumbprint).toBe(certificateThumbprint(adminCa.certPem));
      const deps = memoryStores([pinned]);
      expect((await authenticateClient(tls('fin', await certificate(adminCa, FINANCROO)), deps)).clientId).toBe('fin');
      await refusal(authenticateClient(tls('fin', await certificate(lookalikeAdminCa, FINANCROO)), deps));
      await refusal(authenticateClient(tls('fin', await certificate(tppCa, FINANCROO)), deps));
      expect(() =>
        tlsRegistration({ tlsClientAuthIssuerCertificate: adminCa.certPem, tlsClientAuthIssuerDn: 'CN=TPP CA,C=GB' }),
      ).toThrow(/differs from the subject/);
    });

    it('accepts the admin client only pinned to the bank admin CA and with a certificate it issued', async () => {
      const ADMIN: JsonName = [{ C: ['TW'] }, { O: ['TPI Bank'] }, { CN: ['tpi-bank-admin'] }];
      const admin = (extra: Record<string, unknown>) =>
        parseClient({
          clientId: 'bank-admin',
          clientName: 'TPI Bank administration',
          tokenEndpointAuthMethod: 'tls_client_auth',
          tlsClientAuthSubjectDn: 'CN=tpi-bank-admin,O=TPI Bank,C=TW',
          scopes: [ADMIN_SCOPE],
          grantTypes: ['client_credentials'],
          ...extra,
        });
      expect(() => admin({})).toThrow(/admin client must use tls_client_auth pinned to the bank admin CA/);
      const adminCaThumbprint = certificateThumbprint(adminCa.certPem);
      const deps = { ...memoryStores([admin({ tlsClientAuthIssuerCertificate: adminCa.certPem })]), adminCaThumbprint };
      expect((await authenticateClient(tls('bank-admin', await certificate(adminCa, ADMIN)), deps)).clientId).toBe(
        'bank-admin',
      );
      // The admin's subject, issued by the TPPs' CA.
      await refusal(authenticateClient(tls('bank-admin', await certificate(tppCa, ADMIN)), deps));
      // Pinned to some other CA than the tenant's admin CA, or no admin CA configured: refused.
      const elsewhere = {
        ...memoryStores([admin({ tlsClientAuthIssuerCertificate: tppCa.certPem })]),
        adminCaThumbprint,
      };
      await refusal(authenticateClient(tls('bank-admin', await certificate(tppCa, ADMIN)), elsewhere));
      const unconfigured = memoryStores([admin({ tlsClientAuthIssuerCertificate: adminCa.certPem })]);
      await refusal(authenticateClient(tls('bank-admin', await certificate(adminCa, ADMIN)), unconfigured));
    });
  });
});
