/**
 * The demo fintechs' pure parts: what the TPP walkthrough shows of an exchange (secrets only truncated),
 * the HTML template's escaping, and Enjoy Life's categories, payees and months.
 */
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
