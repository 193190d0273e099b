/**
 * Accepting a consent is conditional on its status and on the customer who opened it: two customers whose
 * login sessions name the same consent press Allow at the same moment — exactly one authorises it, and the
 * stored consent (customer, accounts, code) is the winner's, so only the winner's code can become tokens.
 * The consent-api handler on the real DynamoDB adapters (in-process dynalite).
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context, Handler } from 'aws-lambda';
import type { Stores } from '../../lambdas/adapters/dynamodb';
import { codeRecordId, LOGIN_TTL, type LoginSessionRecord } from '../../lambdas/domain/authorization';
import { hashSecret } from '../../lambdas/domain/tokens';
import { LOGIN_COOKIE } from '../../lambdas/http/login-session';
import { type HandlerEnvironment, startHandlerEnvironment } from '../support/handler-environment';

const ISSUER = 'https://auth.consent-race.test';
const CLIENT = 'tpp-race';
const BARRIER = 'hold-consent-updates';

let environment: HandlerEnvironment;
let stores: Stores;
let consentApi: Handler<APIGatewayProxyEvent, APIGatewayProxyResult>;
let documentClient: () => import('@aws-sdk/lib-dynamodb').DynamoDBDocumentClient;

const secret = () => randomBytes(32).toString('base64url');

beforeAll(async () => {
  environment = await startHandlerEnvironment({ name: 'consent-race', issuer: ISSUER });
  const [{ wiring }, handlerModule] = await Promise.all([
    import('../../lambdas/wiring'),
    import('../../lambdas/handlers/consent-api'),
  ]);
  stores = wiring.stores;
  consentApi = handlerModule.handler as never;
  documentClient = () => wiring.documentClient;
  const bank = wiring.bankData;
  for (const subject of ['alice', 'bob']) {
    await bank.putAccount(subject, {
      AccountId: `acc-${subject}`,
      Currency: 'GBP',
      AccountType: 'Personal',
      AccountSubType: 'CurrentAccount',
      Account: [{ SchemeName: 'UK.OBIE.SortCodeAccountNumber', Identification: `4012340000000${subject.length}` }],
    } as never);
  }
}, 60_000);

afterAll(async () => {
  await environment?.close();
});

/** A consent awaiting authorisation, and a signed-in login session for it per customer. */
async function consentWithTwoSessions(subjects: readonly string[]) {
  const now = Math.floor(Date.now() / 1000);
  const consentId = `aac-${secret()}`;
  await stores.consents.create({
    consentId,
    clientId: CLIENT,
    status: 'AwaitingAuthorisation',
    permissions: ['ReadAccountsBasic'],
    creationDateTime: new Date().toISOString(),
    statusUpdateDateTime: new Date().toISOString(),
    risk: {},
  } as never);
  const sessions = [];
  for (const subject of subjects) {
    const loginId = randomBytes(16).toString('base64url');
    const [cookieSecret, loginState] = [secret(), secret()];
    const record: LoginSessionRecord = {
      id: loginId,
      kind: 'login',
      clientId: CLIENT,
      expiresAt: now + LOGIN_TTL,
      status: 'consenting',
      request: {
        clientId: CLIENT,
        redirectUri: 'https://tpp.example/cb',
        responseType: 'code',
        responseMode: 'query',
        scope: 'openid accounts',
        state: 'tpp-state',
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        codeChallengeMethod: 'S256',
        consentId,
      },
      sessionHash: hashSecret(cookieSecret),
      loginStateHash: hashSecret(loginState),
      idp: { state: 's', nonce: 'n', codeVerifier: 'v' },
      subject,
      authTime: now,
      startedAt: now,
    };
    await stores.authorizations.put(record);
    sessions.push({ subject, loginId, cookieSecret, loginState });
  }
  return { consentId, sessions };
}

function accept(session: { subject: string; loginId: string; cookieSecret: string; loginState: string }) {
  const resource = '/consent-api/account-access-consent/{loginId}/accept';
  return consentApi(
    {
      resource,
      path: `/consent-api/account-access-consent/${session.loginId}/accept`,
      httpMethod: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: `${LOGIN_COOKIE}=${session.loginId}.${session.cookieSecret}`,
      },
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: { loginId: session.loginId },
      stageVariables: null,
      body: JSON.stringify({ login_state: session.loginState, account_ids: [`acc-${session.subject}`] }),
      isBase64Encoded: false,
      requestContext: { identity: { sourceIp: '127.0.0.1' } } as APIGatewayProxyEvent['requestContext'],
    },
    { awsRequestId: randomBytes(8).toString('hex') } as Context,
    () => undefined,
  ) as Promise<APIGatewayProxyResult>;
}

/** Holds the consent updates until `count` have arrived: every racer has read the consent before anyone writes. */
function holdConsentUpdatesUntil(count: number): void {
  const waiting: (() => void)[] = [];
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string };
      if (context.commandName !== 'UpdateCommand' || !String(input.TableName).includes('consents')) return next(args);
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        if (waiting.length === count) for (const release of waiting) release();
      });
      return next(args);
    },
    { step: 'initialize', name: BARRIER, override: true },
  );
}

afterEach(() => {
  documentClient().middlewareStack.remove(BARRIER);
});

it('lets exactly one of two customers racing on one consent authorise it, and keeps the record the winner’s', async () => {
  // Prepare
  const { consentId, sessions } = await consentWithTwoSessions(['alice', 'bob']);
  holdConsentUpdatesUntil(2);
  // Act
  const responses = await Promise.all(sessions.map(accept));
  // Assess
  const statuses = responses.map((r) => r.statusCode).sort();
  expect(statuses).toEqual([200, 403]);
  const winner = sessions[responses.findIndex((r) => r.statusCode === 200)]!;
  const loser = responses.find((r) => r.statusCode === 403)!;
  expect(JSON.parse(loser.body)).toMatchObject({ error: 'access_denied' });
  const code = new URL(JSON.parse(responses.find((r) => r.statusCode === 200)!.body).redirect_to).searchParams.get(
    'code',
  )!;
  const consent = await stores.consents.get(consentId);
  expect(consent).toMatchObject({
    status: 'Authorised',
    subject: winner.subject,
    accountIds: [`acc-${winner.subject}`],
    authorizationCodeId: codeRecordId(code),
  });
});

it('lets one customer re-authorise a consent they authorised, but never one another customer authorised', async () => {
  const { consentId, sessions } = await consentWithTwoSessions(['alice', 'alice', 'bob']);
  expect((await accept(sessions[0]!)).statusCode).toBe(200);
  expect((await accept(sessions[1]!)).statusCode).toBe(200);
  expect((await accept(sessions[2]!)).statusCode).toBe(403);
  expect(await stores.consents.get(consentId)).toMatchObject({ status: 'Authorised', subject: 'alice' });
});

it('reads login_state from the x-login-state header only, never from a query string', async () => {
  const { sessions } = await consentWithTwoSessions(['alice']);
  const session = sessions[0]!;
  const describe = (headers: Record<string, string>, query: Record<string, string> | null) =>
    consentApi(
      {
        resource: '/consent-api/account-access-consent/{loginId}',
        path: `/consent-api/account-access-consent/${session.loginId}`,
        httpMethod: 'GET',
        headers: { cookie: `${LOGIN_COOKIE}=${session.loginId}.${session.cookieSecret}`, ...headers },
        multiValueHeaders: {},
        queryStringParameters: query,
        multiValueQueryStringParameters: null,
        pathParameters: { loginId: session.loginId },
        stageVariables: null,
        body: null,
        isBase64Encoded: false,
        requestContext: { identity: { sourceIp: '127.0.0.1' } } as APIGatewayProxyEvent['requestContext'],
      },
      { awsRequestId: randomBytes(8).toString('hex') } as Context,
      () => undefined,
    ) as Promise<APIGatewayProxyResult>;
  expect((await describe({}, { login_state: session.loginState })).statusCode).toBe(401);
  expect((await describe({ 'x-login-state': session.loginState }, null)).statusCode).toBe(200);
});
