import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { type Client, parseClient } from '../../lambdas/domain/client';
import type { ClientCertificate } from '../../lambdas/domain/client-auth';
import { authenticateClient, JWT_BEARER_ASSERTION } from '../../lambdas/domain/client-auth';
import { InvalidClient } from '../../lambdas/errors';
import type { ClientStore, OnceRecord, OnceStore } from '../../lambdas/ports/store';

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
      const existing = onceRecords.get(record.id);
      if (existing && existing.expiresAt > now) return false;
      onceRecords.set(record.id, record);
      return true;
    },
    get: async (id) => onceRecords.get(id),
  };
  return { clients: clientStore, once, issuer: ISSUER };
}

const certificate = (subjectDn: string): ClientCertificate => ({ pem: '', subjectDn, thumbprint: 'x5t' });

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
    tlsClient = parseClient({
      clientId: 'fin',
      clientName: 'Financroo',
      tokenEndpointAuthMethod: 'tls_client_auth',
      tlsClientAuthSubjectDn: 'CN=financroo,O=Financroo,C=GB',
      redirectUris: ['https://financroo.example/cb'],
      scopes: ['openid', 'accounts'],
    });
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

  it('authenticates tls_client_auth by the certificate subject DN only', async () => {
    const deps = memoryStores([jwtClient, tlsClient]);
    const ok = await authenticateClient(
      { params: params({ client_id: 'fin' }), certificate: certificate('C=GB, O=Financroo, CN=financroo'), now: NOW },
      deps,
    );
    expect(ok.clientId).toBe('fin');
    await refusal(
      authenticateClient(
        { params: params({ client_id: 'fin' }), certificate: certificate('CN=evil,O=Financroo,C=GB'), now: NOW },
        deps,
      ),
    );
    await refusal(authenticateClient({ params: params({ client_id: 'fin' }), now: NOW }, deps));
    // A private_key_jwt client cannot fall back to certificate authentication.
    await refusal(
      authenticateClient(
        { params: params({ client_id: 'tsp2' }), certificate: certificate('CN=financroo,O=Financroo,C=GB'), now: NOW },
        deps,
      ),
    );
    await refusal(
      authenticateClient({ params: params({ client_id: 'nobody' }), certificate: certificate('CN=x'), now: NOW }, deps),
    );
  });
});
