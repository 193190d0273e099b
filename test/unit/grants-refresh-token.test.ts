import { createLocalJWKSet, jwtVerify } from 'jose';
import type { Client } from '../../lambdas/domain/client';
import {
  RefreshQuotaExceeded,
  type RefreshTokenDeps,
  refreshTokenGrant,
} from '../../lambdas/domain/grants/refresh-token';
import { halfHash, REFRESH_TOKEN_EXPIRES_AT_CLAIM } from '../../lambdas/domain/id-token';
import type { Consent, TokenRecord } from '../../lambdas/domain/model';
import { hashSecret } from '../../lambdas/domain/tokens';
import {
  authorisedConsent,
  CERTIFICATE_KEYS,
  ISSUER,
  type LocalKeys,
  localKeyService,
  memoryConsents,
  memoryTokens,
  NOW,
  THUMBPRINT,
  tppClient,
} from './grants-fakes';

const REFRESH_TOKEN = 'the-refresh-token-the-tpp-keeps';
const LIFETIMES = { accessTokenTtl: 300, refreshTokenTtl: 30 * 24 * 3600 };

function refreshRecord(overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    tokenHash: hashSecret(REFRESH_TOKEN),
    kind: 'refresh',
    clientId: 'tpp-a',
    scope: 'openid accounts',
    certThumbprint: THUMBPRINT,
    issuedAt: NOW - 3600,
    expiresAt: NOW + 7 * 24 * 3600,
    uses: 0,
    maxUses: 0,
    revoked: false,
    grantId: 'grant-1',
    consentId: 'aac-1',
    subject: 'cust-1',
    accountIds: ['acc-1'],
    permissions: ['ReadAccountsBasic'],
    grantedScopes: ['demandDeposits'],
    consentExpiresAt: NOW + 90 * 24 * 3600,
    authTime: NOW - 3700,
    acr: 'urn:openbanking:psd2:sca',
    ...overrides,
  };
}

let localKeys: LocalKeys;
beforeAll(async () => {
  localKeys = await localKeyService('ES256');
});

function prepare(
  options: { token?: TokenRecord; consent?: Consent; client?: Client; currentGrants?: Map<string, string> } = {},
) {
  const consents = memoryConsents([options.consent ?? authorisedConsent()]);
  const tokens = memoryTokens({ consents, currentGrants: options.currentGrants });
  tokens.records.set(hashSecret(REFRESH_TOKEN), options.token ?? refreshRecord());
  const deps = {
    consents,
    tokens,
    keys: localKeys.keys,
    issuer: ISSUER,
    lifetimes: LIFETIMES,
  } satisfies RefreshTokenDeps;
  const client = options.client ?? tppClient();
  const refresh = (params: Record<string, string> = {}, certThumbprint = THUMBPRINT) =>
    refreshTokenGrant(
      {
        client,
        params: new Map(Object.entries({ refresh_token: REFRESH_TOKEN, ...params })),
        certThumbprint,
        certificateKeys: CERTIFICATE_KEYS,
        now: NOW,
      },
      deps,
    );
  return { deps, refresh };
}

describe('refresh_token grant', () => {
  it("issues a new access token with the grant's accounts, keeping the refresh token", async () => {
    // Prepare
    const consent = authorisedConsent({ grantId: 'grant-1' });
    const { deps, refresh } = prepare({ consent });

    // Act
    const response = await refresh();

    // Assess
    expect(response).toMatchObject({ token_type: 'Bearer', expires_in: 300, scope: 'openid accounts' });
    expect(response).not.toHaveProperty('refresh_token');
    expect(deps.tokens.records.get(hashSecret(response.access_token))).toMatchObject({
      kind: 'access',
      grantId: 'grant-1',
      certThumbprint: THUMBPRINT,
      accountIds: ['acc-1'],
      permissions: ['ReadAccountsBasic'],
      grantedScopes: ['demandDeposits'],
    });
    expect(deps.tokens.records.get(hashSecret(REFRESH_TOKEN))).toMatchObject({ uses: 1, revoked: false });

    const { payload } = await jwtVerify(response.id_token!, createLocalJWKSet(localKeys.jwks), {
      issuer: ISSUER,
      audience: 'tpp-a',
      currentDate: new Date(NOW * 1000),
    });
    expect(payload).toMatchObject({
      sub: 'cust-1',
      auth_time: NOW - 3700,
      openbanking_intent_id: 'aac-1',
      at_hash: halfHash(response.access_token),
      [REFRESH_TOKEN_EXPIRES_AT_CLAIM]: NOW + 7 * 24 * 3600,
    });
    expect(payload).not.toHaveProperty('nonce');
  });

  it('narrows the scope on request and refuses to widen it', async () => {
    // Prepare
    const { refresh } = prepare();

    // Act
    const narrowed = await refresh({ scope: 'accounts' });
    const widened = refresh({ scope: 'accounts payments' });

    // Assess
    expect(narrowed.scope).toBe('accounts');
    expect(narrowed).not.toHaveProperty('id_token');
    await expect(widened).rejects.toMatchObject({
      error: 'invalid_scope',
      description: expect.stringMatching(/payments/),
    });
  });

  it('refuses once the usage quota is spent, with a quota error', async () => {
    // Prepare
    const { deps, refresh } = prepare({ token: refreshRecord({ maxUses: 2 }) });
    await refresh();
    await refresh();

    // Act
    const third = refresh();

    // Assess
    await expect(third).rejects.toBeInstanceOf(RefreshQuotaExceeded);
    await expect(refresh()).rejects.toMatchObject({
      error: 'invalid_grant',
      status: 403,
      description: 'refresh token usage quota exceeded',
    });
    expect([...deps.tokens.records.values()].filter((t) => t.kind === 'access')).toHaveLength(2);
  });

  it.each([
    ['presented with another certificate', {}, { cert: 'another-thumbprint' }, /different client certificate/],
    ['expired', { token: refreshRecord({ expiresAt: NOW }) }, {}, /expired/],
    ['revoked', { token: refreshRecord({ revoked: true }) }, {}, /revoked/],
    ['of another client', { token: refreshRecord({ clientId: 'tpp-b' }) }, {}, /^refresh token is invalid$/],
    ['an access token', { token: refreshRecord({ kind: 'access' }) }, {}, /^refresh token is invalid$/],
    ['of a revoked consent', { consent: authorisedConsent({ status: 'Revoked' }) }, {}, /Revoked/],
    [
      'of an expired consent',
      {
        consent: authorisedConsent({ expirationDateTime: new Date(NOW * 1000).toISOString() }),
        token: refreshRecord({ expiresAt: NOW, consentExpiresAt: NOW }),
      },
      {},
      /expired/,
    ],
    [
      'of a consent re-authorised since (another grant)',
      { consent: authorisedConsent({ grantId: 'grant-2' }) },
      {},
      /replaced by a later authorisation/,
    ],
    [
      'of a consent-less grant replaced since',
      { token: refreshRecord({ consentId: undefined }), currentGrants: new Map([['tpp-a cust-1', 'grant-2']]) },
      {},
      /replaced by a later authorisation/,
    ],
  ])(
    'refuses a refresh token %s with invalid_grant',
    async (_name, setup, presented: { cert?: string }, description) => {
      // Prepare
      const { deps, refresh } = prepare(setup);

      // Act
      const refreshing = refresh({}, presented.cert);

      // Assess
      await expect(refreshing).rejects.toMatchObject({
        error: 'invalid_grant',
        description: expect.stringMatching(description),
      });
      // Only the presented token is in the store: nothing was issued.
      expect(deps.tokens.records.size).toBe(1);
    },
  );

  it('issues nothing when the refresh token is revoked between its use and the issuance (a racing revocation)', async () => {
    // Prepare: the revocation's sweep marks the refresh token right after this refresh counted its use.
    const { deps, refresh } = prepare();
    const use = deps.tokens.use.bind(deps.tokens);
    deps.tokens.use = async (hash, request) => {
      const counted = await use(hash, request);
      await deps.tokens.revoke(hash);
      return counted;
    };

    // Act
    const refreshing = refresh();

    // Assess
    await expect(refreshing).rejects.toMatchObject({ error: 'invalid_grant', description: /revoked/ });
    expect(deps.tokens.records.size).toBe(1);
  });

  it('refuses with invalid_client when the certificate is on the revocation list', async () => {
    // Prepare
    const { deps, refresh } = prepare();
    deps.tokens.revokedCertificates.add(CERTIFICATE_KEYS.issuerSerial);

    // Act
    const refreshing = refresh();

    // Assess
    await expect(refreshing).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
    expect(deps.tokens.records.size).toBe(1);
  });

  it('requires the refresh_token parameter', async () => {
    // Prepare
    const { deps } = prepare();

    // Act
    const refreshing = refreshTokenGrant(
      {
        client: tppClient(),
        params: new Map(),
        certThumbprint: THUMBPRINT,
        certificateKeys: CERTIFICATE_KEYS,
        now: NOW,
      },
      deps,
    );

    // Assess
    await expect(refreshing).rejects.toMatchObject({
      error: 'invalid_request',
      description: 'refresh_token is required',
    });
  });
});
