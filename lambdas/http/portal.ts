/**
 * The browser-surface API of a portal (`/{portal}/api/*`): sign-in through OIDC federation, the session
 * cookie, CSRF on every state-changing call, and the portal's own routes as step lists. A portal is a
 * `PortalDefinition`: its identity provider and its admission rule are parameters, so the customer
 * dashboard (the customers' IdP, everyone admitted) and a staff console (the staff IdP, a role claim
 * required) share this module.
 *
 *   GET  /{portal}/api/sign-in    -> 303 to the identity provider (sign-in cookie, Lax, 10 minutes)
 *   GET  /{portal}/api/callback   -> verifies the IdP response, admits, rotates the session, 303 to /{portal}/
 *   GET  /{portal}/api/session    -> who is signed in, the CSRF token, when the session ends
 *   POST /{portal}/api/sign-out   -> ends the session (CSRF)
 */
import {
  csrfTokenOf,
  newSessionRecord,
  type PortalPolicy,
  type PortalPrincipal,
  type PortalSessionRecord,
  type PortalSignInRecord,
  SIGN_IN_TTL,
  sessionEndsAt,
  sessionRecordId,
  signInRecordId,
} from '../domain/portal-session';
import { newOpaqueValue, secretEquals } from '../domain/tokens';
import { OAuthError } from '../errors';
import { systemClock } from '../ports/clock';
import { type IdentityProvider, IdentityProviderError } from '../ports/identity-provider';
import { wiring } from '../wiring';
import { type HttpRequest, type HttpResponse, httpHandler, json, redirect } from './handler';
import { cookieValues, header } from './request';
import { runSteps, type Step } from './steps';

export interface PortalDefinition extends PortalPolicy {
  /**
   * The identity provider this portal's people sign in at (resolved on first sign-in). Absent: the portal
   * has accounts of its own and a route of its own calls `beginSession` (the developer portal's log-in).
   */
  readonly identityProvider?: () => IdentityProvider;
}

/** One call of a portal route; `session` is set before a route's own steps run. */
export interface PortalCall {
  readonly request: HttpRequest;
  readonly now: number;
  readonly portal: PortalDefinition;
  session: PortalSessionRecord;
  response: HttpResponse;
}

export interface PortalRoute {
  readonly method: 'GET' | 'POST';
  /** Path template below `/{portal}/api`, as in the manifest, e.g. `/consents/{consentId}/revoke`. */
  readonly path: string;
  /** Runs after the session (and, for POST, the CSRF token) has been checked; must set `response`. */
  readonly steps: readonly Step<PortalCall>[];
  /**
   * Callable without a session (sign-up, log-in); `session` is then unset. A public POST must be JSON:
   * a cross-site form cannot send that, and a cross-origin script needs a CORS preflight only the portal
   * site passes (login CSRF).
   */
  readonly public?: boolean;
}

/** The header a state-changing call carries the session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';
const SECRET = /^[A-Za-z0-9_-]{43}$/;

export const sessionCookieName = (portal: string) => `__Host-bankgate_${portal}`;
const signInCookieName = (portal: string) => `__Host-bankgate_${portal}_signin`;

/**
 * Strict: the session cookie is only ever needed by the portal page's own calls. The sign-in cookie is Lax,
 * because the browser must send it on the top-level redirect back from the identity provider.
 */
function setCookie(name: string, value: string, maxAge: number, sameSite: 'Strict' | 'Lax'): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=${sameSite}; Max-Age=${maxAge}`;
}

function cookieSecret(request: HttpRequest, name: string): string | undefined {
  return cookieValues(request.event, name).find((value) => SECRET.test(value));
}

export const notSignedIn = () =>
  new OAuthError('login_required', 'You are not signed in, or your session has ended', 401);
const csrfRefused = () => new OAuthError('invalid_request', "The request did not carry this session's token", 403);

function portalPageUrl(portal: PortalDefinition, query?: Record<string, string>): string {
  const url = new URL(`/${portal.id}/`, wiring.config.portalSiteUrl);
  for (const [key, value] of Object.entries(query ?? {})) url.searchParams.set(key, value);
  return url.href;
}

const callbackUrl = (portal: PortalDefinition) => `${wiring.config.issuer}/${portal.id}/api/callback`;

// ---- Built-in routes ------------------------------------------------------------------------------

function federation(portal: PortalDefinition): IdentityProvider {
  if (!portal.identityProvider) throw new OAuthError('invalid_request', 'no such portal call', 404);
  return portal.identityProvider();
}

/**
 * Signs `principal` in: a NEW session (rotation: the one the browser held is ended), its cookie set on
 * `call.response` (which the caller has set). The one way every portal's sign-in ends.
 */
export async function beginSession(call: PortalCall, principal: PortalPrincipal): Promise<void> {
  const { portal, now, request } = call;
  const previous = cookieSecret(request, sessionCookieName(portal.id));
  if (previous) await wiring.stores.portalSessions.endSession(sessionRecordId(previous));
  const sessionSecret = newOpaqueValue();
  await wiring.stores.portalSessions.createSession(newSessionRecord(portal, principal, sessionSecret, now));
  request.log.info('portal signed in', { portal: portal.id });
  const { multiValueHeaders = {} } = call.response;
  call.response.multiValueHeaders = {
    ...multiValueHeaders,
    'set-cookie': [
      ...(multiValueHeaders['set-cookie'] ?? []),
      setCookie(sessionCookieName(portal.id), sessionSecret, portal.absoluteSeconds, 'Strict'),
    ],
  };
}

async function startSignIn(call: PortalCall) {
  const { portal, now } = call;
  const login = await federation(portal).startLogin({ redirectUri: callbackUrl(portal) });
  const secret = newOpaqueValue();
  const record: PortalSignInRecord = {
    id: signInRecordId(secret),
    kind: 'signin',
    portal: portal.id,
    idp: { state: login.state, nonce: login.nonce, codeVerifier: login.codeVerifier },
    used: false,
    expiresAt: now + SIGN_IN_TTL,
  };
  await wiring.stores.portalSessions.putSignIn(record);
  call.response = redirect(login.url, 303, {
    'set-cookie': setCookie(signInCookieName(portal.id), secret, SIGN_IN_TTL, 'Lax'),
  });
}

/** Back from the identity provider: verify, admit, then a NEW session (rotation), the old one ended. */
async function completeSignIn(call: PortalCall) {
  const { portal, now, request } = call;
  const back = (outcome: string) => redirect(portalPageUrl(portal, { sign_in: outcome }));
  const secret = cookieSecret(request, signInCookieName(portal.id));
  const signIn = secret && (await wiring.stores.portalSessions.consumeSignIn(signInRecordId(secret), portal.id, now));
  if (!signIn) {
    call.response = back('expired');
    return;
  }
  const callback = new URL(callbackUrl(portal));
  for (const [key, value] of Object.entries(request.event.queryStringParameters ?? {})) {
    if (value !== undefined) callback.searchParams.set(key, value);
  }
  let person: Awaited<ReturnType<IdentityProvider['completeLogin']>>;
  try {
    person = await federation(portal).completeLogin({
      callbackUrl: callback.href,
      redirectUri: callbackUrl(portal),
      expected: signIn.idp,
    });
  } catch (error) {
    if (!(error instanceof IdentityProviderError)) throw error;
    request.log.info('portal sign-in failed', { portal: portal.id, reason: error.message, idpError: error.error });
    call.response = back(error.error === 'access_denied' || error.error === 'login_required' ? 'cancelled' : 'failed');
    return;
  }
  const principal = portal.admit(person);
  if (!principal) {
    request.log.info('portal sign-in refused', { portal: portal.id });
    call.response = back('refused');
    return;
  }
  call.response = {
    statusCode: 303,
    headers: { location: portalPageUrl(portal) },
    multiValueHeaders: { 'set-cookie': [setCookie(signInCookieName(portal.id), '', 0, 'Lax')] },
    body: '',
  };
  await beginSession(call, principal);
}

/** A public POST carries JSON (see `PortalRoute.public`). */
function requireJson(call: PortalCall) {
  const type = (header(call.request.event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new OAuthError('invalid_request', 'the request must be JSON', 415);
}

function describeSession(call: PortalCall) {
  const secret = cookieSecret(call.request, sessionCookieName(call.portal.id))!;
  const { subject, name, roles } = call.session;
  call.response = json(200, {
    subject,
    name: name ?? null,
    roles,
    csrf_token: csrfTokenOf(secret),
    expires_at: new Date(sessionEndsAt(call.session) * 1000).toISOString(),
  });
}

async function signOut(call: PortalCall) {
  const secret = cookieSecret(call.request, sessionCookieName(call.portal.id))!;
  await wiring.stores.portalSessions.endSession(sessionRecordId(secret));
  call.request.log.info('portal signed out', { portal: call.portal.id });
  call.response = json(
    200,
    { signed_out: true },
    { 'set-cookie': setCookie(sessionCookieName(call.portal.id), '', 0, 'Strict') },
  );
}

// ---- Session and CSRF -----------------------------------------------------------------------------

/** The cookie's session, validated and slid in one conditional write. */
async function requireSession(call: PortalCall) {
  const { portal, now } = call;
  const secret = cookieSecret(call.request, sessionCookieName(portal.id));
  if (!secret) throw notSignedIn();
  const session = await wiring.stores.portalSessions.touchSession(
    sessionRecordId(secret),
    portal.id,
    now,
    now + portal.idleSeconds,
  );
  if (!session) throw notSignedIn();
  call.session = session;
}

/** Every state-changing call proves it comes from the portal page: only it can read the session's token. */
function requireCsrfToken(call: PortalCall) {
  const secret = cookieSecret(call.request, sessionCookieName(call.portal.id))!;
  const presented = header(call.request.event, CSRF_HEADER);
  if (!presented || !secretEquals(presented, csrfTokenOf(secret))) throw csrfRefused();
}

// ---- The handler ----------------------------------------------------------------------------------

/** Exact-origin CORS when the portal pages live on another (same-site) origin than the API, as in AWS. */
function corsHeaders(request: HttpRequest): Record<string, string> {
  const origin = header(request.event, 'origin');
  const { portalSiteUrl, issuer } = wiring.config;
  if (!origin || origin !== portalSiteUrl || origin === new URL(issuer).origin) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-allow-headers': `content-type, ${CSRF_HEADER}`,
    'access-control-allow-methods': 'GET, POST',
    'access-control-expose-headers': 'x-fapi-interaction-id',
    vary: 'Origin',
  };
}

/** The routes every portal has, before its own. */
function builtInRoutes(portal: PortalDefinition): readonly PortalRoute[] {
  return [
    ...(portal.identityProvider
      ? ([
          { method: 'GET', path: '/sign-in', public: true, steps: [startSignIn] },
          { method: 'GET', path: '/callback', public: true, steps: [completeSignIn] },
        ] as const)
      : []),
    { method: 'GET', path: '/session', steps: [describeSession] },
    { method: 'POST', path: '/sign-out', steps: [signOut] },
  ];
}

/** The Lambda handler of a portal's API: built-in sign-in and session routes plus `routes`. */
export function portalHandler(portal: PortalDefinition, routes: readonly PortalRoute[]) {
  const prefix = `/${portal.id}/api`;
  const all = [...builtInRoutes(portal), ...routes];
  return httpHandler({ errors: 'oauth' }, async (request) => {
    const cors = corsHeaders(request);
    const { httpMethod, resource } = request.event;
    if (httpMethod === 'OPTIONS') return { statusCode: 204, headers: cors, body: '' };
    const route = all.find((r) => r.method === httpMethod && `${prefix}${r.path}` === resource);
    try {
      if (!route) throw new OAuthError('invalid_request', 'no such portal call', 404);
      const post = route.method === 'POST';
      const guards: Step<PortalCall>[] = route.public
        ? post
          ? [requireJson]
          : []
        : [requireSession, ...(post ? [requireCsrfToken] : [])];
      const call = { request, now: systemClock(), portal } as PortalCall;
      await runSteps(call, [...guards, ...route.steps]);
      call.response.headers = { ...call.response.headers, ...cors };
      return call.response;
    } catch (error) {
      if (error instanceof OAuthError) Object.assign(error.headers, cors);
      throw error;
    }
  });
}
