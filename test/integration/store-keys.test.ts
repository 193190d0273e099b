/**
 * Store keys composed of a client id and a value cannot collide across clients, although client ids may
 * contain `:` — checked through the production adapters against dynalite: client `a:b` with value `c`
 * and client `a` with value `b:c` are two records, not one.
 */
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { Stores } from '../../lambdas/adapters/dynamodb';
import type { GrantRegistry } from '../../lambdas/ports/store';
import { type HandlerEnvironment, startHandlerEnvironment } from '../support/handler-environment';

const ISSUER = 'https://auth.store-keys.test';
const NOW = () => Math.floor(Date.now() / 1000);

let environment: HandlerEnvironment;
let stores: Stores;
let grants: GrantRegistry;
let authenticateClient: typeof import('../../lambdas/domain/client-auth').authenticateClient;
let JWT_BEARER_ASSERTION: string;

beforeAll(async () => {
  environment = await startHandlerEnvironment({ name: 'store-keys', issuer: ISSUER });
  const [{ wiring }, clientAuth] = await Promise.all([
    import('../../lambdas/wiring'),
    import('../../lambdas/domain/client-auth'),
  ]);
  stores = wiring.stores;
  grants = wiring.grantRegistry;
  ({ authenticateClient, JWT_BEARER_ASSERTION } = clientAuth);
}, 60_000);

afterAll(async () => {
  await environment?.close();
});

it('keeps the assertion jti of client "a:b" apart from that of client "a"', async () => {
  // Prepare: two private_key_jwt clients whose id + jti join to the same text.
  const { privateKey, publicKey } = await generateKeyPair('PS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig' as const };
  for (const clientId of ['a:b', 'a']) {
    await stores.clients.put({
      clientId,
      clientName: clientId,
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwks: { keys: [jwk] },
      scopes: ['accounts'],
      grantTypes: ['client_credentials'],
    } as never);
  }
  const assertion = (clientId: string, jti: string) =>
    new SignJWT({ jti })
      .setProtectedHeader({ alg: 'PS256', kid: 'k1' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(ISSUER)
      .setIssuedAt(NOW())
      .setExpirationTime(NOW() + 60)
      .sign(privateKey);
  const authenticate = async (clientId: string, jti: string) =>
    authenticateClient(
      {
        params: new Map([
          ['client_assertion_type', JWT_BEARER_ASSERTION],
          ['client_assertion', await assertion(clientId, jti)],
        ]),
        now: NOW(),
      },
      { clients: stores.clients, once: stores.once, issuer: ISSUER },
    );
  // Act
  const first = await authenticate('a:b', 'c');
  const second = await authenticate('a', 'b:c');
  // Assess: both first uses succeed; a real replay is still refused.
  expect([first.clientId, second.clientId]).toEqual(['a:b', 'a']);
  await expect(authenticate('a', 'b:c')).rejects.toThrow(/already been used/);
});

it('keeps the idempotency key of client "a:b" apart from that of client "a"', async () => {
  const now = NOW();
  const record = (clientId: string, value: string) => ({
    key: { purpose: 'idempotency' as const, clientId, value },
    expiresAt: now + 60,
    data: { consentId: `consent-of-${clientId}` },
  });
  expect(await stores.once.claim(record('a:b', 'c'), now)).toBe(true);
  expect(await stores.once.claim(record('a', 'b:c'), now)).toBe(true);
  const stored = await stores.once.get({ purpose: 'idempotency', clientId: 'a', value: 'b:c' }, now);
  expect(stored?.data).toEqual({ consentId: 'consent-of-a' });
});

it("never hands one client's consent-less grant to another as the grant it replaced", async () => {
  const expiresAt = NOW() + 600;
  await grants.replace('a:b', 'c', { grantId: 'grant-of-a:b' }, expiresAt);
  // Client "a", customer "b:c": its first grant replaces nothing (else the other client's tokens would be revoked).
  expect(await grants.replace('a', 'b:c', { grantId: 'grant-of-a' }, expiresAt)).toBeUndefined();
  expect(await grants.replace('a:b', 'c', { grantId: 'next-of-a:b' }, expiresAt)).toEqual({ grantId: 'grant-of-a:b' });
});

it('keeps authorization records of different kinds with one id apart, and reads each by its own kind', async () => {
  const now = NOW();
  const request = { clientId: 'a', redirectUri: 'https://a.example/cb', scope: 'openid' } as never;
  await stores.authorizations.put({
    kind: 'par',
    id: 'same-id',
    clientId: 'a',
    expiresAt: now + 60,
    request,
    used: false,
  });
  await stores.authorizations.put({
    kind: 'code',
    id: 'same-id',
    clientId: 'a',
    expiresAt: now + 60,
    used: false,
    redirectUri: 'https://a.example/cb',
    codeChallenge: 'c',
    scope: 'openid',
    subject: 'alice',
    grantId: 'g',
  } as never);
  // Using the code up leaves the pushed request of the same id unused, and each is read back with its domain id.
  expect(await stores.authorizations.consume('code', 'same-id', now)).toMatchObject({
    ok: true,
    record: { kind: 'code', id: 'same-id' },
  });
  expect(await stores.authorizations.get('par', 'same-id', now)).toMatchObject({
    kind: 'par',
    id: 'same-id',
    used: false,
  });
  expect(await stores.authorizations.get('login', 'same-id', now)).toBeUndefined();
});
