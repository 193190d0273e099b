import { createLocalJWKSet, jwtVerify } from 'jose';
import { type AuthorizationCodeRecord, codeRecordId } from '../../lambdas/domain/authorization';
import type { Client } from '../../lambdas/domain/client';
import { type AuthorizationCodeDeps, authorizationCodeGrant } from '../../lambdas/domain/grants/authorization-code';
import { halfHash, REFRESH_TOKEN_EXPIRES_AT_CLAIM } from '../../lambdas/domain/id-token';
import type { Consent } from '../../lambdas/domain/model';
import { hashSecret } from '../../lambdas/domain/tokens';
import {
  authorisedConsent,
  CERTIFICATE_KEYS,
  ISSUER,
  type LocalKeys,
  localKeyService,
  memoryAuthorizations,
  memoryConsents,
  memoryTokens,
  NOW,
  THUMBPRINT,
  tppClient,
} from './grants-fakes';

// RFC 7636 Appendix B.
const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const CODE = 'the-authorization-code-handed-to-the-tpp';
const REDIRECT_URI = 'https://tpp-a.example/cb';
const LIFETIMES = { accessTokenTtl: 300, refreshTokenTtl: 30 * 24 * 3600 };

function codeRecord(overrides: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord {
  return {
    id: codeRecordId(CODE),
    kind: 'code',
    clientId: 'tpp-a',
    used: false,
    expiresAt: NOW + 60,
    redirectUri: REDIRECT_URI,
    codeChallenge: CHALLENGE,
    scope: 'openid accounts',
    nonce: 'nonce-from-the-request-object',
    grantId: 'grant-1',
    subject: 'cust-1',
    authTime: NOW - 45,
    acr: 'urn:openbanking:psd2:sca',
    consentId: 'aac-1',
    accountIds: ['acc-1'],
    permissions: ['ReadAccountsBasic', 'ReadBalances'],
    grantedScopes: ['demandDeposits'],
    transactionFromDateTime: '2026-01-01T00:00:00Z',
    transactionToDateTime: '2026-12-31T00:00:00Z',
    consentExpiresAt: NOW + 90 * 24 * 3600,
    ...overrides,
  };
}

let localKeys: LocalKeys;
beforeAll(async () => {
  localKeys = await localKeyService('PS256');
});

function prepare(options: { record?: AuthorizationCodeRecord; consent?: Consent; client?: Client } = {}) {
  const consents = memoryConsents([options.consent ?? authorisedConsent()]);
  const deps = {
    authorizations: memoryAuthorizations([options.record ?? codeRecord()]),
    consents,
    tokens: memoryTokens({ consents }),
    keys: localKeys.keys,
    issuer: ISSUER,
    lifetimes: LIFETIMES,
  } satisfies AuthorizationCodeDeps;
  const client = options.client ?? tppClient();
  const exchange = (params: Record<string, string | undefined> = {}) => {
    const all = { code: CODE, redirect_uri: REDIRECT_URI, code_verifier: VERIFIER, ...params };
    const present = Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined);
    return authorizationCodeGrant(
      { client, params: new Map(present), certThumbprint: THUMBPRINT, certificateKeys: CERTIFICATE_KEYS, now: NOW },
      deps,
    );
  };
  return { deps, exchange };
}

describe('authorization_code grant', () => {
  it('exchanges a code for certificate-bound access and refresh tokens and an ID token', async () => {
    // Prepare
    const { deps, exchange } = prepare();

    // Act
    const response = await exchange();

    // Assess
    expect(response).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'openid accounts' });
    const access = deps.tokens.records.get(hashSecret(response.access_token));
    const refresh = deps.tokens.records.get(hashSecret(response.refresh_token!));
    const grantFields = {
      clientId: 'tpp-a',
      certThumbprint: THUMBPRINT,
      grantId: 'grant-1',
      consentId: 'aac-1',
      subject: 'cust-1',
      accountIds: ['acc-1'],
      permissions: ['ReadAccountsBasic', 'ReadBalances'],
      grantedScopes: ['demandDeposits'],
      transactionFromDateTime: '2026-01-01T00:00:00Z',
      transactionToDateTime: '2026-12-31T00:00:00Z',
      authTime: NOW - 45,
      acr: 'urn:openbanking:psd2:sca',
      revoked: false,
      uses: 0,
    };
    expect(access).toMatchObject({ ...grantFields, kind: 'access', expiresAt: NOW + 300, maxUses: 0 });
    expect(refresh).toMatchObject({ ...grantFields, kind: 'refresh', expiresAt: NOW + LIFETIMES.refreshTokenTtl });
    expect([...deps.tokens.records.keys()]).not.toContain(response.access_token);
    expect(deps.authorizations.records.get(codeRecordId(CODE))).toMatchObject({ used: true });

    const { payload } = await jwtVerify(response.id_token!, createLocalJWKSet(localKeys.jwks), {
      issuer: ISSUER,
      audience: 'tpp-a',
      currentDate: new Date(NOW * 1000),
    });
    expect(payload).toMatchObject({
      sub: 'cust-1',
      nonce: 'nonce-from-the-request-object',
      acr: 'urn:openbanking:psd2:sca',
      auth_time: NOW - 45,
      openbanking_intent_id: 'aac-1',
      at_hash: halfHash(response.access_token),
      [REFRESH_TOKEN_EXPIRES_AT_CLAIM]: refresh!.expiresAt,
    });
  });

  it("applies the client's token lifetimes and quotas, capped by the consent's expiry", async () => {
    // Prepare
    const client = tppClient({
      tokenSettings: { accessTokenTtl: 600, accessTokenMaxUses: 3, refreshTokenTtl: 7200, refreshTokenMaxUses: 5 },
    });
    const { deps, exchange } = prepare({ client, record: codeRecord({ consentExpiresAt: NOW + 3600 }) });

    // Act
    const response = await exchange();

    // Assess
    expect(response.expires_in).toBe(600);
    expect(deps.tokens.records.get(hashSecret(response.access_token))).toMatchObject({ maxUses: 3 });
    expect(deps.tokens.records.get(hashSecret(response.refresh_token!))).toMatchObject({
      expiresAt: NOW + 3600,
      maxUses: 5,
    });
  });

  it('issues no refresh token to a client not registered for refresh_token, and no ID token without openid', async () => {
    // Prepare
    const client = tppClient({ grantTypes: ['authorization_code'] });
    const { deps, exchange } = prepare({ client, record: codeRecord({ scope: 'accounts' }) });

    // Act
    const response = await exchange();

    // Assess
    expect(Object.keys(response).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(deps.tokens.records.size).toBe(1);
  });

  it('refuses a replayed code and revokes every token issued from its first redemption', async () => {
    // Prepare
    const { deps, exchange } = prepare();
    const first = await exchange();

    // Act
    const replay = exchange();

    // Assess
    await expect(replay).rejects.toMatchObject({
      error: 'invalid_grant',
      description: expect.stringMatching(/already been used/),
    });
    expect(deps.tokens.records.get(hashSecret(first.access_token))?.revoked).toBe(true);
    expect(deps.tokens.records.get(hashSecret(first.refresh_token!))?.revoked).toBe(true);
  });

  it("answers another client's code exactly as an unknown one, and spends it", async () => {
    // Prepare
    const { deps, exchange } = prepare({ record: codeRecord({ clientId: 'tpp-b' }) });

    // Act
    const foreign = exchange();
    const unknown = exchange({ code: 'a-code-nobody-issued' });

    // Assess
    const expected = { error: 'invalid_grant', description: 'authorization code is invalid', status: 400 };
    await expect(foreign).rejects.toMatchObject(expected);
    await expect(unknown).rejects.toMatchObject(expected);
    expect(deps.authorizations.records.get(codeRecordId(CODE))).toMatchObject({ used: true });
    expect(deps.tokens.records.size).toBe(0);
  });

  it.each([
    ['an expired code', { record: codeRecord({ expiresAt: NOW }) }, {}, /expired/],
    ['another redirect_uri', {}, { redirect_uri: 'https://tpp-a.example/other' }, /redirect_uri/],
    ['no code_verifier', {}, { code_verifier: undefined }, /code_verifier is required/],
    ['a wrong code_verifier', {}, { code_verifier: 'x'.repeat(43) }, /does not match/],
    ['a revoked consent', { consent: authorisedConsent({ status: 'Revoked' }) }, {}, /Revoked/],
    [
      'an expired consent',
      {
        consent: authorisedConsent({ expirationDateTime: new Date((NOW - 1) * 1000).toISOString() }),
        record: codeRecord({ consentExpiresAt: NOW - 1 }),
      },
      {},
      /expired/,
    ],
    ["another client's consent", { consent: authorisedConsent({ clientId: 'tpp-b' }) }, {}, /no longer exists/],
  ])('refuses %s with invalid_grant and issues nothing', async (_name, setup, params, description) => {
    // Prepare
    const { deps, exchange } = prepare(setup);

    // Act
    const exchanging = exchange(params);

    // Assess
    await expect(exchanging).rejects.toMatchObject({
      error: 'invalid_grant',
      description: expect.stringMatching(description),
    });
    expect(deps.tokens.records.size).toBe(0);
  });

  it.each([
    ['no code', { code: undefined }, /code is required/],
    ['no redirect_uri', { redirect_uri: undefined }, /redirect_uri is required/],
    ['a malformed code_verifier', { code_verifier: 'too-short' }, /code_verifier must be/],
  ])('refuses a request with %s as invalid_request, leaving the code unspent', async (_name, params, description) => {
    // Prepare
    const { deps, exchange } = prepare();

    // Act
    const exchanging = exchange(params);

    // Assess
    await expect(exchanging).rejects.toMatchObject({
      error: 'invalid_request',
      description: expect.stringMatching(description),
    });
    expect(deps.authorizations.records.get(codeRecordId(CODE))).toMatchObject({ used: false });
  });

  it('returns nothing when a token record cannot be written', async () => {
    // Prepare
    const { deps, exchange } = prepare();
    const storeFailure = Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    deps.tokens.issue = async () => {
      throw storeFailure;
    };

    // Act
    const exchanging = exchange();

    // Assess
    await expect(exchanging).rejects.toBe(storeFailure);
  });
});
