/**
 * The consent session's "Allow" (domain/journey/consent-session.ts) with in-memory stores: what the customer
 * granted is what the code, and so the tokens and the token response, carry (RFC 6749 §5.1: the response's
 * `scope` is the granted scope when it differs from the requested one).
 */
import type { AuthorizationCodeRecord, LoginSessionRecord } from '../../lambdas/domain/authorization';
import { authorizationCodeGrant } from '../../lambdas/domain/grants/authorization-code';
import { authoriseConsent } from '../../lambdas/domain/journey/consent-session';
import type { BankData } from '../../lambdas/ports/bank-data';
import type { CurrentGrant, GrantRegistry } from '../../lambdas/ports/store';
import {
  CERTIFICATE_KEYS,
  ISSUER,
  localKeyService,
  memoryAuthorizations,
  memoryConsents,
  memoryTokens,
  NOW,
  THUMBPRINT,
  tppClient,
} from './grants-fakes';

const REQUESTED = 'openid demand_deposits time_deposits credit_cards';
const VERIFIER = 'verifier-of-the-tpp-with-enough-entropy-0123456789';

/** Current grant ids by `clientId subject`, the map `memoryTokens` checks issuance against. */
function memoryGrantRegistry(currentGrants: Map<string, string>): GrantRegistry {
  const current = new Map<string, CurrentGrant>();
  return {
    async replace(clientId, subject, grant) {
      const previous = current.get(`${clientId} ${subject}`);
      current.set(`${clientId} ${subject}`, grant);
      currentGrants.set(`${clientId} ${subject}`, grant.grantId);
      return previous;
    },
    listBySubject: async () => [],
    revoke: async () => undefined,
    subjectsOf: async () => [],
  };
}

async function consentingLogin(): Promise<LoginSessionRecord> {
  const { createHash } = await import('node:crypto');
  return {
    kind: 'login',
    id: 'login-1',
    clientId: 'tpp-a',
    expiresAt: NOW + 600,
    status: 'consenting',
    startedAt: NOW - 30,
    sessionHash: 'session-hash',
    subject: 'anne',
    authTime: NOW - 20,
    idp: { state: 's', nonce: 'n', codeVerifier: 'v' },
    request: {
      clientId: 'tpp-a',
      redirectUri: 'https://tpp-a.example/cb',
      responseType: 'code',
      responseMode: 'query',
      scope: REQUESTED,
      codeChallenge: createHash('sha256').update(VERIFIER).digest('base64url'),
      codeChallengeMethod: 'S256',
    },
  };
}

it('gives the code and the token response the scope the customer granted, in the order requested', async () => {
  // Prepare: a consent-less gateway grant; the customer keeps only credit cards of the three groups.
  const login = await consentingLogin();
  const client = tppClient({ scopes: REQUESTED.split(' '), grantTypes: ['authorization_code'] });
  const authorizations = memoryAuthorizations([login]);
  const { keys } = await localKeyService();
  const currentGrants = new Map<string, string>();
  const deps = {
    authorizations,
    consents: memoryConsents(),
    tokens: memoryTokens({ currentGrants }),
    clients: { get: async () => client, put: async () => {} },
    bankData: { listAccounts: async () => [{ AccountId: 'anne-card' }] } as unknown as BankData,
    grantRegistry: memoryGrantRegistry(currentGrants),
    keys,
    issuer: ISSUER,
    refreshTokenTtl: 3600,
  };

  // Act
  const { redirectTo } = await authoriseConsent(
    { login, accountIds: ['anne-card'], grantedScopes: ['credit_cards', 'openid'], now: NOW },
    deps,
  );
  const code = new URL(redirectTo).searchParams.get('code')!;
  const tokenResponse = await authorizationCodeGrant(
    {
      client,
      params: new Map([
        ['code', code],
        ['redirect_uri', 'https://tpp-a.example/cb'],
        ['code_verifier', VERIFIER],
      ]),
      certThumbprint: THUMBPRINT,
      certificateKeys: CERTIFICATE_KEYS,
      now: NOW,
    },
    { ...deps, lifetimes: { accessTokenTtl: 300, refreshTokenTtl: 3600 } },
  );

  // Assess
  const record = [...authorizations.records.values()].find((r) => r.kind === 'code') as AuthorizationCodeRecord;
  expect(record).toMatchObject({ scope: 'openid credit_cards', grantedScopes: ['openid', 'credit_cards'] });
  expect(tokenResponse.scope).toBe('openid credit_cards');
  expect(deps.tokens.records.get([...deps.tokens.records.keys()][0]!)).toMatchObject({ scope: 'openid credit_cards' });
});
