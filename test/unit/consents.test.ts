import { consentResponse, newConsent, parseConsentRequest } from '../../lambdas/domain/consents';
import { ObError } from '../../lambdas/errors';

const now = new Date('2026-11-21T12:00:00Z');
const body = (data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  Data: data,
  Risk: {},
  ...extra,
});

function errorOf(fn: () => unknown): ObError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ObError) return error;
    throw error;
  }
  throw new Error('expected an ObError');
}

describe('OBReadConsent1 validation', () => {
  it('accepts a full request and removes duplicate permissions', () => {
    // Act
    const request = parseConsentRequest(
      body({
        Permissions: [
          'ReadAccountsDetail',
          'ReadBalances',
          'ReadTransactionsDetail',
          'ReadTransactionsCredits',
          'ReadBalances',
        ],
        ExpirationDateTime: '2027-01-01T00:00:00+00:00',
        TransactionFromDateTime: '2026-01-01T00:00:00Z',
        TransactionToDateTime: '2026-12-31T23:59:59.999Z',
      }),
      now,
    );
    // Assess
    expect(request.permissions).toEqual([
      'ReadAccountsDetail',
      'ReadBalances',
      'ReadTransactionsDetail',
      'ReadTransactionsCredits',
    ]);
    expect(request.expirationDateTime).toBe('2027-01-01T00:00:00+00:00');
  });

  it.each([
    ['empty permissions', body({ Permissions: [] }), 'UK.OBIE.Field.Invalid'],
    ['missing Data', { Risk: {} }, 'UK.OBIE.Field.Missing'],
    ['missing Risk', { Data: { Permissions: ['ReadAccountsBasic'] } }, 'UK.OBIE.Field.Missing'],
    ['unknown permission', body({ Permissions: ['ReadAccountsBasic', 'ReadEverything'] }), 'UK.OBIE.Field.Invalid'],
    ['no accounts permission', body({ Permissions: ['ReadBalances'] }), 'UK.OBIE.Field.Invalid'],
    [
      'transactions detail without direction',
      body({ Permissions: ['ReadAccountsBasic', 'ReadTransactionsBasic'] }),
      'UK.OBIE.Field.Invalid',
    ],
    [
      'direction without transactions detail',
      body({ Permissions: ['ReadAccountsBasic', 'ReadTransactionsDebits'] }),
      'UK.OBIE.Field.Invalid',
    ],
    [
      'expiry in the past',
      body({ Permissions: ['ReadAccountsBasic'], ExpirationDateTime: '2020-01-01T00:00:00Z' }),
      'UK.OBIE.Field.InvalidDate',
    ],
    [
      'date without zone',
      body({ Permissions: ['ReadAccountsBasic'], ExpirationDateTime: '2027-01-01T00:00:00' }),
      'UK.OBIE.Field.Invalid',
    ],
    [
      'impossible date',
      body({ Permissions: ['ReadAccountsBasic'], ExpirationDateTime: '2027-13-45T00:00:00Z' }),
      'UK.OBIE.Field.Invalid',
    ],
    [
      'window from after to',
      body({
        Permissions: ['ReadAccountsBasic'],
        TransactionFromDateTime: '2026-05-01T00:00:00Z',
        TransactionToDateTime: '2026-04-01T00:00:00Z',
      }),
      'UK.OBIE.Field.InvalidDate',
    ],
    ['unexpected field', body({ Permissions: ['ReadAccountsBasic'], Extra: 1 }), 'UK.OBIE.Field.Unexpected'],
  ])('rejects %s with 400 %s', (_name, input, code) => {
    const error = errorOf(() => parseConsentRequest(input, now));
    expect(error.status).toBe(400);
    expect(error.errors.map((e) => e.ErrorCode)).toContain(code);
  });

  it('reports every wrong field at once, each with its JSON path and code, in the API words', () => {
    // Act
    const error = errorOf(() =>
      parseConsentRequest(
        {
          Data: { Permissions: ['ReadAccountsBasic', 'ReadEverything'], ExpirationDateTime: 'tomorrow', Colour: 'red' },
        },
        now,
      ),
    );
    // Assess
    expect(error.status).toBe(400);
    expect(error.errors).toEqual([
      {
        ErrorCode: 'UK.OBIE.Field.Invalid',
        Message: expect.stringMatching(
          /^Data\.Permissions\[1\] must be one of ReadAccountsBasic, ReadAccountsDetail, /,
        ),
        Path: 'Data.Permissions[1]',
      },
      {
        ErrorCode: 'UK.OBIE.Field.Invalid',
        Message: 'Data.ExpirationDateTime must be an ISO 8601 date-time with a time zone',
        Path: 'Data.ExpirationDateTime',
      },
      { ErrorCode: 'UK.OBIE.Field.Unexpected', Message: 'Data.Colour is not expected', Path: 'Data.Colour' },
      { ErrorCode: 'UK.OBIE.Field.Missing', Message: 'Risk is required', Path: 'Risk' },
    ]);
  });

  it('reports every broken permission rule and date rule at once', () => {
    // Act
    const error = errorOf(() =>
      parseConsentRequest(
        body({
          Permissions: ['ReadBalances', 'ReadTransactionsCredits'],
          ExpirationDateTime: '2020-01-01T00:00:00Z',
        }),
        now,
      ),
    );
    // Assess
    expect(error.errors.map((e) => [e.ErrorCode, e.Path, e.Message])).toEqual([
      [
        'UK.OBIE.Field.Invalid',
        'Data.Permissions',
        'Data.Permissions must include ReadAccountsBasic or ReadAccountsDetail',
      ],
      [
        'UK.OBIE.Field.Invalid',
        'Data.Permissions',
        'Data.Permissions with ReadTransactionsCredits/Debits must include ReadTransactionsBasic or ReadTransactionsDetail',
      ],
      ['UK.OBIE.Field.InvalidDate', 'Data.ExpirationDateTime', 'Data.ExpirationDateTime must be in the future'],
    ]);
  });

  it('says what type a field must have when it is there but wrong', () => {
    // Act
    const error = errorOf(() => parseConsentRequest({ Data: 'all', Risk: [] }, now));
    // Assess
    expect(error.errors).toEqual([
      { ErrorCode: 'UK.OBIE.Field.Invalid', Message: 'Data must be an object', Path: 'Data' },
      { ErrorCode: 'UK.OBIE.Field.Invalid', Message: 'Risk must be an object', Path: 'Risk' },
    ]);
  });

  it('renders OBReadConsentResponse1 with Links and Meta and no absent optional fields', () => {
    // Prepare
    const consent = newConsent(
      'aac-1',
      'tsp2',
      parseConsentRequest(body({ Permissions: ['ReadAccountsBasic'] }), now),
      now,
    );
    // Act
    const view = consentResponse(consent, 'https://mtls.example/x/aac-1');
    // Assess
    expect(view).toEqual({
      Data: {
        ConsentId: 'aac-1',
        Status: 'AwaitingAuthorisation',
        CreationDateTime: '2026-11-21T12:00:00.000Z',
        StatusUpdateDateTime: '2026-11-21T12:00:00.000Z',
        Permissions: ['ReadAccountsBasic'],
      },
      Risk: {},
      Links: { Self: 'https://mtls.example/x/aac-1' },
      Meta: { TotalPages: 1 },
    });
  });
});
