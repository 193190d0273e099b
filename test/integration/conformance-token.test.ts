/**
 * Conformance audit of the token, introspection and revocation endpoints, black box over real mutual TLS:
 * the checks of the OpenID conformance suite's FAPI 2.0 Security Profile / FAPI 1.0 Advanced plans and of
 * RFC 6749 / 7009 / 7523 / 7662 / 8705 that the other suites leave open. TPPs are the certified
 * openid-client library where it can express the request; raw requests where the point is a malformed one.
 * The customer's part of the code flow (IdP sign-in, consent page API) is driven over HTTP with a cookie jar.
 */
import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, type JWK, type JWTPayload, SignJWT, UnsecuredJWT } from 'jose';
import * as oidc from 'openid-client';
import { CookieBrowser, signInAndAllow } from '../support/customer-journey';
import { assertionForm, nowSeconds, OAUTH_ERROR_CHARSET, signClientAssertion } from '../support/fapi-requests';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';
import { createConsent, type Tpp, tppClient } from '../support/tpp';

jest.setTimeout(60_000);

const FAPI2_CLIENT = 'tsp2'; // private_key_jwt
const FAPI1_CLIENT = 'tpp-fapi1'; // tls_client_auth
const CLIENT_CREDENTIALS_ONLY = 'bank-admin'; // tls_client_auth, client_credentials only
const SCA = 'urn:openbanking:psd2:sca';
const CUSTOMER = 'steve';

interface Exchange {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown> | undefined;
  readonly text: string;
}

/** Every response a TPP's openid-client calls received, so the headers of library-made requests can be checked. */
interface RecordingTpp extends Tpp {
  readonly received: { readonly url: string; readonly response: Response }[];
}

describe('conformance: token, introspection and revocation endpoints', () => {
  let sandbox: TestSandbox;
  let fapi2: RecordingTpp;
  let fapi1: RecordingTpp;
  let fapi2OverFapi1Certificate: RecordingTpp;
  let clientCredentialsOnly: RecordingTpp;
  let fapi2Jwk: JWK;

  beforeAll(async () => {
    // A child process: /authorize and /login/callback talk HTTPS to the IdP, which jest's VM cannot trust in-process.
    sandbox = await startSandboxProcess();
    [fapi2, fapi1, fapi2OverFapi1Certificate, clientCredentialsOnly] = await Promise.all([
      recordingTpp(FAPI2_CLIENT),
      recordingTpp(FAPI1_CLIENT),
      recordingTpp(FAPI2_CLIENT, FAPI1_CLIENT),
      recordingTpp(CLIENT_CREDENTIALS_ONLY),
    ]);
    fapi2Jwk = JSON.parse(readFileSync(sandbox.client(FAPI2_CLIENT).jwk, 'utf8'));
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  async function recordingTpp(clientId: string, certificateOf = clientId): Promise<RecordingTpp> {
    const tpp = await tppClient(sandbox, clientId, { certificateOf });
    const received: RecordingTpp['received'] = [];
    tpp.config[oidc.customFetch] = (async (url: string, init: RequestInit) => {
      const response = await tpp.fetch(url, init);
      received.push({ url, response });
      return response;
    }) as never;
    return { ...tpp, received };
  }

  const mtls = (path: string) => `${sandbox.manifest.mtls_base_url}${path}`;
  const issuer = () => sandbox.manifest.issuer;

  /** RFC 8705 §3.1 `x5t#S256`, computed here from the client's certificate file, not by the product. */
  function thumbprintOf(clientId: string): string {
    const der = new X509Certificate(readFileSync(sandbox.client(clientId).cert)).raw;
    return createHash('sha256').update(der).digest('base64url');
  }

  /** A raw form POST to an mTLS endpoint over `tpp`'s connection (its certificate). */
  async function post(tpp: Tpp, path: string, form: Record<string, string>): Promise<Exchange> {
    const response = await tpp.fetch(mtls(path), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined, text };
  }

  /** A tsp2 client assertion, valid unless `claims` or `signing` say otherwise (an undefined claim is left out). */
  const clientAssertion = (claims: JWTPayload = {}, signing: { alg?: string; key?: CryptoKey } = {}) =>
    signClientAssertion(fapi2, issuer(), claims, signing);

  const clientCredentialsWith = (assertion: string) =>
    post(fapi2, '/token', assertionForm(assertion, { grant_type: 'client_credentials', scope: 'accounts' }));

  /** RFC 6749 §5.2 error response: status, JSON body, error code and description in the allowed charset. */
  function expectOAuthError(response: Exchange, status: number, error: string) {
    expect({ status: response.status, error: response.body?.error }).toEqual({ status, error });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body!.error).toMatch(OAUTH_ERROR_CHARSET);
    if (response.body!.error_description !== undefined) {
      expect(response.body!.error_description).toMatch(OAUTH_ERROR_CHARSET);
    }
  }

  /** RFC 6749 §5.1: a token response must not be stored by any cache. */
  function expectUncacheable(headers: Headers) {
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(headers.get('cache-control')).toBe('no-store');
    expect(headers.get('pragma')).toBe('no-cache');
  }

  /** The response to the last call `tpp`'s library made to `path`. */
  function lastResponse(tpp: RecordingTpp, path: string): Response {
    const found = tpp.received.findLast((entry) => new URL(entry.url).pathname === path);
    if (!found) throw new Error(`${tpp.clientId} made no call to ${path}`);
    return found.response;
  }

  /**
   * The FAPI 2.0 code flow of tsp2 with openid-client (PAR + PKCE), the customer signing in at the IdP and
   * sharing one account through the consent page API: the tokens of the code exchange.
   */
  async function customerTokens(tpp: RecordingTpp) {
    const consentId = await createConsent(sandbox, tpp, ['ReadAccountsDetail', 'ReadBalances']);
    const redirectUri = sandbox.client(tpp.clientId).redirect_uris.find((uri) => !uri.includes('localhost'))!;
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const authorizationUrl = await oidc.buildAuthorizationUrlWithPAR(tpp.config, {
      redirect_uri: redirectUri,
      scope: 'openid accounts',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      claims: JSON.stringify({
        id_token: {
          openbanking_intent_id: { value: consentId, essential: true },
          acr: { essential: true, values: [SCA] },
        },
      }),
    });

    const browser = new CookieBrowser(sandbox.browserAgent());
    const callback = await signInAndAllow(sandbox, browser, authorizationUrl.href, CUSTOMER);

    return oidc.authorizationCodeGrant(tpp.config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      idTokenExpected: true,
    });
  }

  describe('private_key_jwt client assertions (RFC 7523 §3, FAPI 2.0 SP §5.3.2.1)', () => {
    it.each<[string, (now: number) => JWTPayload]>([
      ['iat 10 s in the future', (now) => ({ iat: now + 10, exp: now + 70 })],
      ['nbf 10 s in the future', (now) => ({ nbf: now + 10, exp: now + 70 })],
    ])('accepts an assertion with %s (clock skew)', async (_name, claims) => {
      // Prepare
      const assertion = await clientAssertion(claims(nowSeconds()));

      // Act
      const response = await clientCredentialsWith(assertion);

      // Assess
      expect(response.status).toBe(200);
      expect(response.body!.access_token).toEqual(expect.any(String));
    });

    it.each<[string, (now: number) => JWTPayload]>([
      ['iat more than 60 s in the future', (now) => ({ iat: now + 61, exp: now + 121 })],
      ['nbf more than 60 s in the future', (now) => ({ nbf: now + 61, exp: now + 121 })],
      ['exp in the past (beyond clock skew)', (now) => ({ iat: now - 90, exp: now - 30 })],
      ['aud the issuer inside an array', () => ({ aud: [issuer()] })],
    ])('refuses an assertion with %s as invalid_client 401', async (_name, claims) => {
      // Prepare
      const assertion = await clientAssertion(claims(nowSeconds()));

      // Act
      const response = await clientCredentialsWith(assertion);

      // Assess
      expectOAuthError(response, 401, 'invalid_client');
    });

    it.each<[string, () => Promise<string>]>([
      // The client's own RSA key, with PKCS#1 v1.5 instead of PSS (FAPI: PS256 or ES256 only).
      ['RS256 with the registered key', async () => clientAssertion({}, { alg: 'RS256', key: await rsaKey() })],
      // Algorithm confusion: the public JWK used as an HMAC secret.
      ['HS256 keyed with the public JWK', async () => hmacAssertion()],
      ['alg none', async () => unsignedAssertion()],
    ])('refuses an assertion signed with %s as invalid_client 401', async (_name, assertion) => {
      // Act
      const response = await clientCredentialsWith(await assertion());

      // Assess
      expectOAuthError(response, 401, 'invalid_client');
    });

    const rsaKey = async () => (await importJWK(fapi2Jwk, 'RS256')) as CryptoKey;

    async function hmacAssertion() {
      const { d: _private, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = fapi2Jwk;
      const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
      const now = nowSeconds();
      return new SignJWT({ jti: randomUUID() })
        .setProtectedHeader({ alg: 'HS256', kid: fapi2Jwk.kid })
        .setIssuer(FAPI2_CLIENT)
        .setSubject(FAPI2_CLIENT)
        .setAudience(issuer())
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(secret);
    }

    function unsignedAssertion() {
      const now = nowSeconds();
      return Promise.resolve(
        new UnsecuredJWT({ jti: randomUUID() })
          .setIssuer(FAPI2_CLIENT)
          .setSubject(FAPI2_CLIENT)
          .setAudience(issuer())
          .setIssuedAt(now)
          .setExpirationTime(now + 60)
          .encode(),
      );
    }

    it.each(['/introspect', '/revoke'])(
      'at %s accepts the issuer as audience and refuses the endpoint URL itself',
      async (path) => {
        // Prepare
        const { access_token } = await oidc.clientCredentialsGrant(fapi2.config, { scope: 'accounts' });
        const [asIssuer, asEndpoint] = await Promise.all([clientAssertion(), clientAssertion({ aud: mtls(path) })]);

        // Act
        const refused = await post(fapi2, path, assertionForm(asEndpoint, { token: access_token }));
        const accepted = await post(fapi2, path, assertionForm(asIssuer, { token: access_token }));

        // Assess
        expectOAuthError(refused, 401, 'invalid_client');
        expect(accepted.status).toBe(200);
        if (path === '/introspect') expect(accepted.body).toMatchObject({ active: true, client_id: FAPI2_CLIENT });
      },
    );

    it("binds the token to the certificate on the connection, even when it is another TPP's (RFC 8705 §3)", async () => {
      // Act: tsp2 authenticates with its assertion over the TLS connection of tpp-fapi1's certificate.
      const { access_token } = await oidc.clientCredentialsGrant(fapi2OverFapi1Certificate.config, {
        scope: 'accounts',
      });

      // Assess
      const introspection = await oidc.tokenIntrospection(fapi2.config, access_token);
      expect(introspection).toMatchObject({ active: true, client_id: FAPI2_CLIENT });
      expect(introspection.cnf).toEqual({ 'x5t#S256': thumbprintOf(FAPI1_CLIENT) });
      expect(thumbprintOf(FAPI1_CLIENT)).not.toBe(thumbprintOf(FAPI2_CLIENT));
    });
  });

  describe('token endpoint errors (RFC 6749 §5.2, FAPI 2.0 SP §5.3.2.1)', () => {
    it('challenges a client that tried the Authorization header with its scheme (401 + WWW-Authenticate)', async () => {
      // Prepare: client_secret_basic, which Bankgate does not offer
      const basic = Buffer.from(`${FAPI2_CLIENT}:guess`).toString('base64');

      // Act
      const response = await fapi2.fetch(mtls('/token'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'accounts' }).toString(),
      });

      // Assess
      expect(response.status).toBe(401);
      expect((await response.json()).error).toBe('invalid_client');
      expect(response.headers.get('www-authenticate')).toBe(`Basic realm="${issuer()}"`);
    });

    type ErrorCase = [name: string, status: number, error: string, tpp: () => Tpp, form: () => Record<string, string>];
    it.each<ErrorCase>([
      [
        'an unknown client_id',
        401,
        'invalid_client',
        () => fapi1,
        () => ({ grant_type: 'client_credentials', client_id: 'nobody' }),
      ],
      [
        'no client authentication',
        401,
        'invalid_client',
        () => fapi2,
        () => ({ grant_type: 'client_credentials', scope: 'accounts' }),
      ],
      [
        'a client_secret',
        401,
        'invalid_client',
        () => fapi1,
        () => ({ grant_type: 'client_credentials', client_id: FAPI1_CLIENT, client_secret: 'guess' }),
      ],
      [
        'the password grant',
        400,
        'unsupported_grant_type',
        () => fapi1,
        () => ({ grant_type: 'password', client_id: FAPI1_CLIENT, username: 'steve', password: 'x' }),
      ],
      ['no grant_type', 400, 'invalid_request', () => fapi1, () => ({ client_id: FAPI1_CLIENT })],
      [
        'a grant the client is not registered for',
        400,
        'unauthorized_client',
        () => clientCredentialsOnly,
        () => ({
          grant_type: 'authorization_code',
          client_id: CLIENT_CREDENTIALS_ONLY,
          code: oidc.randomState(),
          redirect_uri: 'https://bank-admin.example/cb',
        }),
      ],
      [
        'an authorization code nobody issued',
        400,
        'invalid_grant',
        () => fapi1,
        () => ({
          grant_type: 'authorization_code',
          client_id: FAPI1_CLIENT,
          code: oidc.randomState(),
          redirect_uri: sandbox.client(FAPI1_CLIENT).redirect_uris[0]!,
          code_verifier: oidc.randomPKCECodeVerifier(),
        }),
      ],
      [
        'a refresh token nobody issued',
        400,
        'invalid_grant',
        () => fapi1,
        () => ({ grant_type: 'refresh_token', client_id: FAPI1_CLIENT, refresh_token: oidc.randomState() }),
      ],
    ])('answers %s with %i %s', async (_name, status, error, tpp, form) => {
      // Act
      const response = await post(tpp(), '/token', form());

      // Assess
      expectOAuthError(response, status, error);
    });

    it('refuses a repeated parameter (RFC 6749 §3.2) with invalid_request', async () => {
      // Act
      const response = await fapi1.fetch(mtls('/token'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&client_id=${FAPI1_CLIENT}&scope=accounts&scope=openid`,
      });

      // Assess
      const text = await response.text();
      expectOAuthError(
        { status: response.status, headers: response.headers, body: JSON.parse(text), text },
        400,
        'invalid_request',
      );
    });

    it('never echoes a character outside the RFC 6749 §5.2 set into error_description', async () => {
      // Prepare: a quote, a backslash and a non-ASCII letter in the values a description may quote.
      const hostile = 'x"y\\z\u00e9';
      const { refresh_token } = await customerTokens(fapi2);

      // Act
      const [grantType, clientCredentialsScope, refreshScope] = await Promise.all([
        post(fapi1, '/token', { grant_type: hostile, client_id: FAPI1_CLIENT }),
        post(fapi1, '/token', {
          grant_type: 'client_credentials',
          client_id: FAPI1_CLIENT,
          scope: `accounts ${hostile}`,
        }),
        post(
          fapi2,
          '/token',
          assertionForm(await clientAssertion(), {
            grant_type: 'refresh_token',
            refresh_token: refresh_token!,
            scope: `accounts ${hostile}`,
          }),
        ),
      ]);

      // Assess
      expectOAuthError(grantType, 400, 'unsupported_grant_type');
      expectOAuthError(clientCredentialsScope, 400, 'invalid_scope');
      expectOAuthError(refreshScope, 400, 'invalid_scope');
    });
  });

  describe('successful token responses (RFC 6749 §5.1, RFC 8705 §3)', () => {
    it('client_credentials: an uncacheable Bearer token without refresh token, bound to the certificate', async () => {
      // Act
      const tokens = await oidc.clientCredentialsGrant(fapi1.config, { scope: 'accounts' });

      // Assess
      expectUncacheable(lastResponse(fapi1, '/token').headers);
      expect(tokens.token_type).toBe('bearer'); // openid-client normalises the case
      expect(Number.isInteger(tokens.expires_in) && tokens.expires_in! > 0).toBe(true);
      expect(tokens.refresh_token).toBeUndefined(); // RFC 6749 §4.4.3: SHOULD NOT
      const introspection = await oidc.tokenIntrospection(fapi1.config, tokens.access_token);
      expect(introspection.cnf).toEqual({ 'x5t#S256': thumbprintOf(FAPI1_CLIENT) });
    });

    it('authorization_code and refresh_token: uncacheable Bearer tokens bound to the certificate', async () => {
      // Act
      const issued = await customerTokens(fapi2);
      const codeResponse = lastResponse(fapi2, '/token');
      const refreshed = await oidc.refreshTokenGrant(fapi2.config, issued.refresh_token!);
      const refreshResponse = lastResponse(fapi2, '/token');

      // Assess
      for (const [tokens, response] of [
        [issued, codeResponse],
        [refreshed, refreshResponse],
      ] as const) {
        expectUncacheable(response.headers);
        expect(tokens.token_type).toBe('bearer');
        expect(Number.isInteger(tokens.expires_in) && tokens.expires_in! > 0).toBe(true);
        const introspection = await oidc.tokenIntrospection(fapi2.config, tokens.access_token);
        expect(introspection).toMatchObject({
          active: true,
          sub: CUSTOMER,
          cnf: { 'x5t#S256': thumbprintOf(FAPI2_CLIENT) },
        });
      }
      expect(codeResponse).not.toBe(refreshResponse);
      expect(issued.claims()).toMatchObject({ sub: CUSTOMER, acr: SCA });
    });
  });

  describe("another client holding tsp2's refresh token", () => {
    it('can neither refresh, introspect nor revoke it, and the owner keeps using it', async () => {
      // Prepare
      const { refresh_token } = await customerTokens(fapi2);

      // Act
      const refreshing = oidc.refreshTokenGrant(fapi1.config, refresh_token!);
      const introspection = await oidc.tokenIntrospection(fapi1.config, refresh_token!);
      await oidc.tokenRevocation(fapi1.config, refresh_token!);
      const revokeResponse = lastResponse(fapi1, '/revoke');

      // Assess
      await expect(refreshing).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
      expect(introspection).toEqual({ active: false });
      expect(revokeResponse.status).toBe(200);
      const ownIntrospection = await oidc.tokenIntrospection(fapi2.config, refresh_token!);
      expect(ownIntrospection).toMatchObject({ active: true, client_id: FAPI2_CLIENT });
      // RFC 7662 §2.2: token_type is an access token's type; a refresh token has none.
      expect(ownIntrospection).not.toHaveProperty('token_type');
      const refreshed = await oidc.refreshTokenGrant(fapi2.config, refresh_token!);
      expect(await oidc.tokenIntrospection(fapi2.config, refreshed.access_token)).toMatchObject({ active: true });
    });
  });

  describe('introspection and revocation (RFC 7662 §2, RFC 7009 §2)', () => {
    it('finds the token whatever token_type_hint says, and answers 200 for a token already revoked', async () => {
      // Prepare
      const { access_token } = await oidc.clientCredentialsGrant(fapi1.config, { scope: 'accounts' });
      const wrongHint = { token_type_hint: 'refresh_token' };

      // Act
      const introspection = await oidc.tokenIntrospection(fapi1.config, access_token, wrongHint);
      await oidc.tokenRevocation(fapi1.config, access_token, wrongHint);
      const afterRevocation = await oidc.tokenIntrospection(fapi1.config, access_token);
      const again = await post(fapi1, '/revoke', { client_id: FAPI1_CLIENT, token: access_token });

      // Assess
      expect(introspection).toMatchObject({ active: true, client_id: FAPI1_CLIENT });
      expect(afterRevocation).toEqual({ active: false });
      expect(again.status).toBe(200);
      expect(again.text).toBe('');
    });

    it.each(['/introspect', '/revoke'])('%s requires client authentication (invalid_client 401)', async (path) => {
      // Prepare: tsp2 is registered for private_key_jwt; its certificate alone does not authenticate it.
      const { access_token } = await oidc.clientCredentialsGrant(fapi2.config, { scope: 'accounts' });

      // Act
      const response = await post(fapi2, path, { client_id: FAPI2_CLIENT, token: access_token });

      // Assess
      expectOAuthError(response, 401, 'invalid_client');
      expect(response.body).not.toHaveProperty('active');
      expect(await oidc.tokenIntrospection(fapi2.config, access_token)).toMatchObject({ active: true });
    });
  });
});
