import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  authorizationResponseUrl,
  checkConsentForAuthorization,
  parseAuthorizationRequest,
  verifyRequestObject,
} from '../../lambdas/domain/authorization-request';
import { type Client, parseClient } from '../../lambdas/domain/client';
import type { Consent } from '../../lambdas/domain/model';
import { AuthorizationRequestError } from '../../lambdas/errors';

const ISSUER = 'https://auth.bank.example';
/** Clients with registered `jwks` never fetch. */
const noJwksUri = async (): Promise<Response> => {
  throw new Error('no jwks_uri fetch expected');
};
const NOW = 1_800_000_000;
const REDIRECT = 'https://tpp.example/cb';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

function clientOf(profile: 'fapi2' | 'fapi1-advanced', keys: object[]): Client {
  return parseClient({
    clientId: 'tpp',
    clientName: 'TPP',
    profile,
    tokenEndpointAuthMethod: 'private_key_jwt',
    jwks: { keys },
    redirectUris: [REDIRECT],
    scopes: ['openid', 'accounts'],
  });
}

const baseParams = (extra: Record<string, unknown> = {}) => ({
  redirect_uri: REDIRECT,
  response_type: 'code',
  scope: 'openid accounts',
  state: 'st',
  code_challenge: CHALLENGE,
  code_challenge_method: 'S256',
  claims: { id_token: { openbanking_intent_id: { value: 'aac-1', essential: true } } },
  ...extra,
});

function requestError(fn: () => unknown): AuthorizationRequestError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AuthorizationRequestError) return error;
    throw error;
  }
  throw new Error('expected a RequestError');
}

describe('request objects (JAR, FAPI)', () => {
  let key: CryptoKey;
  let other: CryptoKey;
  let client: Client;

  beforeAll(async () => {
    const pair = await generateKeyPair('PS256', { extractable: true });
    key = pair.privateKey;
    other = (await generateKeyPair('PS256')).privateKey;
    client = clientOf('fapi1-advanced', [{ ...(await exportJWK(pair.publicKey)), kid: 'k1' }]);
  });

  const sign = (claims: Record<string, unknown>, signingKey: CryptoKey = key, alg = 'PS256') =>
    new SignJWT({ iss: 'tpp', aud: ISSUER, nbf: NOW, exp: NOW + 300, ...claims })
      .setProtectedHeader({ alg, kid: 'k1' })
      .sign(signingKey);

  async function refusal(jwt: string): Promise<AuthorizationRequestError> {
    const error = await verifyRequestObject(jwt, client, { issuer: ISSUER, now: NOW, fetchJwks: noJwksUri }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthorizationRequestError);
    expect((error as AuthorizationRequestError).error).toBe('invalid_request_object');
    expect((error as AuthorizationRequestError).redirectable).toBe(false);
    return error as AuthorizationRequestError;
  }

  it('accepts a PS256 object with aud as a string or an array containing the issuer', async () => {
    await expect(
      verifyRequestObject(await sign({}), client, { issuer: ISSUER, now: NOW, fetchJwks: noJwksUri }),
    ).resolves.toMatchObject({
      iss: 'tpp',
    });
    await expect(
      verifyRequestObject(await sign({ aud: [ISSUER, 'x'] }), client, {
        issuer: ISSUER,
        now: NOW,
        fetchJwks: noJwksUri,
      }),
    ).resolves.toBeDefined();
  });

  it("verifies with the keys published at the client's jwks_uri when it has one", async () => {
    // Prepare: the same key, published instead of registered (jwks then holds no signing key).
    const published = { keys: client.jwks!.keys };
    const byUri = parseClient({
      clientId: 'tpp',
      clientName: 'TPP',
      profile: 'fapi1-advanced',
      tokenEndpointAuthMethod: 'private_key_jwt',
      jwksUri: 'https://tpp.example/jwks.json',
      redirectUris: [REDIRECT],
      scopes: ['openid', 'accounts'],
    });
    const fetched: string[] = [];
    const fetchJwks = async (url: string) => {
      fetched.push(url);
      return Response.json(published);
    };
    // Act
    const claims = await verifyRequestObject(await sign({}), byUri, { issuer: ISSUER, now: NOW, fetchJwks });
    const forged = verifyRequestObject(await sign({}, other), byUri, { issuer: ISSUER, now: NOW, fetchJwks });
    // Assess
    expect(claims).toMatchObject({ iss: 'tpp' });
    await expect(forged).rejects.toMatchObject({ error: 'invalid_request_object' });
    expect(fetched[0]).toBe('https://tpp.example/jwks.json');
  });

  it('tolerates a small future skew of nbf', async () => {
    await expect(
      verifyRequestObject(await sign({ nbf: NOW + 5 }), client, { issuer: ISSUER, now: NOW, fetchJwks: noJwksUri }),
    ).resolves.toBeDefined();
  });

  it.each([
    ['missing exp', { exp: undefined }],
    ['missing nbf', { nbf: undefined }],
    ['wrong aud', { aud: 'https://elsewhere' }],
    ['wrong iss', { iss: 'someone' }],
    ['expired', { exp: NOW - 60, nbf: NOW - 120 }],
    ['exp - nbf over 60 minutes', { exp: NOW + 3000, nbf: NOW - 1000 }],
    ['nbf over 60 minutes old', { nbf: NOW - 3700, exp: NOW + 10 }],
    ['nbf far in the future', { nbf: NOW + 120, exp: NOW + 300 }],
    ['another client_id', { client_id: 'other' }],
  ])('refuses %s', async (_name, claims) => {
    await refusal(await sign(claims));
  });

  it('refuses another key, RS256 and alg none', async () => {
    await refusal(await sign({}, other));
    await refusal(await sign({}, (await generateKeyPair('RS256')).privateKey, 'RS256'));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'tpp', aud: ISSUER, nbf: NOW, exp: NOW + 60 })).toString('base64url')}.`;
    await refusal(none);
    await refusal('not-a-jwt');
  });
});

describe('authorization request parameters', () => {
  const fapi2 = clientOf('fapi2', [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k' }]);
  const fapi1 = clientOf('fapi1-advanced', [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k' }]);

  it('builds the request a FAPI 2.0 client asked for', () => {
    expect(parseAuthorizationRequest(baseParams(), fapi2)).toMatchObject({
      clientId: 'tpp',
      responseType: 'code',
      responseMode: 'query',
      consentId: 'aac-1',
      codeChallengeMethod: 'S256',
    });
  });

  it('never redirects to an unregistered redirect_uri', () => {
    const error = requestError(() =>
      parseAuthorizationRequest(baseParams({ redirect_uri: 'https://evil.example/cb' }), fapi2),
    );
    expect(error.redirectable).toBe(false);
    expect(error.target).toBeUndefined();
  });

  it.each([
    ['plain PKCE', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['missing code_challenge', { code_challenge: undefined }, 'invalid_request'],
    ['hybrid response_type for a FAPI 2.0 client', { response_type: 'code id_token' }, 'unsupported_response_type'],
    ['unregistered scope', { scope: 'openid payments' }, 'invalid_scope'],
    ['accounts without an intent id', { claims: undefined }, 'invalid_request'],
    ['claims that are not JSON', { claims: '{' }, 'invalid_request'],
  ])('refuses %s with a redirectable %s', (_name, extra, code) => {
    const error = requestError(() => parseAuthorizationRequest(baseParams(extra), fapi2));
    expect(error.error).toBe(code);
    expect(error.target).toEqual({ redirectUri: REDIRECT, state: 'st', responseMode: expect.any(String) });
  });

  it('requires code id_token and a nonce from a FAPI 1.0 Advanced client, answering in the fragment', () => {
    expect(
      requestError(() => parseAuthorizationRequest(baseParams({ response_type: 'code id_token' }), fapi1)).target
        ?.responseMode,
    ).toBe('fragment');
    expect(
      parseAuthorizationRequest(baseParams({ response_type: 'code id_token', nonce: 'n' }), fapi1).responseMode,
    ).toBe('fragment');
  });

  it('puts iss and state next to the code (RFC 9207)', () => {
    const url = new URL(
      authorizationResponseUrl({ redirectUri: REDIRECT, responseMode: 'query', state: 's' }, ISSUER, { code: 'c' }),
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({ code: 'c', state: 's', iss: ISSUER });
    const fragment = new URL(
      authorizationResponseUrl({ redirectUri: REDIRECT, responseMode: 'fragment' }, ISSUER, {
        code: 'c',
        id_token: 't',
      }),
    );
    expect(Object.fromEntries(new URLSearchParams(fragment.hash.slice(1)))).toEqual({
      code: 'c',
      id_token: 't',
      iss: ISSUER,
    });
  });
});

describe('the consent named by the request', () => {
  const request = parseAuthorizationRequest(
    baseParams(),
    clientOf('fapi2', [{ kty: 'EC', kid: 'k', crv: 'P-256', x: 'x', y: 'y' }]),
  );
  const consent = (changes: Partial<Consent>): Consent => ({
    consentId: 'aac-1',
    clientId: 'tpp',
    status: 'AwaitingAuthorisation',
    permissions: ['ReadAccountsBasic'],
    creationDateTime: '2026-01-01T00:00:00Z',
    statusUpdateDateTime: '2026-01-01T00:00:00Z',
    risk: {},
    ...changes,
  });
  const now = new Date('2026-06-01T00:00:00Z');

  it('accepts an awaiting or (re-authorisation) authorised consent of this client', () => {
    expect(() => checkConsentForAuthorization(consent({}), request, now)).not.toThrow();
    expect(() => checkConsentForAuthorization(consent({ status: 'Authorised' }), request, now)).not.toThrow();
  });

  it.each([
    ['unknown', undefined],
    ["another client's", consent({ clientId: 'other' })],
    ['rejected', consent({ status: 'Rejected' })],
    ['revoked', consent({ status: 'Revoked' })],
    ['expired', consent({ expirationDateTime: '2026-05-01T00:00:00Z' })],
  ])('refuses an %s consent', (_name, value) => {
    expect(requestError(() => checkConsentForAuthorization(value, request, now)).error).toBe('invalid_request');
  });
});
