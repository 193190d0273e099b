/**
 * What the client asks about the customer's authentication (OIDC Core §3.1.2.1 prompt and max_age, §5.5.1.1
 * the essential acr claim), end to end on the sandbox as `npm start` runs it: a certified relying party
 * (openid-client, PAR) asks Bankgate; Bankgate forwards the requirements to the bank's IdP (oidc-provider),
 * checks what comes back, and answers with the true acr and auth_time, or with the error the spec names.
 * Also what a client registered about its own signatures: the algorithms and require_signed_request_object.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { createStores } from '../../lambdas/adapters/dynamodb';
import { parseClient } from '../../lambdas/domain/client';
import { allTables } from '../../lambdas/tables';
import { sandboxTableName } from '../../sandbox/dynamo';
import { CookieBrowser, signInAndAllow } from '../support/customer-journey';
import { asForm, nowSeconds } from '../support/fapi-requests';
import type { TestSandbox } from '../support/sandbox';
import { startSandboxProcess } from '../support/sandbox-process';
import { type Tpp, tppClient } from '../support/tpp';

jest.setTimeout(90_000);

const CLIENT = 'tsp2';
const CUSTOMER = 'steve';
const SCA = 'urn:openbanking:psd2:sca';
const CA = 'urn:openbanking:psd2:ca';

let sandbox: TestSandbox;
let tpp: Tpp;

beforeAll(async () => {
  // A child process: /authorize discovers the IdP over HTTPS, which jest's VM cannot trust in-process.
  sandbox = await startSandboxProcess();
  tpp = await tppClient(sandbox, CLIENT);
});

afterAll(async () => {
  await sandbox?.stop();
});

const redirectUri = () => sandbox.client(CLIENT).redirect_uris.find((uri) => !uri.includes('localhost'))!;

/** A pushed request (openid-client's PAR) for scope openid, with `extra` parameters; the authorization URL. */
async function pushed(extra: Record<string, string>) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = await oidc.buildAuthorizationUrlWithPAR(tpp.config, {
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  return { url: url.href, verifier, state };
}

const essentialAcr = (...values: string[]) => ({
  claims: JSON.stringify({ id_token: { acr: { essential: true, values } } }),
});

/** Follows redirects until the IdP's sign-in page or the client's redirect URI, whichever comes first. */
const untilSignInOrClient = (browser: CookieBrowser, url: string) =>
  browser.followUntil(url, (to) => to.pathname.startsWith('/interaction/') || to.href.startsWith(redirectUri()));

/** Signs in on the IdP's sign-in page and follows until the client's redirect URI or the consent page. */
function signIn(browser: CookieBrowser, signInPage: URL) {
  const customer = sandbox.manifest.customers.find((c) => c.username === CUSTOMER)!;
  return browser.followUntil(
    signInPage.href,
    (to) => to.href.startsWith(redirectUri()) || to.pathname.startsWith('/consent'),
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: customer.username, password: customer.password }).toString(),
    },
  );
}

/** The code exchanged by openid-client; the verified ID token's claims. */
async function idTokenOf(callback: URL, request: { verifier: string; state: string }) {
  const tokens = await oidc.authorizationCodeGrant(tpp.config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    idTokenExpected: true,
  });
  return tokens.claims()!;
}

describe('the essential acr claim', () => {
  it('is met: the ID token carries the acr the bank authenticated with and the true auth_time', async () => {
    // Prepare
    const request = await pushed(essentialAcr(SCA));
    const before = nowSeconds();
    // Act
    const callback = await signInAndAllow(sandbox, new CookieBrowser(sandbox.browserAgent()), request.url, CUSTOMER);
    const claims = await idTokenOf(callback, request);
    // Assess
    expect(claims.acr).toBe(SCA);
    expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
    expect(claims.auth_time).toBeLessThanOrEqual(nowSeconds());
  });

  it('cannot be met by any sign-in the bank offers: refused at PAR before the customer is sent anywhere', async () => {
    // Act
    const refused = await pushed(essentialAcr('urn:example:loa:4')).catch((error: unknown) => error);
    // Assess
    expect(refused).toBeInstanceOf(oidc.ResponseBodyError);
    expect(refused).toMatchObject({ status: 400, error: 'unmet_authentication_requirements' });
  });

  it('is not what the bank authenticated with: the client gets unmet_authentication_requirements, no code', async () => {
    // Prepare: the demo IdP authenticates with SCA; the client insists on exactly CA.
    const request = await pushed(essentialAcr(CA));
    const browser = new CookieBrowser(sandbox.browserAgent());
    // Act
    const signInPage = await untilSignInOrClient(browser, request.url);
    const callback = await signIn(browser, signInPage);
    // Assess
    expect(callback.href.startsWith(redirectUri())).toBe(true);
    expect(callback.searchParams.get('error')).toBe('unmet_authentication_requirements');
    expect(callback.searchParams.get('state')).toBe(request.state);
    expect(callback.searchParams.get('iss')).toBe(sandbox.manifest.issuer);
    expect(callback.searchParams.has('code')).toBe(false);
  });
});

describe('prompt and max_age', () => {
  it('prompt=none without a session at the bank: login_required, and no sign-in page is shown', async () => {
    // Prepare
    const request = await pushed({ prompt: 'none' });
    // Act
    const callback = await untilSignInOrClient(new CookieBrowser(sandbox.browserAgent()), request.url);
    // Assess
    expect(callback.href.startsWith(redirectUri())).toBe(true);
    expect(callback.searchParams.get('error')).toBe('login_required');
    expect(callback.searchParams.get('state')).toBe(request.state);
  });

  it('prompt=none with a session at the bank: interaction_required, the consent page being an interaction', async () => {
    // Prepare: the customer signed in at the bank earlier in this browser.
    const browser = new CookieBrowser(sandbox.browserAgent());
    await signInAndAllow(sandbox, browser, (await pushed({})).url, CUSTOMER);
    const request = await pushed({ prompt: 'none' });
    // Act
    const callback = await untilSignInOrClient(browser, request.url);
    // Assess
    expect(callback.href.startsWith(redirectUri())).toBe(true);
    expect(callback.searchParams.get('error')).toBe('interaction_required');
  });

  it.each([
    ['prompt=login', { prompt: 'login' }],
    ['max_age=0', { max_age: '0' }],
  ])('%s makes the bank ask the signed-in customer again; auth_time is the new sign-in', async (_name, extra) => {
    // Prepare: a session at the bank from an earlier sign-in, at least a second old.
    const browser = new CookieBrowser(sandbox.browserAgent());
    await signInAndAllow(sandbox, browser, (await pushed({})).url, CUSTOMER);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const request = await pushed(extra);
    const asked = nowSeconds();
    // Act: without the requirement the bank would answer at once from its session.
    const callback = await signInAndAllow(sandbox, browser, request.url, CUSTOMER);
    const claims = await idTokenOf(callback, request);
    // Assess
    expect(claims.auth_time).toBeGreaterThanOrEqual(asked);
  });
});

describe('what a client registered about its signatures', () => {
  const CLIENT_ALGS = 'tpp-registered-algs';
  type Key = { privateKey: CryptoKey; kid: string };
  let ps256: Key;
  let es256: Key;
  let doc: DynamoDBDocumentClient;

  beforeAll(async () => {
    // A client holding keys of both algorithms that registered PS256 for everything and signed requests only.
    const keyOf = async (alg: string): Promise<Key & { jwk: object }> => {
      const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
      const kid = `${alg}-${randomUUID()}`;
      return { privateKey, kid, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg } };
    };
    const [ps, es] = await Promise.all([keyOf('PS256'), keyOf('ES256')]);
    [ps256, es256] = [ps, es];
    Object.assign(process.env, Object.fromEntries(allTables.map((table) => [table.envVar, sandboxTableName(table)])));
    doc = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: sandbox.manifest.urls.dynamodb,
        region: 'us-east-1',
        credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
      }),
    );
    await createStores(doc, { idTokenSigningAlg: 'PS256' }).clients.put(
      parseClient({
        clientId: CLIENT_ALGS,
        clientName: 'Registered algorithms',
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [ps.jwk, es.jwk] as never },
        redirectUris: [redirectUri()],
        scopes: ['openid'],
        tokenEndpointAuthSigningAlg: 'PS256',
        requestObjectSigningAlg: 'PS256',
        idTokenSignedResponseAlg: 'PS256',
        requireSignedRequestObject: true,
      }),
    );
  });
  afterAll(() => doc?.destroy());

  const sign = (key: Key, alg: string, claims: Record<string, unknown>, typ?: string) =>
    new SignJWT(claims as never)
      .setProtectedHeader({ alg, kid: key.kid, ...(typ ? { typ } : {}) })
      .sign(key.privateKey);
  const assertion = (key: Key, alg: string) => {
    const now = nowSeconds();
    const iss = sandbox.manifest.issuer;
    return sign(key, alg, { iss: CLIENT_ALGS, sub: CLIENT_ALGS, aud: iss, jti: randomUUID(), iat: now, exp: now + 60 });
  };
  const parameters = () => ({
    client_id: CLIENT_ALGS,
    redirect_uri: redirectUri(),
    response_type: 'code',
    scope: 'openid',
    code_challenge: oidc.randomPKCECodeVerifier(),
    code_challenge_method: 'S256',
  });
  const requestObject = (key: Key, alg: string) => {
    const now = nowSeconds();
    const claims = { ...parameters(), iss: CLIENT_ALGS, aud: sandbox.manifest.issuer, nbf: now, exp: now + 300 };
    return sign(key, alg, claims, 'oauth-authz-req+jwt');
  };
  /** POST /par over mTLS (the certificate does not authenticate a private_key_jwt client), as form fields. */
  async function par(clientAssertion: string, form: Record<string, string>) {
    const response = await tpp.fetch(`${sandbox.manifest.mtls_base_url}/par`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: clientAssertion,
        ...form,
      }).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('discovery says require_signed_request_object false: FAPI 2.0 clients may push plain parameters', async () => {
    expect(tpp.config.serverMetadata().require_signed_request_object).toBe(false);
  });

  it('accepts only the registered assertion alg (another one with a valid key: invalid_client)', async () => {
    // Act
    const [registered, other] = await Promise.all([
      par(await assertion(ps256, 'PS256'), { request: await requestObject(ps256, 'PS256') }),
      par(await assertion(es256, 'ES256'), { request: await requestObject(ps256, 'PS256') }),
    ]);
    // Assess
    expect(registered.status).toBe(201);
    expect(other).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'client_assertion must be signed with PS256 as registered' },
    });
  });

  it('accepts only the registered request object alg, and only a request object when it registered so', async () => {
    // Act
    const [other, plain] = await Promise.all([
      par(await assertion(ps256, 'PS256'), { request: await requestObject(es256, 'ES256') }),
      par(await assertion(ps256, 'PS256'), asForm(parameters())),
    ]);
    // Assess
    expect(other).toEqual({
      status: 400,
      body: {
        error: 'invalid_request_object',
        error_description: 'request object must be signed with PS256 as registered',
      },
    });
    expect(plain).toEqual({
      status: 400,
      body: { error: 'invalid_request', error_description: 'a signed request object is required for this client' },
    });
  });

  it('refuses to register an ID token alg the tenant has no key for', async () => {
    // Act
    const registration = createStores(doc, { idTokenSigningAlg: 'PS256' }).clients.put(
      parseClient({
        clientId: 'tpp-es256-id-tokens',
        clientName: 'Wants ES256 ID tokens',
        tokenEndpointAuthMethod: 'private_key_jwt',
        jwks: { keys: [{ kty: 'EC', kid: 'k', crv: 'P-256', x: 'x', y: 'y' }] as never },
        redirectUris: [redirectUri()],
        scopes: ['openid'],
        idTokenSignedResponseAlg: 'ES256',
      }),
    );
    // Assess
    await expect(registration).rejects.toThrow(
      'idTokenSignedResponseAlg: this tenant signs ID tokens with PS256, not ES256',
    );
  });
});
