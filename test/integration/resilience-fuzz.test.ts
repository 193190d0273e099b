/**
 * Issue 6, hostile input: property-based fuzzing (fast-check) of every endpoint's inputs over real HTTPS
 * and mTLS: headers, query strings, form and JSON bodies, JWTs with wrong algorithms, claims and sizes,
 * client certificates of another client. Never a 5xx, never a stack trace or internal path in a response;
 * body size limits hold.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { fetch } from 'undici';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

jest.setTimeout(120_000);

const CLIENTS = ['tpp-fapi1', 'tsp2'] as const;
const OB_AISP = '/open-banking/v3.1/aisp';
const RUNS = 40;
/** What a response must never show: stack frames, file paths, dependency names. */
const INTERNALS =
  /\bat .+:\d+:\d+|\/work\/|node_modules|\.ts:\d+|ECONNREFUSED|ValidationException|TypeError|ReferenceError/;

let sandbox: TestSandbox;
let agents: Record<string, ReturnType<TestSandbox['mtlsAgent']>>;
let browser: ReturnType<TestSandbox['browserAgent']>;
let validToken: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  agents = Object.fromEntries(CLIENTS.map((clientId) => [clientId, sandbox.mtlsAgent(clientId)]));
  browser = sandbox.browserAgent();
  const issued = await request({
    surface: 'mtls',
    method: 'POST',
    path: '/token',
    cert: 'tpp-fapi1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=accounts&client_id=tpp-fapi1',
  });
  validToken = JSON.parse(issued.body).access_token;
});

afterAll(async () => {
  await sandbox?.stop();
});

interface HostileRequest {
  readonly surface: 'mtls' | 'browser';
  readonly method: string;
  readonly path: string;
  readonly cert?: (typeof CLIENTS)[number];
  readonly headers: Record<string, string>;
  readonly body?: string;
}

async function request(input: HostileRequest): Promise<{ status: number; body: string }> {
  const base = input.surface === 'mtls' ? sandbox.manifest.mtls_base_url : sandbox.manifest.issuer;
  const response = await fetch(`${base}${input.path}`, {
    method: input.method,
    headers: input.headers,
    body: input.body,
    redirect: 'manual',
    dispatcher: input.surface === 'mtls' ? agents[input.cert ?? 'tpp-fapi1'] : browser,
  });
  return { status: response.status, body: await response.text() };
}

async function expectSafe(input: HostileRequest): Promise<void> {
  const { status, body } = await request(input);
  if (status >= 500 || INTERNALS.test(body)) {
    throw new Error(`${input.method} ${input.path} answered ${status}: ${body.slice(0, 300)}`);
  }
}

// ---- Arbitraries -------------------------------------------------------------------------------

const visible = fc.string({
  unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});
const anyText = fc.oneof(
  visible,
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', ' ', '%', '%00', '\u0000', 'null'),
);
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** JWT-shaped strings: wrong or missing algs, odd claims, huge payloads, broken segments. */
const jwt = fc
  .record({
    alg: fc.constantFrom('none', 'HS256', 'RS256', 'PS256', 'ES256', 'EdDSA', 'RSA-OAEP-256', '', 'PS256 '),
    kid: fc.option(visible),
    claims: fc.dictionary(
      fc.constantFrom(
        'iss',
        'sub',
        'aud',
        'exp',
        'iat',
        'nbf',
        'jti',
        'client_id',
        'scope',
        'request_uri',
        'claims',
        'x',
      ),
      fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('tpp-fapi1', 'tsp2')),
    ),
    signature: fc.oneof(
      fc.constant(''),
      visible,
      fc.uint8Array({ maxLength: 300 }).map((bytes) => b64(Buffer.from(bytes).toString('latin1'))),
    ),
    pad: fc.nat({ max: 3 }).map((n) => 'A'.repeat([0, 10, 5000, 20000][n]!)),
    parts: fc.constantFrom(3, 3, 2, 5),
  })
  .map(({ alg, kid, claims, signature, pad, parts }) => {
    const segments = [b64({ alg, ...(kid ? { kid } : {}) }), b64({ ...claims, pad }), signature, 'x', 'y'];
    return segments.slice(0, parts).join('.');
  });

const paramValue = fc.oneof(anyText, jwt, fc.constantFrom('tpp-fapi1', 'tsp2', 'openid accounts', 'S256', 'code'));
const OAUTH_PARAMS = [
  'grant_type',
  'client_id',
  'client_assertion',
  'client_assertion_type',
  'scope',
  'code',
  'code_verifier',
  'redirect_uri',
  'refresh_token',
  'token',
  'token_type_hint',
  'request',
  'request_uri',
  'response_type',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'iss',
  'login_state',
] as const;
const params = fc.dictionary(fc.oneof(fc.constantFrom(...OAUTH_PARAMS), visible), paramValue, { maxKeys: 8 });
const formOf = (values: Record<string, string>) => new URLSearchParams(values).toString();
const query = params.map((values) => (Object.keys(values).length ? `?${formOf(values)}` : ''));

const headerValue = fc.oneof(visible, fc.constantFrom('', 'Bearer', 'Bearer ', 'DPoP x', 'Basic Og=='));
const hostileHeaders = fc.record(
  {
    'x-fapi-interaction-id': headerValue,
    'x-idempotency-key': headerValue,
    'x-fapi-auth-date': headerValue,
    'x-fapi-customer-ip-address': headerValue,
    accept: fc.constantFrom('*/*', 'application/json', 'text/html', 'application/jose', visible as never),
    cookie: fc.oneof(
      visible,
      visible.map((v) => `__Host-bankgate-login=${v}`),
    ),
  },
  { requiredKeys: [] },
);
const authorization = fc.oneof(
  fc.constant(undefined),
  jwt.map((value) => `Bearer ${value}`),
  headerValue.map((value) => `Bearer ${value}`),
  fc.constant('validToken'),
);
const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc
    .record({
      Data: fc.record(
        {
          Permissions: fc.oneof(
            fc.array(fc.oneof(visible, fc.constantFrom('ReadAccountsBasic', 'ReadBalances'))),
            fc.jsonValue(),
          ),
          ExpirationDateTime: fc.oneof(
            visible,
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            fc.jsonValue(),
          ),
          TransactionFromDateTime: fc.oneof(visible, fc.jsonValue()),
          TransactionToDateTime: fc.oneof(visible, fc.jsonValue()),
        },
        { requiredKeys: [] },
      ),
      Risk: fc.jsonValue({ maxDepth: 2 }),
    })
    .map((value) => JSON.stringify(value)),
  anyText,
);
const contentType = fc.constantFrom(
  'application/x-www-form-urlencoded',
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
);
const pathSegment = fc.oneof(
  visible.map(encodeURIComponent),
  fc.constantFrom('aac-x', '..', '%2e%2e', 'acc-current', 'a'.repeat(300)),
);
const cert = fc.constantFrom(...CLIENTS);

const withAuth = (headers: Record<string, string>, value: string | undefined): Record<string, string> =>
  value === undefined
    ? headers
    : { ...headers, authorization: value === 'validToken' ? `Bearer ${validToken}` : value };

// ---- Properties --------------------------------------------------------------------------------

const property = <T>(arbitrary: fc.Arbitrary<T>, toRequest: (value: T) => HostileRequest) =>
  fc.assert(
    fc.asyncProperty(arbitrary, (value) => expectSafe(toRequest(value))),
    { numRuns: RUNS },
  );

describe('hostile input never causes a 5xx or leaks internals', () => {
  it.each(['/token', '/par', '/introspect', '/revoke'])('POST %s with hostile forms, JWTs and certificates', (path) =>
    property(fc.tuple(params, hostileHeaders, contentType, cert), ([values, headers, type, client]) => ({
      surface: 'mtls',
      method: 'POST',
      path,
      cert: client,
      headers: { ...headers, 'content-type': type },
      body: formOf(values),
    })),
  );

  it.each(['/token', '/par', '/introspect', '/revoke'])(
    'POST %s with a client_id over the DynamoDB key limit',
    async (path) => {
      const response = await request({
        surface: 'mtls',
        method: 'POST',
        path,
        cert: 'tpp-fapi1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: formOf({ grant_type: 'client_credentials', client_id: 'a'.repeat(3000), token: 'x' }),
      });
      expect(response.status).toBe(401);
    },
  );

  it('account-access-consents with hostile JSON, headers, tokens and ids', () =>
    property(
      fc.tuple(
        jsonBody,
        hostileHeaders,
        authorization,
        contentType,
        cert,
        pathSegment,
        fc.constantFrom('POST', 'GET', 'DELETE', 'PUT'),
      ),
      ([body, headers, auth, type, client, id, method]) => ({
        surface: 'mtls',
        method,
        path: `${OB_AISP}/account-access-consents${method === 'POST' || method === 'PUT' ? '' : `/${id}`}`,
        cert: client,
        headers: withAuth({ ...headers, 'content-type': type }, auth),
        body: method === 'POST' || method === 'PUT' ? body : undefined,
      }),
    ));

  it('account information APIs with hostile tokens, ids and query strings', () =>
    property(
      fc.tuple(
        fc.constantFrom(
          '/accounts',
          '/accounts/{id}',
          '/balances',
          '/accounts/{id}/balances',
          '/transactions',
          '/accounts/{id}/transactions',
        ),
        pathSegment,
        query,
        fc.dictionary(fc.constantFrom('fromBookingDateTime', 'toBookingDateTime', 'page'), anyText),
        hostileHeaders,
        authorization,
        cert,
      ),
      ([template, id, q, window, headers, auth, client]) => ({
        surface: 'mtls',
        method: 'GET',
        path: `${OB_AISP}${template.replace('{id}', id)}${q || `?${formOf(window)}`}`,
        cert: client,
        headers: withAuth(headers, auth),
      }),
    ));

  it('browser endpoints with hostile query strings, forms and cookies', () =>
    property(
      fc.tuple(
        fc.constantFrom(
          'GET /authorize',
          'POST /authorize',
          'GET /login/callback',
          'GET /consent-api/account-access-consent/{id}',
          'POST /consent-api/account-access-consent/{id}/accept',
          'POST /consent-api/account-access-consent/{id}/reject',
          'OPTIONS /consent-api/account-access-consent/{id}',
          'GET /jwks',
          'GET /.well-known/openid-configuration',
        ),
        pathSegment,
        query,
        params,
        hostileHeaders,
        fc.oneof(jsonBody, params.map(formOf)),
        contentType,
      ),
      ([route, id, q, form, headers, body, type]) => {
        const [method, template] = route.split(' ') as [string, string];
        return {
          surface: 'browser',
          method,
          path: `${template.replace('{id}', id)}${method === 'GET' ? q : ''}`,
          headers: { ...headers, 'content-type': type, origin: sandbox.manifest.issuer },
          body: method === 'POST' ? (template === '/authorize' ? formOf(form) : body) : undefined,
        };
      },
    ));
});

describe('body size limits', () => {
  it.each(['/token', '/par', '/introspect', '/revoke'])(
    'refuses a 70 KB form on %s with 413 invalid_request',
    async (path) => {
      // Prepare
      const body = formOf({ grant_type: 'client_credentials', client_id: 'tpp-fapi1', padding: 'a'.repeat(70_000) });
      // Act
      const answer = await request({
        surface: 'mtls',
        method: 'POST',
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-fapi-interaction-id': randomUUID() },
        body,
      });
      // Assess
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).error).toBe('invalid_request');
    },
  );
});
