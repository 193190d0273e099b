/**
 * A black-box conformance audit of PAR and /authorize, after the OpenID Foundation conformance suite's
 * FAPI 2.0 Security Profile (fapi2-security-profile-final / fapi2-message-signing-final) and FAPI 1.0
 * Advanced test plans: the checks the other authorization tests leave out. The customer's journey is
 * driven over plain HTTPS (a cookie jar, no browser) so the success cases stay fast.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, decodeProtectedHeader, importJWK, type JWK, type JWTPayload, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { type Agent, fetch as undiciFetch } from 'undici';
import { CookieBrowser, signInAndAllow } from '../support/customer-journey';
import {
  asForm,
  authorizeInBrowser,
  expectErrorPage,
  nowSeconds,
  OAUTH_ERROR_CHARSET,
  pushAuthorizationRequest,
  type Signer,
  signRequestObject,
} from '../support/fapi-requests';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';
import { createConsent, signingKeyOf, type Tpp, tppClient } from '../support/tpp';

jest.setTimeout(60_000);

const FAPI2_CLIENT = 'tsp2';
const FAPI1_CLIENT = 'tpp-fapi1';
const CUSTOMER = 'steve';
const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';
/** FAPI 2.0 SP: nonces of up to 64 characters must be returned intact. */
const NONCE_64 = randomBytes(48).toString('base64url');

/** OIDC Core §3.3.2.11: base64url of the left half of the SHA-256 of the value (PS256 / ES256). */
const halfHash = (value: string) =>
  createHash('sha256').update(value, 'ascii').digest().subarray(0, 16).toString('base64url');

describe('conformance audit: PAR and the authorization endpoint', () => {
  let sandbox: TestSandbox;
  let fapi2: Tpp;
  let fapi1: Tpp;
  let browserAgent: Agent;

  beforeAll(async () => {
    // A child process: /authorize discovers the IdP over HTTPS, which jest's VM cannot trust in-process.
    sandbox = await startSandboxProcess();
    [fapi2, fapi1] = await Promise.all([tppClient(sandbox, FAPI2_CLIENT), tppClient(sandbox, FAPI1_CLIENT)]);
    browserAgent = sandbox.browserAgent();
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  const mtls = (path: string) => `${sandbox.manifest.mtls_base_url}${path}`;
  const issuer = () => sandbox.manifest.issuer;
  const externalRedirectUri = (tpp: Tpp) =>
    sandbox.client(tpp.clientId).redirect_uris.find((uri) => !uri.includes('localhost'))!;

  /** A valid request for the client's profile, scope `openid` only (no consent needed), unless overridden. */
  function authorizationParameters(tpp: Tpp, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const hybrid = tpp.clientId === FAPI1_CLIENT;
    return {
      client_id: tpp.clientId,
      redirect_uri: externalRedirectUri(tpp),
      response_type: hybrid ? 'code id_token' : 'code',
      scope: 'openid',
      code_challenge: oidc.randomPKCECodeVerifier(), // any 43-character base64url value is well formed
      code_challenge_method: 'S256',
      state: oidc.randomState(),
      ...(hybrid ? { nonce: oidc.randomNonce() } : {}),
      ...overrides,
    };
  }

  /** A request object with FAPI-valid iss/aud/nbf/exp unless `claims` overrides them (undefined removes one). */
  const requestObject = (tpp: Tpp, claims: Record<string, unknown> = {}, signer?: Signer) =>
    signRequestObject(tpp, issuer(), { ...authorizationParameters(tpp), ...claims }, signer);

  /** POST /par authenticated as the client registers (private_key_jwt for tsp2, its certificate for tpp-fapi1). */
  const push = (tpp: Tpp, form: Record<string, string>, assertionClaims: JWTPayload = {}) =>
    pushAuthorizationRequest(sandbox, tpp, form, { assertionClaims });

  /** GET /authorize on the browser origin, without following redirects. */
  const authorize = (query: Record<string, string>, headers: Record<string, string> = {}) =>
    authorizeInBrowser(sandbox, browserAgent, query, headers);

  function expectErrorCharset(error: string | null, description: string | null) {
    expect(error).toMatch(OAUTH_ERROR_CHARSET);
    if (description !== null) expect(description).toMatch(OAUTH_ERROR_CHARSET);
  }

  /** The redirects Bankgate itself answered (the IdP's are oidc-provider's business). */
  const bankgateRedirects = (browser: CookieBrowser) =>
    browser.redirects.filter((hop) => hop.includes(` ${issuer()}/`));

  describe('PAR endpoint', () => {
    it('answers 201 JSON, not cacheable, with a fresh request_uri of >= 128 bits each time and expires_in < 600', async () => {
      // Prepare
      const form = asForm(authorizationParameters(fapi2));

      // Act
      const [first, second] = [await push(fapi2, form), await push(fapi2, form)];

      // Assess
      for (const pushed of [first, second]) {
        expect(pushed.status).toBe(201);
        expect(pushed.headers.get('content-type')).toMatch(/^application\/json/);
        expect(pushed.headers.get('cache-control')).toMatch(/no-store/);
        expect(pushed.body.request_uri.startsWith(REQUEST_URI_PREFIX)).toBe(true);
        const handle: string = pushed.body.request_uri.slice(REQUEST_URI_PREFIX.length);
        expect(handle).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(Buffer.from(handle, 'base64url').length).toBeGreaterThanOrEqual(16);
        expect(Number.isInteger(pushed.body.expires_in)).toBe(true);
        expect(pushed.body.expires_in).toBeGreaterThan(0);
        expect(pushed.body.expires_in).toBeLessThan(600);
      }
      expect(first.body.request_uri).not.toBe(second.body.request_uri);
    });

    it.each<[string, string, Record<string, unknown>]>([
      ['response_type=token', 'unsupported_response_type', { response_type: 'token' }],
      ['no redirect_uri', 'invalid_request', { redirect_uri: undefined }],
      ['a scope the client is not registered for, spelled with " \\ and é', 'invalid_scope', { scope: 'openid "é\\' }],
    ])('refuses %s: 400 %s, error and error_description in the RFC 6749 charset', async (_case, error, overrides) => {
      // Prepare
      const form = asForm(authorizationParameters(fapi2, overrides));

      // Act
      const pushed = await push(fapi2, form);

      // Assess
      expect(pushed.status).toBe(400);
      expect(pushed.body.error).toBe(error);
      expectErrorCharset(pushed.body.error, pushed.body.error_description);
    });

    it('refuses unsigned parameters from a FAPI 1.0 Advanced client: 400 invalid_request', async () => {
      // Prepare
      const form = asForm(authorizationParameters(fapi1));

      // Act
      const pushed = await push(fapi1, form);

      // Assess
      expect(pushed.status).toBe(400);
      expect(pushed.body.error).toBe('invalid_request');
    });

    const hs256 = (): Signer => ({ key: randomBytes(32), kid: fapi1.kid, alg: 'HS256' });

    it.each<[string, () => Promise<string>]>([
      ['HS256', () => requestObject(fapi1, {}, hs256())],
      ['iss other than the client_id', () => requestObject(fapi1, { iss: FAPI2_CLIENT })],
      ['no iss', () => requestObject(fapi1, { iss: undefined })],
      ['a client_id claim naming another client', () => requestObject(fapi1, { client_id: FAPI2_CLIENT })],
      ['exp in the past', () => requestObject(fapi1, { nbf: nowSeconds() - 600, exp: nowSeconds() - 300 })],
      ['nbf more than 60 s in the future', () => requestObject(fapi1, { nbf: nowSeconds() + 70 })],
      [
        'a request_uri inside (RFC 9126 §2.1)',
        () => requestObject(fapi1, { request_uri: `${REQUEST_URI_PREFIX}${'A'.repeat(43)}` }),
      ],
      ['a request inside (OIDC Core §6.1)', async () => requestObject(fapi1, { request: await requestObject(fapi1) })],
    ])('refuses a pushed request object with %s: 400 invalid_request_object', async (_case, build) => {
      // Prepare
      const request = await build();

      // Act
      const pushed = await push(fapi1, { request });

      // Assess
      expect(pushed.status).toBe(400);
      expect(pushed.body.error).toBe('invalid_request_object');
      expectErrorCharset(pushed.body.error, pushed.body.error_description);
    });

    it.each<[string, () => Record<string, unknown>]>([
      ['nbf 8 s in the future', () => ({ nbf: nowSeconds() + 8 })],
      ['an aud array that contains the issuer', () => ({ aud: ['https://other.example', issuer()] })],
    ])('accepts a request object with %s', async (_case, claims) => {
      // Prepare
      const request = await requestObject(fapi1, claims());

      // Act
      const pushed = await push(fapi1, { request });

      // Assess
      expect(pushed.status).toBe(201);
    });

    it.each<[string, () => JWTPayload]>([
      ['the PAR endpoint', () => ({ aud: mtls('/par') })],
      ['the token endpoint', () => ({ aud: mtls('/token') })],
      ['an array holding the issuer', () => ({ aud: [issuer()] })],
      ['iat and nbf more than 60 s in the future', () => ({ iat: nowSeconds() + 70, nbf: nowSeconds() + 70 })],
    ])('refuses a client assertion whose aud/time is %s: 401 invalid_client', async (_case, claims) => {
      // Act
      const pushed = await push(fapi2, asForm(authorizationParameters(fapi2)), claims());

      // Assess
      expect(pushed.status).toBe(401);
      expect(pushed.body.error).toBe('invalid_client');
    });

    it('accepts a client assertion with iat and nbf 8 s in the future', async () => {
      // Prepare
      const future = nowSeconds() + 8;

      // Act
      const pushed = await push(fapi2, asForm(authorizationParameters(fapi2)), {
        iat: future,
        nbf: future,
        exp: future + 60,
      });

      // Assess
      expect(pushed.status).toBe(201);
    });
  });

  describe('request_uri at /authorize', () => {
    it("binds the request_uri to the client that pushed it: another client's client_id gets an error page", async () => {
      // Prepare
      const pushed = await push(fapi2, asForm(authorizationParameters(fapi2)));

      // Act
      const response = await authorize({ client_id: FAPI1_CLIENT, request_uri: pushed.body.request_uri });

      // Assess
      await expectErrorPage(response, 'invalid_request_uri');
    });

    it.each<[string, string]>([
      ['a request_uri that was never pushed', `${REQUEST_URI_PREFIX}${randomBytes(32).toString('base64url')}`],
      ['an https request_uri (never fetched)', 'https://attacker.example/request.jwt'],
    ])('shows an error page for %s', async (_case, requestUri) => {
      // Act
      const response = await authorize({ client_id: FAPI2_CLIENT, request_uri: requestUri });

      // Assess
      await expectErrorPage(response, 'invalid_request_uri');
    });

    it('answers a form POST with 303 See Other, never 307', async () => {
      // Prepare
      const pushed = await push(fapi2, asForm(authorizationParameters(fapi2)));

      // Act
      const response = await undiciFetch(`${issuer()}/authorize`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: FAPI2_CLIENT, request_uri: pushed.body.request_uri }).toString(),
        dispatcher: browserAgent,
        redirect: 'manual',
      });

      // Assess
      expect(response.status).toBe(303);
      expect(response.headers.get('location')!.startsWith(sandbox.manifest.idp_issuer)).toBe(true);
    });

    it('sends no CORS headers, even to a request with an Origin', async () => {
      // Prepare
      const pushed = await push(fapi2, asForm(authorizationParameters(fapi2)));
      const origin = { origin: 'https://enjoy-life.example' };

      // Act
      const get = await authorize({ client_id: FAPI2_CLIENT, request_uri: pushed.body.request_uri }, origin);
      const preflight = await undiciFetch(`${issuer()}/authorize`, {
        method: 'OPTIONS',
        headers: { ...origin, 'access-control-request-method': 'GET' },
        dispatcher: browserAgent,
      });

      // Assess
      expect(get.status).toBe(303);
      for (const response of [get, preflight]) {
        expect([...response.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
      }
    });
  });

  describe('request object by value at /authorize (FAPI 1.0 Advanced)', () => {
    const rs256 = async (): Promise<Signer> => {
      const jwk = JSON.parse(readFileSync(sandbox.client(FAPI1_CLIENT).jwk, 'utf8')) as JWK;
      return { key: (await importJWK({ ...jwk, alg: 'RS256' }, 'RS256')) as CryptoKey, kid: jwk.kid!, alg: 'RS256' };
    };
    const unsigned = () => {
      const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
      const now = nowSeconds();
      const claims = { ...authorizationParameters(fapi1), iss: FAPI1_CLIENT, aud: issuer(), nbf: now, exp: now + 300 };
      return `${encode({ alg: 'none' })}.${encode(claims)}.`;
    };

    it.each<[string, () => Promise<string> | string]>([
      ['alg none', unsigned],
      ['HS256', () => requestObject(fapi1, {}, { key: randomBytes(32), kid: fapi1.kid, alg: 'HS256' })],
      ['RS256', async () => requestObject(fapi1, {}, await rs256())],
      [
        "another client's key",
        async () => requestObject(fapi1, {}, { ...(await signingKeyOf(sandbox, FAPI2_CLIENT)), alg: 'PS256' }),
      ],
      ['iss other than the client_id', () => requestObject(fapi1, { iss: FAPI2_CLIENT })],
      ['aud other than the issuer', () => requestObject(fapi1, { aud: mtls('/par') })],
      ['no exp', () => requestObject(fapi1, { exp: undefined })],
      ['no nbf', () => requestObject(fapi1, { nbf: undefined })],
      ['exp in the past', () => requestObject(fapi1, { nbf: nowSeconds() - 600, exp: nowSeconds() - 300 })],
      ['exp - nbf over 60 minutes', () => requestObject(fapi1, { exp: nowSeconds() + 3700 })],
      ['nbf older than 60 minutes', () => requestObject(fapi1, { nbf: nowSeconds() - 3602, exp: nowSeconds() - 4 })],
    ])('shows an error page for a request object with %s (invalid_request_object)', async (_case, build) => {
      // Prepare
      const request = await build();

      // Act
      const response = await authorize({ client_id: FAPI1_CLIENT, response_type: 'code id_token', request });

      // Assess
      await expectErrorPage(response, 'invalid_request_object');
    });

    it('shows an error page when the request object is missing altogether', async () => {
      // Act
      const response = await authorize(asForm(authorizationParameters(fapi1)));

      // Assess
      await expectErrorPage(response, 'invalid_request');
    });

    it('takes state only from the request object: a state outside it is never echoed', async () => {
      // Prepare: plain PKCE makes the request fail after redirect_uri is verified, so the error is redirected
      const request = await requestObject(fapi1, { state: undefined, code_challenge_method: 'plain' });

      // Act
      const response = await authorize({ client_id: FAPI1_CLIENT, state: 'outside-state', request });

      // Assess
      expect(response.status).toBe(303);
      const fragment = new URLSearchParams(new URL(response.headers.get('location')!).hash.slice(1));
      expect(fragment.get('error')).toBe('invalid_request');
      expect(fragment.has('state')).toBe(false);
    });

    it.each<[string, string, Record<string, unknown>]>([
      ['no nonce (required by the hybrid flow)', 'invalid_request', { nonce: undefined }],
      ['response_type=code id_token token', 'unsupported_response_type', { response_type: 'code id_token token' }],
      ['a scope spelled with " \\ and é', 'invalid_scope', { scope: 'openid "é\\' }],
    ])(
      'redirects a request object with %s: %s in the fragment, RFC 6749 charset, with state and iss',
      async (_case, error, claims) => {
        // Prepare
        const state = oidc.randomState();
        const request = await requestObject(fapi1, { ...claims, state });

        // Act
        const response = await authorize({ client_id: FAPI1_CLIENT, request });

        // Assess
        expect(response.status).toBe(303);
        const location = new URL(response.headers.get('location')!);
        expect(`${location.origin}${location.pathname}`).toBe(externalRedirectUri(fapi1));
        const fragment = new URLSearchParams(location.hash.slice(1));
        expect(fragment.get('error')).toBe(error);
        expectErrorCharset(fragment.get('error'), fragment.get('error_description'));
        expect(fragment.get('state')).toBe(state);
        expect(fragment.get('iss')).toBe(issuer());
      },
    );
  });

  describe('successful authorization responses', () => {
    it('FAPI 2.0: 303 redirects, code + state + iss in the query, a 64-character nonce intact in the ID token', async () => {
      // Prepare
      const consentId = await createConsent(sandbox, fapi2, ['ReadAccountsBasic']);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const pushed = await push(
        fapi2,
        asForm(
          authorizationParameters(fapi2, {
            scope: 'openid accounts',
            code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
            state,
            nonce: NONCE_64,
            claims: { id_token: { openbanking_intent_id: { value: consentId, essential: true } } },
          }),
        ),
      );
      const browser = new CookieBrowser(browserAgent);

      // Act
      const callback = await signInAndAllow(
        sandbox,
        browser,
        `${issuer()}/authorize?${new URLSearchParams({ client_id: FAPI2_CLIENT, request_uri: pushed.body.request_uri })}`,
        CUSTOMER,
      );
      const tokens = await oidc.authorizationCodeGrant(fapi2.config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: NONCE_64,
        idTokenExpected: true,
      });

      // Assess
      expect(bankgateRedirects(browser).length).toBeGreaterThanOrEqual(2);
      expect(bankgateRedirects(browser).every((hop) => hop.startsWith('303 '))).toBe(true);
      expect(`${callback.origin}${callback.pathname}`).toBe(externalRedirectUri(fapi2));
      expect(callback.hash).toBe('');
      expect([...callback.searchParams.keys()].sort()).toEqual(['code', 'iss', 'state']);
      expect(callback.searchParams.get('state')).toBe(state);
      expect(callback.searchParams.get('iss')).toBe(issuer());
      expect(NONCE_64).toHaveLength(64);
      expect(tokens.claims()!.nonce).toBe(NONCE_64);
    });

    it('FAPI 2.0: succeeds without state and without nonce, and adds no state to the response', async () => {
      // Prepare
      const consentId = await createConsent(sandbox, fapi2, ['ReadAccountsBasic']);
      const verifier = oidc.randomPKCECodeVerifier();
      const pushed = await push(
        fapi2,
        asForm(
          authorizationParameters(fapi2, {
            scope: 'openid accounts',
            code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
            state: undefined,
            claims: { id_token: { openbanking_intent_id: { value: consentId, essential: true } } },
          }),
        ),
      );

      // Act
      const callback = await signInAndAllow(
        sandbox,
        new CookieBrowser(browserAgent),
        `${issuer()}/authorize?${new URLSearchParams({ client_id: FAPI2_CLIENT, request_uri: pushed.body.request_uri })}`,
        CUSTOMER,
      );
      const tokens = await oidc.authorizationCodeGrant(fapi2.config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: oidc.skipStateCheck,
        idTokenExpected: true,
      });

      // Assess
      expect([...callback.searchParams.keys()].sort()).toEqual(['code', 'iss']);
      expect(tokens.claims()!.nonce).toBeUndefined();
    });

    it('FAPI 1.0 Advanced: code id_token in the fragment; the ID token is signed by the issuer with s_hash, c_hash and the nonce', async () => {
      // Prepare
      const consentId = await createConsent(sandbox, fapi1, ['ReadAccountsBasic']);
      const state = oidc.randomState();
      const request = await requestObject(fapi1, {
        scope: 'openid accounts',
        state,
        nonce: NONCE_64,
        claims: { id_token: { openbanking_intent_id: { value: consentId, essential: true } } },
      });
      const discovery = (await (
        await undiciFetch(`${issuer()}/.well-known/openid-configuration`, { dispatcher: browserAgent })
      ).json()) as { jwks_uri: string; id_token_signing_alg_values_supported: string[] };
      const jwks = await (await undiciFetch(discovery.jwks_uri, { dispatcher: browserAgent })).json();

      // Act
      const callback = await signInAndAllow(
        sandbox,
        new CookieBrowser(browserAgent),
        `${issuer()}/authorize?${new URLSearchParams({ client_id: FAPI1_CLIENT, response_type: 'code id_token', request })}`,
        CUSTOMER,
      );

      // Assess: the response
      expect(callback.search).toBe('');
      const fragment = new URLSearchParams(callback.hash.slice(1));
      expect(fragment.get('state')).toBe(state);
      expect(fragment.get('iss')).toBe(issuer());
      const code = fragment.get('code')!;
      const idToken = fragment.get('id_token')!;
      expect(code).toBeTruthy();

      // Assess: the ID token as a detached signature over code and state
      const { alg } = decodeProtectedHeader(idToken);
      expect(['PS256', 'ES256']).toContain(alg);
      expect(discovery.id_token_signing_alg_values_supported).toContain(alg);
      const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks as { keys: JWK[] }), {
        issuer: issuer(),
        audience: FAPI1_CLIENT,
        algorithms: ['PS256', 'ES256'],
      });
      expect(payload).toMatchObject({
        nonce: NONCE_64,
        c_hash: halfHash(code),
        s_hash: halfHash(state),
        openbanking_intent_id: consentId,
      });
    });
  });
});
