/**
 * Two bank tenants side by side, as `npm start` runs them: TPI Bank (PS256) and North Bank (ES256), each its own
 * issuer, origins, keys, tables, IdP and customers. Nothing one bank issued is accepted by the other: access
 * tokens, consent ids, authorization codes, client assertions.
 */

import { createLocalJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { fetch as undiciFetch } from 'undici';
import { CookieBrowser, signInAndAllow } from '../support/customer-journey';
import { type DemoSandbox, startDemoSandbox } from '../support/demo-sandbox';
import { assertionForm, signClientAssertion } from '../support/fapi-requests';
import { createConsent, type Tpp, tppClient } from '../support/tpp';

jest.setTimeout(180_000);

const CONSENTS = '/open-banking/v3.1/aisp/account-access-consents';
const PERMISSIONS = ['ReadAccountsBasic', 'ReadBalances'];

describe('TPI Bank and North Bank side by side', () => {
  let demo: DemoSandbox;
  let atTpi: Tpp;
  let atNorth: Tpp;

  beforeAll(async () => {
    demo = await startDemoSandbox();
    [atTpi, atNorth] = await Promise.all([tppClient(demo.tpi, 'tsp2'), tppClient(demo.north, 'tsp2')]);
  });

  afterAll(async () => {
    await demo?.stop();
  });

  it('lists both banks in the manifest, each with its own issuer, origins, CA, clients and customers', async () => {
    const [tpi, north] = demo.manifest.tenants;
    expect(demo.manifest.issuer).toBe(tpi!.issuer);
    expect({ tpi: tpi!.name, north: north!.name }).toEqual({ tpi: 'TPI Bank', north: 'North Bank' });
    expect(new Set([tpi!.issuer, north!.issuer, tpi!.mtls_base_url, north!.mtls_base_url]).size).toBe(4);
    expect(tpi!.ca).not.toBe(north!.ca);
    expect(north!.customers.map((c) => c.username)).toEqual(['steve', 'lena']);
    expect(north!.clients.map((c) => c.client_id)).toEqual(['tsp2', 'tpp-sample', 'bank-admin']);
  });

  it("publishes each bank's own signing key: ES256 at North Bank, PS256 at TPI Bank", async () => {
    const algs = async (issuer: string, agent: ReturnType<DemoSandbox['tpi']['browserAgent']>) => {
      const { keys } = (await (await undiciFetch(`${issuer}/jwks`, { dispatcher: agent })).json()) as {
        keys: { alg: string; kid: string; use?: string }[];
      };
      return keys.filter((key) => key.use !== 'enc');
    };
    const tpiKeys = await algs(demo.tpi.manifest.issuer, demo.tpi.browserAgent());
    const northKeys = await algs(demo.north.manifest.issuer, demo.north.browserAgent());
    expect(tpiKeys.map((k) => k.alg)).toEqual(['PS256']);
    expect(northKeys.map((k) => k.alg)).toEqual(['ES256']);
    expect(northKeys[0]!.kid).not.toBe(tpiKeys[0]!.kid);
  });

  it("refuses the other bank's access token, consent id, authorization code and client assertion", async () => {
    // Prepare: Steve authorizes Enjoy Life at TPI Bank
    const tpiToken = (await oidc.clientCredentialsGrant(atTpi.config, { scope: 'accounts' })).access_token;
    const consentId = await createConsent(demo.tpi, atTpi, PERMISSIONS);
    const verifier = oidc.randomPKCECodeVerifier();
    const redirectUri = demo.tpi.client('tsp2').redirect_uris.find((u) => !u.includes('localhost'))!;
    const authorizationUrl = await oidc.buildAuthorizationUrlWithPAR(atTpi.config, {
      redirect_uri: redirectUri,
      scope: 'openid accounts',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      claims: JSON.stringify({ id_token: { openbanking_intent_id: { value: consentId, essential: true } } }),
    });
    const callback = await signInAndAllow(
      demo.tpi,
      new CookieBrowser(demo.tpi.browserAgent()),
      authorizationUrl.href,
      'steve',
    );
    const code = callback.searchParams.get('code')!;
    const north = demo.north.manifest;

    // Act + Assess: TPI Bank's access token at North Bank's API
    const withTpiToken = await atNorth.fetch(`${north.mtls_base_url}${CONSENTS}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tpiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Data: { Permissions: PERMISSIONS }, Risk: {} }),
    });
    expect(withTpiToken.status).toBe(401);

    // TPI Bank's consent id at North Bank: not found there, and no authorization request may name it
    const northToken = (await oidc.clientCredentialsGrant(atNorth.config, { scope: 'accounts' })).access_token;
    const lookup = await atNorth.fetch(`${north.mtls_base_url}${CONSENTS}/${consentId}`, {
      headers: { authorization: `Bearer ${northToken}` },
    });
    expect(lookup.status).toBe(404);
    const pushed = oidc.buildAuthorizationUrlWithPAR(atNorth.config, {
      redirect_uri: demo.north.client('tsp2').redirect_uris[0]!,
      scope: 'openid accounts',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      claims: JSON.stringify({ id_token: { openbanking_intent_id: { value: consentId, essential: true } } }),
    });
    await expect(pushed).rejects.toMatchObject({ status: 400 });

    // TPI Bank's authorization code at North Bank's token endpoint
    const redeemed = await atNorth.fetch(`${north.mtls_base_url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(
        assertionForm(await signClientAssertion(atNorth, north.issuer), {
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          code_verifier: verifier,
        }),
      ).toString(),
    });
    expect(redeemed.status).toBe(400);
    expect(await redeemed.json()).toMatchObject({ error: 'invalid_grant' });

    // A client assertion made for TPI Bank (its audience, TPI Bank's registered key), and one for North Bank's
    // audience signed with the key registered at TPI Bank
    for (const assertion of [
      await signClientAssertion(atTpi, demo.tpi.manifest.issuer),
      await signClientAssertion(atTpi, north.issuer),
    ]) {
      const response = await atNorth.fetch(`${north.mtls_base_url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(
          assertionForm(assertion, { grant_type: 'client_credentials', scope: 'accounts' }),
        ).toString(),
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: 'invalid_client' });
    }

    // The code still works where it was issued, and its ID token verifies only against TPI Bank's keys
    const tokens = await oidc.authorizationCodeGrant(atTpi.config, callback, { pkceCodeVerifier: verifier });
    const jwks = async (issuer: string, agent: ReturnType<DemoSandbox['tpi']['browserAgent']>) =>
      createLocalJWKSet((await (await undiciFetch(`${issuer}/jwks`, { dispatcher: agent })).json()) as never);
    const tpiKeys = await jwks(demo.tpi.manifest.issuer, demo.tpi.browserAgent());
    const northKeys = await jwks(north.issuer, demo.north.browserAgent());
    await expect(jwtVerify(tokens.id_token!, tpiKeys, { issuer: demo.tpi.manifest.issuer })).resolves.toBeTruthy();
    await expect(jwtVerify(tokens.id_token!, northKeys)).rejects.toThrow();
  });
});
