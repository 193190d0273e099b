/**
 * The demo fintechs' pure parts: what the TPP walkthrough shows of an exchange (secrets only truncated),
 * the HTML template's escaping, and Enjoy Life's categories, payees and months.
 */
import {
  BankUnavailable,
  type Connection,
  connectFailure,
  NotAuthorized,
  type RefreshGrant,
  Revoked,
  refusal,
  withToken,
} from '../../sandbox/apps/connection';
import { categoryOf, monthsShown, payeeOf } from '../../sandbox/apps/enjoy-life';
import { html } from '../../sandbox/apps/html';
import { redactExchange, truncate } from '../../sandbox/apps/trace';

describe('redactExchange', () => {
  it('truncates tokens, assertions, codes and verifiers in headers, forms, JSON and URLs; keeps the rest', () => {
    // Prepare
    const secret = 'a'.repeat(43);
    const exchange = {
      request: {
        method: 'POST',
        url: `https://bank.example/token?code=${secret}&state=s1`,
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code_verifier: secret,
          client_assertion: secret,
        }).toString(),
      },
      response: {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-fapi-interaction-id': 'id-1' },
        body: JSON.stringify({
          access_token: secret,
          refresh_token: secret,
          token_type: 'Bearer',
          nested: { id_token: secret },
        }),
      },
    };
    // Act
    const shown = redactExchange(exchange);
    // Assess
    expect(JSON.stringify(shown)).not.toContain(secret);
    expect(shown.request.headers.authorization).toBe(`Bearer ${truncate(secret)}`);
    expect(shown.request.body).toContain('grant_type=authorization_code');
    expect(shown.request.url).toContain('state=s1');
    expect(JSON.parse(shown.response.body!)).toMatchObject({
      token_type: 'Bearer',
      nested: { id_token: truncate(secret) },
    });
    expect(shown.interactionId).toBe('id-1');
    expect(truncate(secret)).toBe('aaaaaaaa…(43 chars)');
  });
});

describe('html', () => {
  it('escapes every interpolated value, nested templates pass through once', () => {
    const name = `<script>alert("x")</script>'&`;
    expect(html`<p title="${name}">${name}${html`<b>${name}</b>`}</p>`.text).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;<b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;</b></p>',
    );
  });
});

describe('Enjoy Life categories, payees and months', () => {
  const transaction = (extra: object) => ({
    AccountId: 'a',
    TransactionId: 't',
    Amount: { Amount: '1.00', Currency: 'GBP' },
    CreditDebitIndicator: 'Debit' as const,
    BookingDateTime: '2026-11-02T10:00:00.000Z',
    ...extra,
  });

  it('categorises by merchant category code first, then by the bank transaction code', () => {
    expect(
      categoryOf(transaction({ MerchantDetails: { MerchantName: 'Tesco Stores', MerchantCategoryCode: '5411' } })),
    ).toBe('Groceries');
    expect(categoryOf(transaction({ ProprietaryBankTransactionCode: { Code: 'DirectDebit' } }))).toBe('Housing');
    expect(categoryOf(transaction({}))).toBe('Other');
  });

  it('names the payee from the merchant, else from the description', () => {
    expect(payeeOf(transaction({ MerchantDetails: { MerchantName: 'Pret A Manger' } }))).toBe('Pret A Manger');
    expect(payeeOf(transaction({ TransactionInformation: 'RENT HOMELY LETTINGS' }))).toBe('Homely Lettings');
  });

  it('covers the current UTC month and the two before it, across a year boundary', () => {
    expect(monthsShown(new Date('2027-01-15T00:00:00Z'))).toEqual(['2026-11', '2026-12', '2027-01']);
  });
});

describe("Enjoy Life's bank tokens (sandbox/apps/connection.ts)", () => {
  const tokens = (n: number, rotate = true) => ({
    access_token: `access-${n}`,
    token_type: 'bearer' as const,
    expires_in: 300,
    ...(rotate ? { refresh_token: `refresh-${n}` } : {}),
  });
  const oauthError = (error: string) => Object.assign(new Error(error), { error });
  const connection = (expiresAt: number): Connection => ({
    bank: 'TPI Bank',
    items: [],
    accessToken: 'access-0',
    refreshToken: 'refresh-0',
    expiresAt,
    status: 'connected',
  });
  /** A refresh grant that rotates, recording the refresh token each call presented. */
  const rotatingGrant = () => {
    const presented: string[] = [];
    const grant: RefreshGrant = async (refreshToken) => {
      presented.push(refreshToken);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return tokens(presented.length) as never;
    };
    return { grant, presented };
  };
  const ok = async () => new Response('{}', { status: 200 });
  /** A call that records the access token it was given. */
  const recording = (sent: string[]) => async (token: string) => {
    sent.push(token);
    return ok();
  };

  it('does not refresh while the access token is valid', async () => {
    // Prepare
    const c = connection(Date.now() + 60_000);
    const { grant, presented } = rotatingGrant();
    const sent: string[] = [];
    // Act
    for (let i = 0; i < 5; i++) await withToken(c, grant, recording(sent));
    // Assess
    expect(presented).toEqual([]);
    expect(sent).toEqual(Array(5).fill('access-0'));
  });

  it('refreshes an expired token once for concurrent calls and presents the rotated refresh token next time', async () => {
    // Prepare
    const c = connection(Date.now() - 1);
    const { grant, presented } = rotatingGrant();
    const sent: string[] = [];
    const call = recording(sent);
    // Act
    await Promise.all([withToken(c, grant, call), withToken(c, grant, call), withToken(c, grant, call)]);
    c.expiresAt = Date.now() - 1;
    await withToken(c, grant, call);
    // Assess: one refresh per expiry, each with the refresh token the previous one returned.
    expect(presented).toEqual(['refresh-0', 'refresh-1']);
    expect(sent).toEqual(['access-1', 'access-1', 'access-1', 'access-2']);
    expect(c.refreshToken).toBe('refresh-2');
  });

  it('keeps the refresh token when the bank does not rotate it', async () => {
    const c = connection(Date.now() - 1);
    await withToken(
      c,
      async () => tokens(1, false) as never,
      async () => ok(),
    );
    expect([c.accessToken, c.refreshToken]).toEqual(['access-1', 'refresh-0']);
  });

  it('refreshes once after a 401 and retries; a second 401 means the connection was withdrawn', async () => {
    // Prepare
    const c = connection(Date.now() + 60_000);
    const { grant, presented } = rotatingGrant();
    const statuses = [401, 200];
    const sent: string[] = [];
    // Act
    const response = await withToken(c, grant, async (token) => {
      sent.push(token);
      return new Response('{}', { status: statuses.shift()! });
    });
    const again = withToken(c, grant, async () => new Response('{}', { status: 401 }));
    // Assess
    expect(response.status).toBe(200);
    expect(sent).toEqual(['access-0', 'access-1']);
    await expect(again).rejects.toBeInstanceOf(Revoked);
    expect(presented).toHaveLength(2);
    expect(c.status).toBe('revoked');
  });

  it('tells a withdrawn grant (invalid_grant) from the bank being unavailable', async () => {
    const revoked = connection(Date.now() - 1);
    await expect(
      withToken(revoked, async () => Promise.reject(oauthError('invalid_grant')), ok),
    ).rejects.toBeInstanceOf(Revoked);
    expect(revoked.status).toBe('revoked');
    const troubled = connection(Date.now() - 1);
    await expect(
      withToken(troubled, async () => Promise.reject(oauthError('temporarily_unavailable')), ok),
    ).rejects.toBeInstanceOf(BankUnavailable);
    expect(troubled.status).toBe('connected');
    const unreachable = connection(Date.now() + 60_000);
    await expect(
      withToken(unreachable, rotatingGrant().grant, () => Promise.reject(new Error('ECONNREFUSED'))),
    ).rejects.toBeInstanceOf(BankUnavailable);
  });

  it('reads refusals: 5xx and server_error are the bank’s trouble, 403 is not authorised', async () => {
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status });
    expect(await refusal(json(503, {}))).toBeInstanceOf(BankUnavailable);
    expect(await refusal(json(400, { error: 'server_error' }))).toBeInstanceOf(BankUnavailable);
    const forbidden = await refusal(
      json(403, { Errors: [{ ErrorCode: 'UK.OBIE.Unauthorised', Message: 'not granted' }] }),
    );
    expect(forbidden).toBeInstanceOf(NotAuthorized);
    expect(forbidden.message).toBe('not granted');
  });

  it('words a connection that did not complete: access_denied vs server_error vs a refusal', () => {
    expect(connectFailure('TPI Bank', 'Enjoy Life', oauthError('access_denied'))).toBe(
      'You did not give Enjoy Life access at TPI Bank. Nothing was shared.',
    );
    expect(connectFailure('TPI Bank', 'Enjoy Life', oauthError('server_error'))).toBe(
      'TPI Bank had a problem (server_error). Please try again in a moment.',
    );
    expect(
      connectFailure(
        'TPI Bank',
        'Enjoy Life',
        Object.assign(oauthError('invalid_grant'), { error_description: 'code used' }),
      ),
    ).toBe('TPI Bank did not connect: invalid_grant (code used)');
  });
});
