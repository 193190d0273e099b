/**
 * Issue 2 end to end: the sandbox as a newcomer starts it, and fintechs using the certified openid-client
 * library over real mutual TLS: discovery, client_credentials with both auth methods, certificate-bound
 * tokens, and the Open Banking UK account-access-consents lifecycle with its negative cases.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { request } from 'undici';
import { providerMetadata } from '../../lambdas/domain/discovery';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';
import { signingKeyOf, type Tpp, tppClient } from '../support/tpp';

jest.setTimeout(60_000);

const CONSENTS = '/open-banking/v3.1/aisp/account-access-consents';
const PRIVATE_KEY_JWT_CLIENT = 'tsp2';
const TLS_CLIENT = 'tpp-fapi1';

const consentBody = {
  Data: {
    Permissions: [
      'ReadAccountsDetail',
      'ReadBalances',
      'ReadTransactionsDetail',
      'ReadTransactionsCredits',
      'ReadTransactionsDebits',
    ],
    ExpirationDateTime: new Date(Date.now() + 30 * 86400_000).toISOString(),
  },
  Risk: {},
};

describe('foundation: sandbox, client authentication, account-access-consents', () => {
  let sandbox: TestSandbox;
  let jwtTpp: Tpp;
  let tlsTpp: Tpp;
  let jwtToken: string;
  let tlsToken: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    jwtTpp = await tppClient(sandbox, PRIVATE_KEY_JWT_CLIENT);
    tlsTpp = await tppClient(sandbox, TLS_CLIENT);
    jwtToken = (await oidc.clientCredentialsGrant(jwtTpp.config, { scope: 'accounts' })).access_token;
    tlsToken = (await oidc.clientCredentialsGrant(tlsTpp.config, { scope: 'accounts' })).access_token;
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  const url = (path: string) => `${sandbox.manifest.mtls_base_url}${path}`;

  function call(
    tpp: Tpp,
    path: string,
    init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) {
    return tpp.fetch(url(path), {
      method: init.method ?? 'GET',
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    });
  }

  describe('discovery', () => {
    it('tells the truth about the mTLS endpoints, binding and algorithms', () => {
      const metadata = jwtTpp.config.serverMetadata();
      expect(metadata.issuer).toBe(sandbox.manifest.issuer);
      expect(metadata.mtls_endpoint_aliases?.token_endpoint).toBe(url('/token'));
      expect(metadata.tls_client_certificate_bound_access_tokens).toBe(true);
      expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
      expect(metadata.token_endpoint_auth_methods_supported).toEqual(['tls_client_auth', 'private_key_jwt']);
      expect(metadata.claims_supported).toEqual(expect.arrayContaining(['acr', 'openbanking_intent_id']));
      expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    });

    it('serves the document of the static-route manifest, cacheable, where the sandbox manifest says', async () => {
      // Prepare
      const expected = providerMetadata({
        issuer: sandbox.manifest.issuer,
        mtlsBaseUrl: sandbox.manifest.mtls_base_url,
      });
      const listed = sandbox.manifest.urls.endpoints['GET /.well-known/openid-configuration'];
      // Act
      const response = await request(sandbox.manifest.discovery, { dispatcher: sandbox.browserAgent() });
      // Assess
      expect(listed).toBe(sandbox.manifest.discovery);
      expect(response.statusCode).toBe(200);
      expect(response.headers).toMatchObject({
        'cache-control': 'public, max-age=300',
        'content-type': 'application/json',
        'x-content-type-options': 'nosniff',
      });
      expect(response.headers.pragma).toBeUndefined();
      expect(await response.body.json()).toEqual(expected);
    });

    it('publishes a JWKS built from the KMS public keys', async () => {
      const jwks = await (await jwtTpp.fetch(metadataUrl('jwks_uri'))).json();
      const sig = jwks.keys.find((k: { use: string }) => k.use === 'sig');
      expect(sig).toMatchObject({ alg: expect.stringMatching(/^(PS256|ES256)$/), kid: expect.any(String) });
      expect(sig.d).toBeUndefined();
    });

    const metadataUrl = (name: 'jwks_uri') => jwtTpp.config.serverMetadata()[name]!;
  });

  describe('client_credentials', () => {
    it('issues opaque, certificate-bound tokens to both auth methods', async () => {
      for (const [tpp, token] of [
        [jwtTpp, jwtToken],
        [tlsTpp, tlsToken],
      ] as const) {
        expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
        const response = await call(tpp, CONSENTS, { method: 'POST', token, body: consentBody });
        expect(response.status).toBe(201);
      }
    });

    it('refuses a token presented with another client certificate', async () => {
      const response = await call(tlsTpp, CONSENTS, { method: 'POST', token: jwtToken, body: consentBody });
      expect(response.status).toBe(401);
      const body = await response.json();
      expect(body.Errors[0].ErrorCode).toBe('UK.OBIE.Unauthorised');
      expect(body.Message).toMatch(/different client certificate/);
    });

    it('refuses tls_client_auth with a certificate whose subject does not match', async () => {
      const imposter = await tppClient(sandbox, TLS_CLIENT, { certificateOf: PRIVATE_KEY_JWT_CLIENT });
      await expect(oidc.clientCredentialsGrant(imposter.config, { scope: 'accounts' })).rejects.toMatchObject({
        error: 'invalid_client',
        status: 401,
      });
    });

    it('refuses a replayed client assertion, a wrong audience and an unknown scope', async () => {
      const { key, kid } = await signingKeyOf(sandbox, PRIVATE_KEY_JWT_CLIENT);
      const assertion = (aud: string) =>
        new SignJWT({ jti: randomUUID() })
          .setProtectedHeader({ alg: 'PS256', kid })
          .setIssuer(PRIVATE_KEY_JWT_CLIENT)
          .setSubject(PRIVATE_KEY_JWT_CLIENT)
          .setAudience(aud)
          .setIssuedAt()
          .setExpirationTime('60s')
          .sign(key);
      const post = (form: Record<string, string>) =>
        jwtTpp.fetch(url('/token'), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form).toString(),
        });
      const form = (jwt: string, scope = 'accounts') => ({
        grant_type: 'client_credentials',
        scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: jwt,
      });
      const once = await assertion(sandbox.manifest.issuer);
      expect((await post(form(once))).status).toBe(200);
      const replay = await post(form(once));
      expect(replay.status).toBe(401);
      expect((await replay.json()).error).toBe('invalid_client');
      const wrongAud = await post(form(await assertion(url('/token'))));
      expect(wrongAud.status).toBe(401);
      const badScope = await post(form(await assertion(sandbox.manifest.issuer), 'payments'));
      expect(badScope.status).toBe(400);
      expect((await badScope.json()).error).toBe('invalid_scope');
      const notForm = await jwtTpp.fetch(url('/token'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(notForm.status).toBe(400);
      expect((await notForm.json()).error).toBe('invalid_request');
    });
  });

  describe('account-access-consents', () => {
    it('creates, reads, and deletes a consent only its own client can see', async () => {
      // Prepare + Act
      const interactionId = randomUUID();
      const created = await call(jwtTpp, CONSENTS, {
        method: 'POST',
        token: jwtToken,
        body: consentBody,
        headers: { 'x-fapi-interaction-id': interactionId },
      });
      // Assess
      expect(created.status).toBe(201);
      expect(created.headers.get('x-fapi-interaction-id')).toBe(interactionId);
      const consent = await created.json();
      expect(consent.Data).toMatchObject({
        Status: 'AwaitingAuthorisation',
        Permissions: consentBody.Data.Permissions,
      });
      expect(consent.Data.ConsentId).toMatch(/^aac-[A-Za-z0-9_-]{22}$/);
      expect(consent.Links.Self).toBe(url(`${CONSENTS}/${consent.Data.ConsentId}`));
      expect(consent.Meta).toEqual({ TotalPages: 1 });

      const read = await call(jwtTpp, `${CONSENTS}/${consent.Data.ConsentId}`, { token: jwtToken });
      expect(read.status).toBe(200);
      expect(read.headers.get('x-fapi-interaction-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect((await read.json()).Data.ConsentId).toBe(consent.Data.ConsentId);

      const foreign = await call(tlsTpp, `${CONSENTS}/${consent.Data.ConsentId}`, { token: tlsToken });
      expect(foreign.status).toBe(403);
      expect((await foreign.json()).Errors[0].ErrorCode).toBe('UK.OBIE.Resource.ConsentMismatch');
      expect(
        (await call(tlsTpp, `${CONSENTS}/${consent.Data.ConsentId}`, { method: 'DELETE', token: tlsToken })).status,
      ).toBe(403);

      expect(
        (await call(jwtTpp, `${CONSENTS}/${consent.Data.ConsentId}`, { method: 'DELETE', token: jwtToken })).status,
      ).toBe(204);
      const afterDelete = await call(jwtTpp, `${CONSENTS}/${consent.Data.ConsentId}`, { token: jwtToken });
      expect((await afterDelete.json()).Data.Status).toBe('Revoked');
    });

    it('replays an x-idempotency-key with the same consent and creates nothing new, even concurrently', async () => {
      const key = randomUUID().slice(0, 36);
      const responses = await Promise.all(
        Array.from({ length: 10 }, () =>
          call(jwtTpp, CONSENTS, {
            method: 'POST',
            token: jwtToken,
            body: consentBody,
            headers: { 'x-idempotency-key': key },
          }),
        ),
      );
      const ids = new Set<string>();
      for (const response of responses) {
        expect(response.status).toBe(201);
        ids.add((await response.json()).Data.ConsentId);
      }
      expect(ids.size).toBe(1);
      const different = await call(jwtTpp, CONSENTS, {
        method: 'POST',
        token: jwtToken,
        body: { ...consentBody, Data: { Permissions: ['ReadAccountsBasic'] } },
        headers: { 'x-idempotency-key': key },
      });
      expect(different.status).toBe(400);
      expect((await different.json()).Errors[0].ErrorCode).toBe('UK.OBIE.Header.Invalid');
    });

    it.each([
      ['malformed JSON', { body: '{"Data":', headers: {} }, 400, 'UK.OBIE.Resource.InvalidFormat'],
      ['wrong content type', { body: 'x', headers: { 'content-type': 'text/plain' } }, 415, 'UK.OBIE.Header.Invalid'],
      [
        'empty permissions',
        { body: { Data: { Permissions: [] }, Risk: {} }, headers: {} },
        400,
        'UK.OBIE.Field.Invalid',
      ],
      [
        'missing Risk',
        { body: { Data: { Permissions: ['ReadAccountsBasic'] } }, headers: {} },
        400,
        'UK.OBIE.Field.Missing',
      ],
      [
        'oversized body',
        { body: { Data: { Permissions: ['ReadAccountsBasic'] }, Risk: { x: 'a'.repeat(70_000) } }, headers: {} },
        413,
        'UK.OBIE.Field.Invalid',
      ],
      [
        'long idempotency key',
        { body: consentBody, headers: { 'x-idempotency-key': 'k'.repeat(41) } },
        400,
        'UK.OBIE.Header.Invalid',
      ],
    ])('answers %s with OBErrorResponse1', async (_name, input, status, code) => {
      const response = await call(jwtTpp, CONSENTS, {
        method: 'POST',
        token: jwtToken,
        body: input.body,
        headers: input.headers,
      });
      expect(response.status).toBe(status);
      const body = await response.json();
      expect(body.Code).toMatch(new RegExp(`^${status} `));
      expect(body.Errors.map((e: { ErrorCode: string }) => e.ErrorCode)).toContain(code);
    });

    it('reports every wrong field of a consent POST, each with its path and UK.OBIE code', async () => {
      // Act
      const response = await call(jwtTpp, CONSENTS, {
        method: 'POST',
        token: jwtToken,
        body: { Data: { Permissions: [], ExpirationDateTime: 'next week', Scope: 'all' } },
      });
      // Assess
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        Code: '400 Bad Request',
        Message: 'The consent request is invalid',
        Errors: [
          {
            ErrorCode: 'UK.OBIE.Field.Invalid',
            Message: 'Data.Permissions must contain at least one permission',
            Path: 'Data.Permissions',
          },
          {
            ErrorCode: 'UK.OBIE.Field.Invalid',
            Message: 'Data.ExpirationDateTime must be an ISO 8601 date-time with a time zone',
            Path: 'Data.ExpirationDateTime',
          },
          { ErrorCode: 'UK.OBIE.Field.Unexpected', Message: 'Data.Scope is not expected', Path: 'Data.Scope' },
          { ErrorCode: 'UK.OBIE.Field.Missing', Message: 'Risk is required', Path: 'Risk' },
        ],
      });
    });

    it('answers unknown consents, missing and garbage tokens with OBErrorResponse1', async () => {
      const unknown = await call(jwtTpp, `${CONSENTS}/aac-doesnotexist000000000`, { token: jwtToken });
      expect(unknown.status).toBe(404);
      expect((await unknown.json()).Errors[0].ErrorCode).toBe('UK.OBIE.Resource.NotFound');
      expect((await call(jwtTpp, CONSENTS, { method: 'POST', body: consentBody })).status).toBe(401);
      expect((await call(jwtTpp, CONSENTS, { method: 'POST', token: 'garbage', body: consentBody })).status).toBe(401);
    });

    it('keeps consents across a sandbox restart', async () => {
      const created = await (
        await call(jwtTpp, CONSENTS, { method: 'POST', token: jwtToken, body: consentBody })
      ).json();
      sandbox = await sandbox.restart();
      jwtTpp = await tppClient(sandbox, PRIVATE_KEY_JWT_CLIENT);
      const token = (await oidc.clientCredentialsGrant(jwtTpp.config, { scope: 'accounts' })).access_token;
      const read = await call(jwtTpp, `${CONSENTS}/${created.Data.ConsentId}`, { token });
      expect(read.status).toBe(200);
      expect((await read.json()).Data).toMatchObject({
        ConsentId: created.Data.ConsentId,
        Status: 'AwaitingAuthorisation',
      });
    });
  });
});
