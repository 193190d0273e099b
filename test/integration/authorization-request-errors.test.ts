/**
 * The negative paths of the authorization request, end to end over real (mutual) TLS: what /par answers
 * an authenticated TPP (JSON errors), what /authorize does with a request it cannot trust (an error page,
 * never a redirect to an unverified redirect_uri) or can (an error sent to the registered redirect_uri),
 * and how the consent page API refuses callers without a login session.
 */
import { readFileSync } from 'node:fs';
import { generateKeyPair, importJWK, type JWK, UnsecuredJWT } from 'jose';
import * as oidc from 'openid-client';
import { type Agent, fetch as undiciFetch } from 'undici';
import {
  asForm,
  authorizeInBrowser,
  expectErrorPage,
  nowSeconds,
  pushAuthorizationRequest,
  type Signer,
  signRequestObject,
} from '../support/fapi-requests';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';
import { createConsent, deleteConsent, signingKeyOf, type Tpp, tppClient } from '../support/tpp';

jest.setTimeout(60_000);

const FAPI2_CLIENT = 'tsp2';
const FAPI1_CLIENT = 'tpp-fapi1';
const REQUEST_URI = /^urn:ietf:params:oauth:request_uri:/;
const LOGIN_ID = 'A'.repeat(22);

describe('authorization request errors: PAR, /authorize and the consent page API', () => {
  let sandbox: TestSandbox;
  let fapi2: Tpp;
  let fapi1: Tpp;
  let browser: Agent;
  let fapi2ConsentId: string;
  let fapi1ConsentId: string;

  beforeAll(async () => {
    // A child process: /authorize discovers the IdP over HTTPS, which jest's VM cannot trust in-process.
    sandbox = await startSandboxProcess();
    [fapi2, fapi1] = await Promise.all([tppClient(sandbox, FAPI2_CLIENT), tppClient(sandbox, FAPI1_CLIENT)]);
    browser = sandbox.browserAgent();
    [fapi2ConsentId, fapi1ConsentId] = await Promise.all([
      createConsent(sandbox, fapi2, ['ReadAccountsBasic']),
      createConsent(sandbox, fapi1, ['ReadAccountsBasic']),
    ]);
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  const browserUrl = (path: string) => `${sandbox.manifest.issuer}${path}`;
  const redirectUriOf = (tpp: Tpp) => sandbox.client(tpp.clientId).redirect_uris[0]!;

  /** A valid authorization request for the client's profile; the intent id names one of its consents. */
  function authorizationParameters(tpp: Tpp, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const hybrid = tpp.clientId === FAPI1_CLIENT;
    return {
      client_id: tpp.clientId,
      redirect_uri: redirectUriOf(tpp),
      response_type: hybrid ? 'code id_token' : 'code',
      scope: 'openid accounts',
      code_challenge: oidc.randomPKCECodeVerifier(), // any 43-character base64url value is well formed
      code_challenge_method: 'S256',
      state: oidc.randomState(),
      ...(hybrid ? { nonce: oidc.randomNonce() } : {}),
      claims: {
        id_token: {
          openbanking_intent_id: { value: hybrid ? fapi1ConsentId : fapi2ConsentId, essential: true },
        },
      },
      ...overrides,
    };
  }

  /** A request object with FAPI-valid iss/aud/nbf/exp unless `claims` overrides them (undefined removes one). */
  const requestObject = (tpp: Tpp, claims: Record<string, unknown> = {}, signer?: Signer) =>
    signRequestObject(tpp, sandbox.manifest.issuer, { ...authorizationParameters(tpp), ...claims }, signer);

  /** POST /par authenticated as the client registers (private_key_jwt or tls_client_auth), unless `anonymous`. */
  const push = (tpp: Tpp, form: Record<string, string>, options: { anonymous?: boolean } = {}) =>
    pushAuthorizationRequest(sandbox, tpp, form, options);

  /** GET /authorize on the browser origin, as a browser would, without following redirects. */
  const authorize = (query: Record<string, string>) => authorizeInBrowser(sandbox, browser, query);

  describe('PAR', () => {
    it('stores the pushed request under a short-lived request_uri that /authorize accepts only once', async () => {
      // Prepare
      const pushed = await push(fapi2, asForm(authorizationParameters(fapi2)));
      const query = { client_id: FAPI2_CLIENT, request_uri: pushed.body.request_uri };

      // Act
      const first = await authorize(query);
      const second = await authorize(query);

      // Assess
      expect(pushed.status).toBe(201);
      expect(pushed.body.request_uri).toMatch(REQUEST_URI);
      expect(pushed.body.expires_in).toBeGreaterThan(0);
      expect(pushed.body.expires_in).toBeLessThan(600);
      expect(first.status).toBe(303);
      expect(first.headers.get('location')!.startsWith(sandbox.manifest.idp_issuer)).toBe(true);
      expect(await expectErrorPage(second, 'invalid_request_uri')).toContain(
        '<h1>This link has expired or was already used</h1>',
      );
    });

    it('does not use up a request_uri presented with another client_id: its own client can still use it', async () => {
      // Prepare
      const pushed = await push(fapi2, asForm(authorizationParameters(fapi2)));

      // Act
      const wrongClient = await authorize({ client_id: FAPI1_CLIENT, request_uri: pushed.body.request_uri });
      const ownClient = await authorize({ client_id: FAPI2_CLIENT, request_uri: pushed.body.request_uri });

      // Assess
      expect(await expectErrorPage(wrongClient, 'invalid_request_uri')).toContain('<h1>This link is not valid</h1>');
      expect(ownClient.status).toBe(303);
      expect(ownClient.headers.get('location')!.startsWith(sandbox.manifest.idp_issuer)).toBe(true);
    });

    it('accepts a FAPI 1.0 Advanced client authenticated by its certificate with a signed request object', async () => {
      // Prepare
      const request = await requestObject(fapi1);

      // Act
      const pushed = await push(fapi1, { request });

      // Assess
      expect(pushed.status).toBe(201);
      expect(pushed.body.request_uri).toMatch(REQUEST_URI);
    });

    const otherKey = async (): Promise<Signer> => {
      const { privateKey } = await generateKeyPair('PS256');
      return { key: privateKey, kid: fapi2.kid };
    };
    const otherClientsKey = async (): Promise<Signer> => signingKeyOf(sandbox, FAPI1_CLIENT);
    const rs256Key = async (): Promise<Signer> => {
      const jwk = JSON.parse(readFileSync(sandbox.client(FAPI2_CLIENT).jwk, 'utf8')) as JWK;
      return { key: (await importJWK({ ...jwk, alg: 'RS256' }, 'RS256')) as CryptoKey, kid: jwk.kid!, alg: 'RS256' };
    };

    it.each<[string, RegExp, () => Promise<string>]>([
      [
        'alg none',
        /PS256 or ES256/,
        async () =>
          new UnsecuredJWT({ ...authorizationParameters(fapi2), iss: FAPI2_CLIENT, aud: sandbox.manifest.issuer })
            .setNotBefore(nowSeconds())
            .setExpirationTime(nowSeconds() + 300)
            .encode(),
      ],
      ['RS256', /PS256 or ES256/, async () => requestObject(fapi2, {}, await rs256Key())],
      [
        'a signature by a key the client never registered',
        /signature is invalid/,
        async () => requestObject(fapi2, {}, await otherKey()),
      ],
      ["the other client's key", /signature is invalid/, async () => requestObject(fapi2, {}, await otherClientsKey())],
      ['a wrong audience', /claim aud/, () => requestObject(fapi2, { aud: sandbox.manifest.mtls_base_url })],
      ['no exp', /claim exp/, () => requestObject(fapi2, { exp: undefined })],
      ['no nbf', /claim nbf/, () => requestObject(fapi2, { nbf: undefined })],
      [
        'exp - nbf over 60 minutes',
        /exp - nbf/,
        () => requestObject(fapi2, { nbf: nowSeconds(), exp: nowSeconds() + 3700 }),
      ],
      // Still unexpired and at most 60 minutes long, so only the age of nbf is wrong.
      [
        'nbf older than 60 minutes',
        /nbf is more than 60 minutes/,
        () => requestObject(fapi2, { nbf: nowSeconds() - 3602, exp: nowSeconds() - 4 }),
      ],
    ])('refuses a request object with %s: 400 invalid_request_object', async (_case, reason, build) => {
      // Prepare
      const request = await build();

      // Act
      const pushed = await push(fapi2, { request });

      // Assess
      expect(pushed.status).toBe(400);
      expect(pushed.body.error).toBe('invalid_request_object');
      expect(pushed.body.error_description).toMatch(reason);
    });

    it.each<[string, string, Record<string, unknown>]>([
      ['PKCE method plain', 'invalid_request', { code_challenge_method: 'plain' }],
      ['no code_challenge', 'invalid_request', { code_challenge: undefined }],
      ['an unregistered redirect_uri', 'invalid_request', { redirect_uri: 'https://attacker.example/callback' }],
      [
        'the hybrid response_type for a FAPI 2.0 client',
        'unsupported_response_type',
        { response_type: 'code id_token' },
      ],
      [
        'an unknown openbanking_intent_id',
        'invalid_request',
        { claims: { id_token: { openbanking_intent_id: { value: 'aac-unknown', essential: true } } } },
      ],
    ])('refuses %s: 400 %s', async (_case, error, overrides) => {
      // Prepare
      const form = asForm(authorizationParameters(fapi2, overrides));

      // Act
      const pushed = await push(fapi2, form);

      // Assess
      expect(pushed.status).toBe(400);
      expect(pushed.body.error).toBe(error);
    });

    it("refuses another client's consent: 400 invalid_request", async () => {
      // Prepare
      const intent = { id_token: { openbanking_intent_id: { value: fapi1ConsentId, essential: true } } };

      // Act
      const pushed = await push(fapi2, asForm(authorizationParameters(fapi2, { claims: intent })));

      // Assess
      expect(pushed.status).toBe(400);
      expect(pushed.body.error).toBe('invalid_request');
    });

    it('refuses a consent the TPP has deleted (Revoked): 400 invalid_request', async () => {
      // Prepare
      const consentId = await createConsent(sandbox, fapi2, ['ReadAccountsBasic']);
      await deleteConsent(sandbox, fapi2, consentId);
      const intent = { id_token: { openbanking_intent_id: { value: consentId, essential: true } } };

      // Act
      const pushed = await push(fapi2, asForm(authorizationParameters(fapi2, { claims: intent })));

      // Assess
      expect(pushed.status).toBe(400);
      expect(pushed.body.error).toBe('invalid_request');
    });

    it('refuses an unauthenticated client: 401 invalid_client', async () => {
      // Act
      const pushed = await push(fapi2, asForm(authorizationParameters(fapi2)), { anonymous: true });

      // Assess
      expect(pushed.status).toBe(401);
      expect(pushed.body.error).toBe('invalid_client');
    });

    it('refuses a pushed request_uri: 400 invalid_request', async () => {
      // Prepare
      const form = asForm(authorizationParameters(fapi2, { request_uri: 'urn:ietf:params:oauth:request_uri:abc' }));

      // Act
      const pushed = await push(fapi2, form);

      // Assess
      expect(pushed.status).toBe(400);
      expect(pushed.body.error).toBe('invalid_request');
    });
  });

  describe('/authorize', () => {
    it('shows an error page to a FAPI 2.0 client that did not use PAR', async () => {
      // Act
      const response = await authorize(asForm(authorizationParameters(fapi2)));

      // Assess
      await expectErrorPage(response, 'invalid_request');
    });

    it('shows an error page for an unknown client_id', async () => {
      // Act
      const response = await authorize({ client_id: 'no-such-client', request: await requestObject(fapi1) });

      // Assess
      await expectErrorPage(response, 'invalid_client');
    });

    it('never redirects to an unregistered redirect_uri, even in a validly signed request object', async () => {
      // Prepare
      const request = await requestObject(fapi1, { redirect_uri: 'https://attacker.example/callback' });

      // Act
      const response = await authorize({ client_id: FAPI1_CLIENT, response_type: 'code id_token', request });

      // Assess
      await expectErrorPage(response, 'invalid_request');
    });

    it('sends a request error to the registered redirect_uri in the fragment (hybrid), with state and iss', async () => {
      // Prepare
      const state = oidc.randomState();
      const request = await requestObject(fapi1, { code_challenge_method: 'plain', state });

      // Act
      const response = await authorize({ client_id: FAPI1_CLIENT, response_type: 'code id_token', request });

      // Assess
      expect(response.status).toBe(303);
      const location = new URL(response.headers.get('location')!);
      expect(`${location.origin}${location.pathname}`).toBe(redirectUriOf(fapi1));
      expect(location.search).toBe('');
      const fragment = new URLSearchParams(location.hash.slice(1));
      expect(fragment.get('error')).toBe('invalid_request');
      expect(fragment.get('state')).toBe(state);
      expect(fragment.get('iss')).toBe(sandbox.manifest.issuer);
    });

    it('starts the login at the IdP with an HttpOnly, Secure, SameSite=Lax session cookie', async () => {
      // Prepare
      const request = await requestObject(fapi1);

      // Act
      const response = await authorize({ client_id: FAPI1_CLIENT, response_type: 'code id_token', request });

      // Assess
      expect(response.status).toBe(303);
      expect(response.headers.get('location')!.startsWith(sandbox.manifest.idp_issuer)).toBe(true);
      const cookie = response.headers.get('set-cookie')!;
      expect(cookie).toMatch(/;\s*HttpOnly/i);
      expect(cookie).toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*SameSite=Lax/i);
    });
  });

  describe('consent page API', () => {
    const consentApi = (
      path: string,
      init: { method?: string; headers?: Record<string, string>; body?: string } = {},
    ) => undiciFetch(browserUrl(`/consent-api/account-access-consent/${path}`), { ...init, dispatcher: browser });

    it.each<[string, number, string, () => ReturnType<typeof consentApi>]>([
      ['a well-formed login id without a session cookie', 401, 'invalid_session', () => consentApi(LOGIN_ID)],
      ['a malformed login id', 400, 'invalid_request', () => consentApi('not-a-login-id')],
      [
        'an accept that is not JSON',
        400,
        'invalid_request',
        () =>
          consentApi(`${LOGIN_ID}/accept`, {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body: JSON.stringify({ login_state: 'x', account_ids: ['a'] }),
          }),
      ],
    ])('refuses %s: %d %s', async (_case, status, error, call) => {
      // Act
      const response = await call();

      // Assess
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: string }).error).toBe(error);
    });
  });
});
