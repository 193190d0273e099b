/** Gateway domain: catalog validation, scope groups, Taiwan headers, sample bank, upstream calls. */
import { CompactSign, generateKeyPair, jwtVerify } from 'jose';

import { NOT_AUTHORIZED, requireGrantedGroup } from '../../lambdas/domain/gateway/authorization';
import { API_ID_PATTERN, apiIdOf, parseApiDefinition, SAMPLE_CATALOG } from '../../lambdas/domain/gateway/catalog';
import { callSampleBank, luhnValid } from '../../lambdas/domain/gateway/sample-bank';
import { grantedScopesOf, offeredScopeGroups } from '../../lambdas/domain/gateway/scope-groups';
import { isTxnDateTime, taiwanHeaders } from '../../lambdas/domain/gateway/taiwan-headers';
import {
  CALLER_ASSERTION_HEADER,
  CALLER_ASSERTION_TYPE,
  callUpstream,
  requireOwnIdentityHeaders,
  type UpstreamTransport,
  UpstreamUnavailable,
} from '../../lambdas/domain/gateway/upstream';
import type { TokenRecord } from '../../lambdas/domain/model';
import type { BankAccount, BankData } from '../../lambdas/ports/bank-data';
import { type KeyService, SIGNING_PURPOSES } from '../../lambdas/ports/keys';

const api = {
  apiId: 'GET.demandDeposit.accounts',
  name: 'Demand deposit accounts',
  method: 'GET',
  path: '/demandDeposit/accounts',
  scopeGroup: 'demand_deposits',
  backend: { type: 'sample-bank', operation: 'demand-deposit-accounts' },
};

describe('the API catalog', () => {
  it('keys each API by method and path and fills policy defaults', () => {
    // Act
    const parsed = parseApiDefinition(api);
    // Assess
    expect(apiIdOf('post', '/creditCards/roadsideAssistance')).toBe('POST.creditCards.roadsideAssistance');
    expect(SAMPLE_CATALOG.every((a) => API_ID_PATTERN.test(a.apiId))).toBe(true);
    expect(
      ['', 'GET', 'GET.', 'PUT.accounts', 'GET.accounts.{id}', `GET.${'a'.repeat(300)}`].map((id) =>
        API_ID_PATTERN.test(id),
      ),
    ).toEqual([false, false, false, false, false, false]);
    expect(parsed.josePolicy).toEqual({ request: 'none', response: 'none' });
    expect(parsed.taiwanHeaders).toBe(false);
    expect(SAMPLE_CATALOG.map((a) => [a.apiId, a.josePolicy])).toEqual([
      ['GET.demandDeposit.accounts', { request: 'none', response: 'jwe' }],
      ['GET.timeDeposit.balances', { request: 'none', response: 'none' }],
      ['POST.creditCards.roadsideAssistance', { request: 'jws', response: 'jwe' }],
    ]);
  });

  it('refuses a wrong key, a plain-http upstream, an unknown group or policy, a signed GET request', () => {
    expect(() => parseApiDefinition({ ...api, apiId: 'accounts' })).toThrow('apiId must be GET.demandDeposit.accounts');
    expect(() => parseApiDefinition({ ...api, backend: { type: 'upstream', url: 'http://core.bank/x' } })).toThrow(
      'upstream URLs must be https',
    );
    expect(() => parseApiDefinition({ ...api, scopeGroup: 'loans' })).toThrow('scopeGroup');
    expect(() => parseApiDefinition({ ...api, josePolicy: { request: 'none', response: 'RSA1_5' } })).toThrow(
      'josePolicy',
    );
    for (const request of ['jws', 'jwe', 'x-jws-signature']) {
      expect(() => parseApiDefinition({ ...api, josePolicy: { request, response: 'none' } })).toThrow(
        `a GET request has no body to protect: the request policy of a GET API must be none, not ${request}`,
      );
    }
    for (const url of [
      'https://127.0.0.1/x',
      'https://[::1]/x',
      'https://169.254.169.254/latest',
      'https://a:b@core.bank/x',
    ]) {
      expect(() => parseApiDefinition({ ...api, backend: { type: 'upstream', url } })).toThrow('backend.url');
    }
    expect(() => parseApiDefinition({ ...api, path: '/accounts/{id}', apiId: 'GET.accounts.{id}' })).toThrow('path');
  });
});

describe('scope groups on the consent page', () => {
  it('offers the requested scopes that are groups', () => {
    expect(offeredScopeGroups(['openid', 'credit_cards', 'demand_deposits']).map((g) => g.id)).toEqual([
      'demand_deposits',
      'credit_cards',
    ]);
  });

  it('lets the customer leave out groups, but not other scopes, and grant nothing unrequested', () => {
    const requested = ['openid', 'demand_deposits', 'time_deposits', 'credit_cards'];
    expect(grantedScopesOf(requested, undefined)).toEqual({ scopes: requested });
    expect(grantedScopesOf(requested, ['openid', 'credit_cards'])).toEqual({ scopes: ['openid', 'credit_cards'] });
    expect(grantedScopesOf(requested, ['credit_cards'])).toEqual({
      error: 'granted_scopes may leave out only scope groups, not: openid',
    });
    expect(grantedScopesOf(requested, ['openid', 'accounts'])).toEqual({
      error: 'granted_scopes must be requested scopes: accounts',
    });
  });

  it('allows an API only within the granted groups of a customer token', () => {
    const token = { subject: 'anne', grantedScopes: ['credit_cards'] } as unknown as TokenRecord;
    expect(requireGrantedGroup(token, { scopeGroup: 'credit_cards' })).toEqual({ subject: 'anne' });
    expect(() => requireGrantedGroup(token, { scopeGroup: 'demand_deposits' })).toThrow(NOT_AUTHORIZED);
    const clientToken = { clientId: 'tsp2', scope: 'credit_cards' } as unknown as TokenRecord;
    expect(() => requireGrantedGroup(clientToken, { scopeGroup: 'credit_cards' })).toThrow(NOT_AUTHORIZED);
  });
});

describe('Taiwan headers', () => {
  const valid: Record<string, string> = {
    'x-stan': '0000123',
    'x-destinationid': '0120000',
    'x-clientid': 'tsp2',
    'x-txninitdatetime': '20261121093000',
  };
  const reader = (headers: Record<string, string>) => (name: string) => headers[name];

  it('reads valid headers', () => {
    expect(taiwanHeaders(reader(valid))).toEqual({
      stan: '0000123',
      destinationId: '0120000',
      clientId: 'tsp2',
      txnInitDateTime: '20261121093000',
    });
  });

  it.each([
    ['x-stan', '123456', 'X-STAN must be 7 digits'],
    ['x-destinationid', '012000A', 'X-DestinationId must be a 7-digit bank code'],
    ['x-clientid', '', 'X-ClientId is required'],
    ['x-txninitdatetime', '20261131093000', 'X-TxnInitDateTime must be yyyyMMddhhmmss'],
  ])('refuses %s = %p with 400', (name, value, message) => {
    expect(() => taiwanHeaders(reader({ ...valid, [name]: value }))).toThrow(
      expect.objectContaining({ status: 400, description: message }),
    );
  });

  it('checks the calendar, not only the digits', () => {
    expect(isTxnDateTime('20240229235959')).toBe(true);
    expect(isTxnDateTime('20230229000000')).toBe(false);
    expect(isTxnDateTime('20261121246000')).toBe(false);
  });
});

describe('the sample bank', () => {
  const account = (AccountId: string, extra: Partial<BankAccount> = {}): BankAccount => ({
    AccountId,
    Currency: 'TWD',
    AccountType: 'Personal',
    AccountSubType: 'Savings',
    Account: [{ SchemeName: 'UK.OBIE.SortCodeAccountNumber', Identification: `40123520000${AccountId.length}` }],
    ...extra,
  });
  const bank = {
    listAccounts: async () => [
      account('current', { AccountSubType: 'CurrentAccount' }),
      account('savings'),
      account('term', { MaturityDate: '2027-05-01T00:00:00.000Z' }),
    ],
    getBalances: async (ids: readonly string[]) =>
      ids.map((AccountId) => ({
        AccountId,
        Amount: { Amount: '100.00', Currency: 'TWD' },
        CreditDebitIndicator: 'Credit',
        Type: 'InterimAvailable',
        DateTime: '2026-11-21T00:00:00Z',
      })),
  } as unknown as BankData;

  it('shows the shared demand deposits and time deposits separately', async () => {
    // Act
    const demand = (await callSampleBank(bank, 'demand-deposit-accounts', {
      subject: 'anne',
      accountIds: ['current', 'term'],
      body: undefined,
      now: 0,
    })) as { accounts: { accountId: string; availableBalance: unknown }[] };
    const time = (await callSampleBank(bank, 'time-deposit-balances', {
      subject: 'anne',
      accountIds: ['current', 'term'],
      body: undefined,
      now: 0,
    })) as { timeDeposits: { accountId: string; maturityDate: string }[] };
    // Assess
    expect(demand.accounts.map((a) => a.accountId)).toEqual(['current']);
    expect(demand.accounts[0]!.availableBalance).toEqual({ amount: '100.00', currency: 'TWD' });
    expect(time.timeDeposits).toEqual([
      expect.objectContaining({ accountId: 'term', maturityDate: '2027-05-01T00:00:00.000Z' }),
    ]);
  });

  it('opens a roadside assistance case for a valid card and plate, and refuses invalid ones', async () => {
    const call = (body: unknown) =>
      callSampleBank(bank, 'roadside-assistance', { subject: 'anne', accountIds: [], body, now: 1_800_000_000 });
    // Act
    const accepted = (await call({ cardNumber: '4111111111111111', plateNumber: 'ABC-1234' })) as Record<
      string,
      string
    >;
    // Assess
    expect(accepted).toMatchObject({ status: 'Accepted', cardNumber: '************1111', plateNumber: 'ABC-1234' });
    expect(accepted.caseId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(luhnValid('4111111111111112')).toBe(false);
    await expect(call({ cardNumber: '4111111111111112', plateNumber: 'ABC-1234' })).rejects.toThrow(
      'cardNumber is not a valid card number',
    );
    await expect(call({ cardNumber: '4111111111111111', plateNumber: 'abc 1234' })).rejects.toThrow(
      'plateNumber must look like ABC-1234',
    );
  });
});

describe('upstream calls', () => {
  /** The platform key as the KMS key service uses it: alg and kid set by the signer. */
  async function platformKey() {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const keys: Pick<KeyService, 'signJws'> = {
      signJws: (purpose, payload, header) =>
        new CompactSign(payload)
          .setProtectedHeader({ ...header, alg: 'ES256', kid: 'platform', typ: SIGNING_PURPOSES[purpose].typ })
          .sign(privateKey),
    };
    return { keys, publicKey };
  }
  const NOW = 1_800_000_000;

  it('forwards only allowlisted headers over https, without redirects, with a signed caller assertion', async () => {
    // Prepare
    const { keys, publicKey } = await platformKey();
    const seen: { url?: string; init?: Parameters<UpstreamTransport>[1] } = {};
    const fakeTransport: UpstreamTransport = async (url, init) => {
      seen.url = url.href;
      seen.init = init;
      return { status: 201, contentType: 'application/json', body: Buffer.from('{"ok":true}') };
    };
    const headers: Record<string, string> = {
      authorization: 'Bearer secret',
      cookie: 'session=1',
      'x-stan': '0000001',
      'content-type': 'application/json',
    };
    // Act
    const response = await callUpstream(
      {
        url: 'https://core.bank.test/cards/roadside',
        method: 'POST',
        query: { lang: 'zh-TW' },
        headers: (name) => headers[name],
        body: new TextEncoder().encode('{"a":1}'),
        caller: { clientId: 'tsp2', subject: 'anne', interactionId: 'iid-1' },
      },
      { issuer: 'https://auth.bank.test', keys, now: NOW },
      fakeTransport,
    );
    // Assess
    expect(response).toMatchObject({ status: 201, contentType: 'application/json' });
    expect(Buffer.from(response.body).toString()).toBe('{"ok":true}');
    expect(seen.url).toBe('https://core.bank.test/cards/roadside?lang=zh-TW');
    const sent = seen.init?.headers ?? {};
    expect(sent.authorization).toBeUndefined();
    expect(sent.cookie).toBeUndefined();
    expect(sent['x-stan']).toBe('0000001');
    expect(sent['x-bankgate-subject']).toBe('anne');
    const { payload, protectedHeader } = await jwtVerify(sent[CALLER_ASSERTION_HEADER]!, publicKey, {
      issuer: 'https://auth.bank.test',
      audience: 'https://core.bank.test',
      typ: CALLER_ASSERTION_TYPE,
      currentDate: new Date(NOW * 1000),
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'platform' });
    expect(payload).toEqual({
      iss: 'https://auth.bank.test',
      aud: 'https://core.bank.test',
      sub: 'anne',
      client_id: 'tsp2',
      htm: 'POST',
      htu: 'https://core.bank.test/cards/roadside',
      iat: NOW,
      exp: NOW + 60,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
  });

  it('keeps the query the registration fixes: the TPP adds parameters, never overrides one', async () => {
    // Prepare
    const { keys } = await platformKey();
    const urls: string[] = [];
    const recording: UpstreamTransport = async (url) => {
      urls.push(url.href);
      return { status: 200, contentType: 'application/json', body: Buffer.from('{}') };
    };
    const request = {
      url: 'https://core.bank.test/x?channel=tpp',
      method: 'GET' as const,
      headers: () => undefined,
      caller: { clientId: 'tsp2', subject: 'anne', interactionId: 'iid' },
    };
    const signing = { issuer: 'https://auth.bank.test', keys, now: NOW };
    // Act
    const [added, overridden] = await Promise.allSettled([
      callUpstream({ ...request, query: { lang: 'en' } }, signing, recording),
      callUpstream({ ...request, query: { channel: 'internal' } }, signing, recording),
    ]);
    // Assess
    expect(added.status).toBe('fulfilled');
    expect(urls).toEqual(['https://core.bank.test/x?channel=tpp&lang=en']);
    expect(overridden).toMatchObject({
      status: 'rejected',
      reason: {
        status: 400,
        error: 'invalid_request',
        message: expect.stringContaining('channel is fixed by the API'),
      },
    });
  });

  it('refuses an identity header naming another client', () => {
    const headers: Record<string, string> = { 'x-clientid': 'tsp1' };
    expect(() => requireOwnIdentityHeaders((name) => headers[name], 'tsp2')).toThrow(
      'X-ClientId must be the client id of the access token',
    );
    expect(() => requireOwnIdentityHeaders((name) => headers[name], 'tsp1')).not.toThrow();
    expect(() => requireOwnIdentityHeaders(() => undefined, 'tsp1')).not.toThrow();
  });

  it('answers 503 with the reason kept for the logs when the upstream cannot be reached; refuses plain http', async () => {
    // Prepare
    const { keys } = await platformKey();
    const refused: UpstreamTransport = async () => {
      throw new UpstreamUnavailable('ECONNREFUSED');
    };
    const request = {
      url: 'https://core.bank.test/x',
      method: 'GET' as const,
      query: {},
      headers: () => undefined,
      caller: { clientId: 'tsp2', subject: 'anne', interactionId: 'iid' },
    };
    const signing = { issuer: 'https://auth.bank.test', keys, now: NOW };
    // Act
    const [unreachable, plainHttp] = await Promise.allSettled([
      callUpstream(request, signing, refused),
      callUpstream({ ...request, url: 'http://core.bank.test/x' }, signing, refused),
    ]);
    // Assess
    expect(unreachable.status === 'rejected' && unreachable.reason).toBeInstanceOf(UpstreamUnavailable);
    expect(unreachable).toMatchObject({
      reason: {
        status: 503,
        error: 'temporarily_unavailable',
        reason: 'ECONNREFUSED',
        headers: { 'Retry-After': '1' },
      },
    });
    expect(plainHttp).toMatchObject({
      status: 'rejected',
      reason: { reason: 'upstream URLs must be https' },
    });
  });
});
