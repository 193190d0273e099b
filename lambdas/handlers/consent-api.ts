/**
 * The consent page API (REFERENCE.md §3), for the built-in SPA (browser origin, authenticated by the
 * login-session cookie) and for a bank hosting its own consent page (mTLS origin, a privileged client's
 * token with scope `manage_consents`). Both must also present the `login_state` handed to the page (in the
 * URL fragment, never the query: it must not reach logs or history).
 *   GET  /consent-api/account-access-consent/{loginId}   header `x-login-state: ...`
 *   POST /consent-api/account-access-consent/{loginId}/accept  { granted_scopes, account_ids, login_state }
 *   POST /consent-api/account-access-consent/{loginId}/reject  { login_state, error, error_description }
 */
import { type AuthorizationCodeRecord, CODE_TTL, type LoginSessionRecord } from '../domain/authorization';
import { authorizationResponseUrl } from '../domain/authorization-request';
import { grantedScopesOf, offeredScopeGroups } from '../domain/gateway/scope-groups';
import { mintIdToken } from '../domain/id-token';
import type { Consent } from '../domain/model';
import { hashSecret, newIdentifier, newOpaqueValue } from '../domain/tokens';
import { AccessDenied, InvalidRequest, OAuthError } from '../errors';
import { authorizeBearer } from '../http/bearer';
import { type HttpRequest, type HttpResponse, httpHandler, json } from '../http/handler';
import { matchesHash, readLoginCookie } from '../http/login-session';
import { metrics } from '../http/observability';
import { clientCertificate, header, oauthJsonBody } from '../http/request';
import { Metric } from '../metric-names';
import type { BankAccount } from '../ports/bank-data';
import { systemClock } from '../ports/clock';
import type { CurrentGrant } from '../ports/gateway';
import * as z from '../validation';
import { wiring } from '../wiring';

const LOGIN_ID = /^[A-Za-z0-9_-]{22}$/;
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

const sessionInvalid = () => new OAuthError('invalid_session', 'the consent session has expired or is not valid', 401);

/** Opens the login session the caller proves it holds: cookie (browser) or privileged token (mTLS), plus login_state. */
async function openSession(
  request: HttpRequest,
  loginState: string | undefined,
  now: number,
): Promise<LoginSessionRecord> {
  const loginId = request.event.pathParameters?.loginId ?? '';
  if (!LOGIN_ID.test(loginId)) throw new InvalidRequest('login_id is malformed');
  if (clientCertificate(request.event)) {
    const token = await authorizeBearer(request, { tokens: wiring.stores.tokens, now }, 'manage_consents');
    if (token.subject !== undefined) throw new AccessDenied('a client_credentials token is required');
  } else {
    const cookie = readLoginCookie(request.event);
    if (!cookie || cookie.loginId !== loginId) throw sessionInvalid();
    const login = await wiring.stores.authorizations.get<LoginSessionRecord>(`login:${loginId}`, now);
    if (!login || !matchesHash(cookie.secret, login.sessionHash, hashSecret)) throw sessionInvalid();
  }
  const login = await wiring.stores.authorizations.get<LoginSessionRecord>(`login:${loginId}`, now);
  if (!login || login.kind !== 'login' || login.status !== 'consenting' || !login.subject) throw sessionInvalid();
  // login_state is the CSRF token: only the page the server redirected to knows it.
  if (!loginState || !matchesHash(loginState, login.loginStateHash, hashSecret)) throw sessionInvalid();
  return login;
}

function parseBody<T>(request: HttpRequest, schema: z.ZodMiniType<T>): T {
  const parsed = schema.safeParse(oauthJsonBody(request.event));
  if (!parsed.success)
    throw new InvalidRequest(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

function maskedNumber(account: BankAccount): string {
  const identification = account.Account?.[0]?.Identification ?? account.AccountId;
  return `••••${identification.slice(-4)}`;
}

async function loadConsent(login: LoginSessionRecord): Promise<Consent | undefined> {
  if (!login.request.consentId) return undefined;
  const consent = await wiring.stores.consents.get(login.request.consentId);
  if (!consent || consent.clientId !== login.clientId) throw new InvalidRequest('the consent no longer exists');
  return consent;
}

async function describe(request: HttpRequest, now: number): Promise<HttpResponse> {
  const login = await openSession(request, header(request.event, LOGIN_STATE_HEADER), now);
  const [consent, client, accounts] = await Promise.all([
    loadConsent(login),
    wiring.stores.clients.get(login.clientId),
    wiring.bankData.listAccounts(login.subject!),
  ]);
  return json(200, {
    login_id: login.id.slice('login:'.length),
    consent_id: consent?.consentId ?? null,
    // Without a consent (gateway scope groups only) the session itself is what awaits the customer's answer.
    status: consent?.status ?? 'AwaitingAuthorisation',
    client: {
      client_id: login.clientId,
      client_name: client?.clientName ?? login.clientId,
      logo_uri: client?.logoUri ?? null,
    },
    permissions: consent?.permissions ?? [],
    requested_scopes: login.request.scope.split(' '),
    expiration_date_time: consent?.expirationDateTime ?? null,
    transaction_from_date_time: consent?.transactionFromDateTime ?? null,
    transaction_to_date_time: consent?.transactionToDateTime ?? null,
    subject: login.subject,
    customer_name: login.customerName ?? null,
    accounts: accounts.map((account) => ({
      account_id: account.AccountId,
      nickname: account.Nickname ?? account.Description ?? account.AccountSubType,
      masked_number: maskedNumber(account),
      currency: account.Currency,
      account_type: account.AccountType,
      account_sub_type: account.AccountSubType,
    })),
    scope_groups: offeredScopeGroups(login.request.scope.split(' ')),
  });
}

/** The customer allowed: authorise the consent with the chosen accounts and answer the client with a code. */
async function accept(request: HttpRequest, now: number): Promise<HttpResponse> {
  const body = parseBody(request, AcceptBody);
  const login = await openSession(request, body.login_state, now);
  const subject = login.subject!;
  const owned = new Set((await wiring.bankData.listAccounts(subject)).map((a) => a.AccountId));
  const accountIds = [...new Set(body.account_ids)];
  if (accountIds.some((id) => !owned.has(id))) throw new InvalidRequest('account_ids must be accounts of the customer');
  const granted = grantedScopesOf(login.request.scope.split(' '), body.granted_scopes);
  if ('error' in granted) throw new InvalidRequest(granted.error);
  const grantedScopes = granted.scopes;

  const consent = await loadConsent(login);
  const byAnotherCustomer = () => new AccessDenied('the consent was authorised by another customer');
  if (consent?.status === 'Authorised' && consent.subject !== subject) throw byAnotherCustomer();
  // The moment of truth: one conditional write completes the session, so a page can accept only once.
  if (!(await wiring.stores.authorizations.advanceLogin(login.id, 'consenting', { status: 'completed' }, now)))
    throw sessionInvalid();

  const code = newOpaqueValue();
  const codeId = `code:${hashSecret(code)}`;
  if (consent) {
    // Conditional on the status, the customer and the code as read: of two customers (or two pages) racing
    // on one consent exactly one authorises it, and only the winner's code exists for the record it wrote.
    const authorised = await wiring.stores.consents.transition(
      consent.consentId,
      ['AwaitingAuthorisation', 'Authorised'],
      {
        status: 'Authorised',
        subject,
        accountIds,
        grantedScopes,
        authorizationCodeId: codeId,
        statusUpdateDateTime: new Date(now * 1000).toISOString(),
      },
      { subject: consent.subject, authorizationCodeId: consent.authorizationCodeId },
    );
    if (!authorised) {
      const current = await wiring.stores.consents.get(consent.consentId);
      if (current?.status === 'Authorised' && current.subject !== subject) throw byAnotherCustomer();
      throw new InvalidRequest('the consent can no longer be authorised');
    }
    if (consent.status === 'Authorised') {
      // Re-authorisation replaces the earlier grant: what was removed stops working at once.
      await withdrawCode(consent.authorizationCodeId, now);
      await wiring.stores.tokens.revokeByConsent(consent.consentId);
    }
    metrics.addMetric(Metric.ConsentsAuthorised, 'Count', 1);
  }

  const record: AuthorizationCodeRecord = {
    id: codeId,
    kind: 'code',
    clientId: login.clientId,
    used: false,
    expiresAt: now + CODE_TTL,
    redirectUri: login.request.redirectUri,
    codeChallenge: login.request.codeChallenge,
    scope: login.request.scope,
    nonce: login.request.nonce,
    grantId: newIdentifier(),
    subject,
    authTime: login.authTime ?? now,
    acr: login.acr,
    consentId: consent?.consentId,
    accountIds,
    permissions: consent?.permissions,
    grantedScopes,
    transactionFromDateTime: consent?.transactionFromDateTime,
    transactionToDateTime: consent?.transactionToDateTime,
    consentExpiresAt: consent?.expirationDateTime
      ? Math.floor(Date.parse(consent.expirationDateTime) / 1000)
      : undefined,
  };
  await wiring.stores.authorizations.put(record);
  if (!consent) await replacePreviousGrant(login.clientId, subject, { grantId: record.grantId, codeId }, now);

  const { issuer } = wiring.config;
  const idToken =
    login.request.responseType === 'code id_token'
      ? await mintIdToken(wiring.keys, {
          issuer,
          clientId: login.clientId,
          subject,
          now,
          nonce: login.request.nonce,
          authTime: record.authTime,
          acr: login.acr,
          consentId: consent?.consentId,
          code,
          state: login.request.state,
        })
      : undefined;
  request.log.info('consent accepted', {
    clientId: login.clientId,
    consentId: consent?.consentId,
    accounts: accountIds.length,
  });
  return json(200, { redirect_to: authorizationResponseUrl(login.request, issuer, { code, id_token: idToken }) });
}

/**
 * Without a consent (gateway scope groups only) the client's grant for this customer is the latest one:
 * re-authorisation replaces it, and the earlier grant's tokens are revoked at once.
 */
async function replacePreviousGrant(
  clientId: string,
  subject: string,
  grant: CurrentGrant,
  now: number,
): Promise<void> {
  const client = await wiring.stores.clients.get(clientId);
  const lifetime = Math.max(client?.tokenSettings.refreshTokenTtl ?? 0, wiring.config.refreshTokenTtl);
  const previous = await wiring.grantRegistry.replace(clientId, subject, grant, now + lifetime);
  if (previous === undefined || previous.grantId === grant.grantId) return;
  await withdrawCode(previous.codeId, now);
  await wiring.stores.tokens.revokeByGrant(previous.grantId);
}

/**
 * An earlier authorisation's code that was never redeemed must not outlive its replacement: using it up
 * here makes a later redemption a replay (invalid_grant), and tokens of the replaced grant are never issued.
 */
async function withdrawCode(codeId: string | undefined, now: number): Promise<void> {
  if (codeId) await wiring.stores.authorizations.consume(codeId, now);
}

/** The customer cancelled: the consent is Rejected (unless it was already authorised) and the client hears access_denied. */
async function reject(request: HttpRequest, now: number): Promise<HttpResponse> {
  const body = parseBody(request, RejectBody);
  const login = await openSession(request, body.login_state, now);
  if (!(await wiring.stores.authorizations.advanceLogin(login.id, 'consenting', { status: 'completed' }, now)))
    throw sessionInvalid();
  if (login.request.consentId) {
    const rejected = await wiring.stores.consents.transition(login.request.consentId, ['AwaitingAuthorisation'], {
      status: 'Rejected',
      statusUpdateDateTime: new Date(now * 1000).toISOString(),
    });
    if (rejected) metrics.addMetric(Metric.ConsentsRejected, 'Count', 1);
  }
  request.log.info('consent rejected', { clientId: login.clientId, consentId: login.request.consentId });
  return json(200, {
    redirect_to: authorizationResponseUrl(login.request, wiring.config.issuer, {
      error: body.error,
      error_description: body.error_description ?? 'the customer cancelled',
    }),
  });
}

/** CORS for a consent SPA hosted on its own origin (CloudFront); same-site, so the cookie still flows. */
function corsHeaders(request: HttpRequest): Record<string, string> {
  const origin = header(request.event, 'origin');
  const { consentPageUrl } = wiring.config;
  if (!origin || !consentPageUrl || new URL(consentPageUrl).origin !== origin) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-allow-headers': `content-type, ${LOGIN_STATE_HEADER}`,
    'access-control-allow-methods': 'GET, POST',
    vary: 'Origin',
  };
}

export const handler = httpHandler({ errors: 'oauth' }, async (request) => {
  const now = systemClock();
  const { httpMethod, resource } = request.event;
  const cors = corsHeaders(request);
  if (httpMethod === 'OPTIONS') return { statusCode: 204, headers: cors, body: '' };
  let response: HttpResponse;
  try {
    if (httpMethod === 'GET') response = await describe(request, now);
    else if (resource.endsWith('/accept')) response = await accept(request, now);
    else response = await reject(request, now);
  } catch (error) {
    if (error instanceof OAuthError) Object.assign(error.headers, cors);
    throw error;
  }
  response.headers = { ...response.headers, ...cors };
  return response;
});
