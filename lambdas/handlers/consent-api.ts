/**
 * The consent page API, for the built-in SPA (browser origin, authenticated by the login-session cookie)
 * and for a bank hosting its own consent page (mTLS origin, a privileged client's token with scope
 * `manage_consents`). Both must also present the `login_state` handed to the page (in the URL fragment, never
 * the query: it must not reach logs or history).
 *   GET  /consent-api/account-access-consent/{loginId}   header `x-login-state: ...`
 *   POST /consent-api/account-access-consent/{loginId}/accept  { granted_scopes, account_ids, login_state }
 *   POST /consent-api/account-access-consent/{loginId}/reject  { login_state, error, error_description }
 * The journey itself is `domain/journey/consent-session.ts`.
 */
import type { LoginSessionRecord } from '../domain/authorization';
import {
  authoriseConsent,
  describeConsentSession,
  openConsentSession,
  rejectConsent,
} from '../domain/journey/consent-session';
import { AccessDenied, InvalidRequest, OAuthError } from '../errors';
import { authorizeBearer } from '../http/bearer';
import { type HttpRequest, type HttpResponse, httpHandler, json } from '../http/handler';
import { readLoginCookie } from '../http/login-session';
import { metrics } from '../http/observability';
import { clientCertificate, header, oauthJsonBody } from '../http/request';
import { runSteps, type Step } from '../http/steps';
import { Metric } from '../metric-names';
import { systemClock } from '../ports/clock';
import * as z from '../validation';
import { wiring } from '../wiring';

/** The GET carries login_state in this header: a query string ends up in access logs and browser history. */
const LOGIN_STATE_HEADER = 'x-login-state';

const AcceptBody = z.object({
  login_state: z.string().check(z.minLength(1), z.maxLength(256)),
  account_ids: z
    .array(z.string().check(z.minLength(1), z.maxLength(128)))
    .check(z.minLength(1, 'choose at least one account'), z.maxLength(100)),
  granted_scopes: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(64))).check(z.maxLength(50))),
});

const RejectBody = z.object({
  login_state: z.string().check(z.minLength(1), z.maxLength(256)),
  error: z._default(z.enum(['access_denied']), 'access_denied'),
  error_description: z.optional(z.string().check(z.maxLength(300))),
});

interface ConsentCall {
  readonly request: HttpRequest;
  readonly now: number;
  cors: Record<string, string>;
  loginState?: string;
  body: Record<string, unknown>;
  login: LoginSessionRecord;
  response: HttpResponse;
}

function parseBody<T>(request: HttpRequest, schema: z.ZodMiniType<T>): T {
  const parsed = z.validate(schema, oauthJsonBody(request.event), { subject: 'The request body' });
  if (!parsed.ok) throw new InvalidRequest(z.describeProblems(parsed.problems));
  return parsed.data;
}

/** CORS for a consent SPA hosted on its own origin (CloudFront); same-site, so the cookie still flows. */
function allowConsentPageOrigin(call: ConsentCall) {
  const origin = header(call.request.event, 'origin');
  const { consentPageUrl } = wiring.config;
  call.cors =
    !origin || !consentPageUrl || new URL(consentPageUrl).origin !== origin
      ? {}
      : {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
          'access-control-allow-headers': `content-type, ${LOGIN_STATE_HEADER}`,
          'access-control-allow-methods': 'GET, POST',
          vary: 'Origin',
        };
}

const readLoginStateHeader = (call: ConsentCall) => {
  call.loginState = header(call.request.event, LOGIN_STATE_HEADER);
};
const readAccept = (call: ConsentCall) => {
  call.body = parseBody(call.request, AcceptBody);
  call.loginState = call.body.login_state as string;
};
const readReject = (call: ConsentCall) => {
  call.body = parseBody(call.request, RejectBody);
  call.loginState = call.body.login_state as string;
};

/** The caller proves it holds the session: the browser's cookie, or a privileged client's token over mTLS. */
async function openSession(call: ConsentCall) {
  const { request, now } = call;
  const privileged = async () => {
    const token = await authorizeBearer(request, { tokens: wiring.stores.tokens, now }, 'manage_consents');
    if (token.subject !== undefined) throw new AccessDenied('a client_credentials token is required');
  };
  call.login = await openConsentSession(
    {
      loginId: request.event.pathParameters?.loginId ?? '',
      loginState: call.loginState,
      proof: clientCertificate(request.event) ? { privileged } : { cookie: readLoginCookie(request.event) },
      now,
    },
    wiring.stores,
  );
}

async function describe(call: ConsentCall) {
  const { consents, clients } = wiring.stores;
  call.response = json(
    200,
    await describeConsentSession(call.login, {
      consents,
      clients,
      bankData: wiring.bankData,
      issuer: wiring.config.issuer,
    }),
  );
}

async function accept(call: ConsentCall) {
  const body = call.body as z.infer<typeof AcceptBody>;
  const authorised = await authoriseConsent(
    { login: call.login, accountIds: body.account_ids, grantedScopes: body.granted_scopes, now: call.now },
    {
      ...wiring.stores,
      bankData: wiring.bankData,
      grantRegistry: wiring.grantRegistry,
      keys: wiring.keys,
      issuer: wiring.config.issuer,
      refreshTokenTtl: wiring.config.refreshTokenTtl,
    },
  );
  if (authorised.consentId !== undefined) metrics.addMetric(Metric.ConsentsAuthorised, 'Count', 1);
  call.request.log.info('consent accepted', {
    clientId: call.login.clientId,
    consentId: authorised.consentId,
    accounts: authorised.accounts,
  });
  call.response = json(200, { redirect_to: authorised.redirectTo });
}

async function reject(call: ConsentCall) {
  const body = call.body as z.infer<typeof RejectBody>;
  const { redirectTo, rejected } = await rejectConsent(
    { login: call.login, error: body.error, description: body.error_description, now: call.now },
    { ...wiring.stores, issuer: wiring.config.issuer },
  );
  if (rejected) metrics.addMetric(Metric.ConsentsRejected, 'Count', 1);
  call.request.log.info('consent rejected', { clientId: call.login.clientId, consentId: call.login.request.consentId });
  call.response = json(200, { redirect_to: redirectTo });
}

function preflight(call: ConsentCall) {
  call.response = { statusCode: 204, headers: {}, body: '' };
}

function stepsFor(request: HttpRequest): readonly Step<ConsentCall>[] {
  const { httpMethod, resource } = request.event;
  if (httpMethod === 'OPTIONS') return [preflight];
  if (httpMethod === 'GET') return [readLoginStateHeader, openSession, describe];
  if (resource.endsWith('/accept')) return [readAccept, openSession, accept];
  return [readReject, openSession, reject];
}

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  const call = { request, now: systemClock(), cors: {} } as ConsentCall;
  try {
    await runSteps(call, [allowConsentPageOrigin, ...stepsFor(request)]);
  } catch (error) {
    // Errors carry the CORS headers too, so the page can read them.
    if (error instanceof OAuthError) Object.assign(error.headers, call.cors);
    throw error;
  }
  call.response.headers = { ...call.response.headers, ...call.cors };
  return call.response;
});
