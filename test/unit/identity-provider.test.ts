/**
 * The OIDC relying party adapter against a scripted identity provider (discovery, JWKS and token endpoint
 * answered through `customFetch`), so each check openid-client makes on our behalf can be exercised in isolation.
 */
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { createOidcIdentityProvider } from '../../lambdas/adapters/oidc-identity-provider';
import type { IdentityProvider } from '../../lambdas/ports/identity-provider';

const ISSUER = 'https://idp.bank.test';
const CLIENT_ID = 'bankgate';
const CLIENT_SECRET = 'aClientSecretForTheBankIdp0123456789'; // alphanumeric: Basic auth form-encodes the rest
const REDIRECT_URI = 'https://auth.bankgate.test/idp/callback';

interface ScriptedIdp {
  readonly fetch: oidc.CustomFetch;
  readonly requests: { url: string; headers: Headers; body: URLSearchParams }[];
  /** Claims the token endpoint signs into the ID token (iss, aud, iat, exp are added). */
  idTokenClaims: JWTPayload;
  discoveryStatus: number;
}

async function scriptedIdp(): Promise<ScriptedIdp> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const idp: ScriptedIdp = {
    requests: [],
    idTokenClaims: {},
    discoveryStatus: 200,
    fetch: async (url, init) => {
      const body = new URLSearchParams(typeof init.body === 'string' ? init.body : init.body?.toString());
      idp.requests.push({ url, headers: new Headers(init.headers), body });
      switch (url) {
        case `${ISSUER}/.well-known/openid-configuration`:
          return Response.json(
            {
              issuer: ISSUER,
              authorization_endpoint: `${ISSUER}/auth`,
              token_endpoint: `${ISSUER}/token`,
              jwks_uri: `${ISSUER}/jwks`,
              response_types_supported: ['code'],
              id_token_signing_alg_values_supported: ['RS256'],
            },
            { status: idp.discoveryStatus },
          );
        case `${ISSUER}/jwks`:
          return Response.json({ keys: [jwk] });
        case `${ISSUER}/token`: {
          const idToken = await new SignJWT({ ...idp.idTokenClaims })
            .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
            .setIssuer(ISSUER)
            .setAudience(CLIENT_ID)
            .setIssuedAt()
            .setExpirationTime('5m')
            .sign(privateKey);
          return Response.json({ access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token: idToken });
        }
        default:
          return new Response('not found', { status: 404 });
      }
    },
  };
  return idp;
}

let idp: ScriptedIdp;
let rp: IdentityProvider;

beforeEach(async () => {
  idp = await scriptedIdp();
  rp = createOidcIdentityProvider({
    issuer: ISSUER,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    customFetch: idp.fetch,
  });
});

const discoveries = () => idp.requests.filter((r) => r.url.endsWith('/.well-known/openid-configuration')).length;

describe('startLogin', () => {
  test('sends the customer to the IdP with an S256 PKCE challenge, fresh state and nonce, discovering once', async () => {
    // Act
    const first = await rp.startLogin({
      redirectUri: REDIRECT_URI,
      loginHint: 'alice',
      acrValues: 'urn:openbanking:psd2:sca',
    });
    const second = await rp.startLogin({ redirectUri: REDIRECT_URI });

    // Assess
    const url = new URL(first.url);
    expect(`${url.origin}${url.pathname}`).toBe(`${ISSUER}/auth`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(first.codeVerifier),
      code_challenge_method: 'S256',
      state: first.state,
      nonce: first.nonce,
      login_hint: 'alice',
      acr_values: 'urn:openbanking:psd2:sca',
    });
    expect(new URL(second.url).searchParams.has('login_hint')).toBe(false);
    expect(second.state).not.toBe(first.state);
    expect(second.nonce).not.toBe(first.nonce);
    expect(second.codeVerifier).not.toBe(first.codeVerifier);
    expect(discoveries()).toBe(1);
  });

  test('a failed discovery is an IdentityProviderError and is tried again on the next login', async () => {
    // Prepare
    idp.discoveryStatus = 503;

    // Act
    const failed = rp.startLogin({ redirectUri: REDIRECT_URI });
    await expect(failed).rejects.toMatchObject({ name: 'IdentityProviderError' });
    idp.discoveryStatus = 200;
    const retried = await rp.startLogin({ redirectUri: REDIRECT_URI });

    // Assess
    expect(retried.url).toMatch(/^https:\/\/idp\.bank\.test\/auth\?/);
    expect(discoveries()).toBe(2);
  });
});

describe('completeLogin', () => {
  const now = () => Math.floor(Date.now() / 1000);

  test('redeems the code at the registered redirect URI with the PKCE verifier and returns the customer', async () => {
    // Prepare
    const login = await rp.startLogin({ redirectUri: REDIRECT_URI });
    const authTime = now() - 5;
    idp.idTokenClaims = {
      sub: 'cust-1',
      name: 'Alice',
      acr: 'urn:openbanking:psd2:sca',
      auth_time: authTime,
      nonce: login.nonce,
    };
    // The callback can reach the handler on another host name (e.g. behind the CDN) than the one registered.
    const callbackUrl = `https://internal.example/idp/callback?code=the-code&state=${login.state}`;

    // Act
    const customer = await rp.completeLogin({ callbackUrl, redirectUri: REDIRECT_URI, expected: login });

    // Assess
    expect(customer).toMatchObject({ subject: 'cust-1', name: 'Alice', acr: 'urn:openbanking:psd2:sca', authTime });
    expect(customer.claims).toMatchObject({ sub: 'cust-1', aud: 'bankgate', iss: ISSUER });
    const tokenRequest = idp.requests.find((r) => r.url === `${ISSUER}/token`)!;
    expect(Object.fromEntries(tokenRequest.body)).toEqual({
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: REDIRECT_URI,
      code_verifier: login.codeVerifier,
    });
    expect(tokenRequest.headers.get('authorization')).toBe(
      `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
    );
  });

  test('an ID token for another login (nonce mismatch) is rejected', async () => {
    // Prepare
    const login = await rp.startLogin({ redirectUri: REDIRECT_URI });
    idp.idTokenClaims = { sub: 'cust-1', auth_time: now(), nonce: 'someone-elses-nonce' };

    // Act
    const completing = rp.completeLogin({
      callbackUrl: `${REDIRECT_URI}?code=c&state=${login.state}`,
      redirectUri: REDIRECT_URI,
      expected: login,
    });

    // Assess
    await expect(completing).rejects.toMatchObject({ name: 'IdentityProviderError' });
    await expect(completing).rejects.toThrow(/nonce/);
  });

  test('an ID token that does not say when the customer authenticated is rejected', async () => {
    // Prepare
    const login = await rp.startLogin({ redirectUri: REDIRECT_URI });
    idp.idTokenClaims = { sub: 'cust-1', nonce: login.nonce };

    // Act
    const completing = rp.completeLogin({
      callbackUrl: `${REDIRECT_URI}?code=c&state=${login.state}`,
      redirectUri: REDIRECT_URI,
      expected: login,
    });

    // Assess
    await expect(completing).rejects.toMatchObject({ name: 'IdentityProviderError' });
    await expect(completing).rejects.toThrow(/auth_time/);
  });

  test('an error answered on the callback carries the IdP error code and no token request is made', async () => {
    // Prepare
    const login = await rp.startLogin({ redirectUri: REDIRECT_URI });

    // Act
    const completing = rp.completeLogin({
      callbackUrl: `${REDIRECT_URI}?error=access_denied&state=${login.state}`,
      redirectUri: REDIRECT_URI,
      expected: login,
    });

    // Assess
    await expect(completing).rejects.toMatchObject({ name: 'IdentityProviderError', error: 'access_denied' });
    expect(idp.requests.some((r) => r.url === `${ISSUER}/token`)).toBe(false);
  });
});

describe('wiring.identityProvider', () => {
  const baseEnv = {
    BANKGATE_ISSUER: 'https://auth.bankgate.test',
    BANKGATE_MTLS_BASE_URL: 'https://mtls.bankgate.test',
  };
  const withEnv = (env: Record<string, string>) => {
    const saved = process.env;
    process.env = { ...baseEnv, ...env };
    let adapter!: typeof import('../../lambdas/identity-wiring');
    // A fresh module registry so the configuration and the cached identity provider are read from this environment.
    jest.isolateModules(() => {
      adapter = require('../../lambdas/identity-wiring');
    });
    return { adapter, restore: () => (process.env = saved) };
  };

  test('is one instance per process, built from BANKGATE_IDP_*', () => {
    // Prepare
    const { adapter, restore } = withEnv({
      BANKGATE_IDP_ISSUER: ISSUER,
      BANKGATE_IDP_CLIENT_ID: CLIENT_ID,
      BANKGATE_IDP_CLIENT_SECRET: CLIENT_SECRET,
    });

    // Act
    const first = adapter.identityWiring.identityProvider;
    const second = adapter.identityWiring.identityProvider;
    restore();

    // Assess
    expect(second).toBe(first);
  });

  test('names the missing settings when no identity provider is configured', () => {
    // Prepare
    const { adapter, restore } = withEnv({ BANKGATE_IDP_ISSUER: ISSUER, BANKGATE_IDP_CLIENT_ID: CLIENT_ID });

    // Act
    const build = () => adapter.identityWiring.identityProvider;

    // Assess
    try {
      expect(build).toThrow(/BANKGATE_IDP_CLIENT_SECRET/);
    } finally {
      restore();
    }
  });
});
