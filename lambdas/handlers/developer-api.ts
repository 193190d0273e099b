/**
 * The developer portal's API (`/developer/api/*`, browser origin). Fintech developers have accounts of
 * their own: sign-up and password log-in are public calls; log-in ends in the portal foundation's session
 * (`beginSession`: rotated cookie, CSRF token). Everything else needs that session, and for an account the
 * bank has not approved, only the profile and the status are open.
 *
 *   POST /sign-up            -> 201 Registration completed (status reviewing) | 400 with `fields`
 *   POST /log-in             -> 200 profile + session cookie | 401 one message for every failure
 *   GET  /profile            -> the account (status, reviewer's comment)
 *   POST /resubmit           -> a returned sign-up (no `review_id`), or with `review_id` a returned application
 *                               or API application, edited, back in the bank's queue
 *   GET  /status             -> every submission with its state and history, newest first
 *   GET  /catalog            -> the gateway APIs one may apply for
 *   GET|POST /applications   -> the developer's clients (pending until approved) | register one
 *   POST /api-applications   -> apply for catalog APIs for one application
 */

import {
  type DeveloperDeps,
  LOG_IN_REFUSED,
  logIn,
  profileOf,
  resubmitSignUp,
  signUp,
  signUpForm,
} from '../domain/developer/accounts';
import {
  type ApplicationDeps,
  applicationsOf,
  applyForApis,
  registerApplication,
  resubmitReview,
} from '../domain/developer/applications';
import { reviewRecord } from '../domain/developer/reviews';
import { InvalidRequest, OAuthError } from '../errors';
import { json } from '../http/handler';
import { beginSession, type PortalCall, type PortalDefinition, portalHandler } from '../http/portal';
import { oauthJsonBody } from '../http/request';
import type { Step } from '../http/steps';
import { systemClock } from '../ports/clock';
import type { DeveloperAccount } from '../ports/developers';
import { wiring } from '../wiring';

export const developerPortal: PortalDefinition = {
  id: 'developer',
  // No federation: developers log in with their own password (`/log-in`).
  admit: () => undefined,
  idleSeconds: 30 * 60,
  absoluteSeconds: 8 * 3600,
};

const accounts = (): DeveloperDeps => ({ developers: wiring.developers, now: systemClock });
const applications = (): ApplicationDeps => ({
  developers: wiring.developers,
  clients: wiring.stores.clients,
  catalog: wiring.apiCatalog,
  idTokenSigningAlg: wiring.config.signingAlg,
  now: systemClock,
});

function jsonBody(event: PortalCall['request']['event']): Record<string, unknown> {
  const body = oauthJsonBody(event);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequest('send a JSON object');
  return body as Record<string, unknown>;
}

const fieldProblems = (fields: Record<string, string>) =>
  json(400, { error: 'invalid_request', error_description: 'Some fields need correcting', fields });

type DeveloperCall = PortalCall & { account: DeveloperAccount };

async function loadAccount(call: DeveloperCall) {
  const account = await wiring.developers.account(call.session.subject);
  if (!account) throw new OAuthError('login_required', 'This account no longer exists', 401);
  call.account = account;
}

/** Applications and API applications are for accounts the bank approved. */
function requireApproved(call: DeveloperCall) {
  if (call.account.status !== 'approved') {
    throw new OAuthError('access_denied', 'Your account must be approved by the bank first', 403);
  }
}

async function createAccount(call: PortalCall) {
  const result = await signUp(accounts(), signUpForm(jsonBody(call.request.event)));
  if ('problems' in result) {
    call.response = fieldProblems(result.problems);
    return;
  }
  call.request.log.info('developer signed up');
  call.response = json(201, profileOf(result.account));
}

async function passwordLogIn(call: PortalCall) {
  const body = jsonBody(call.request.event);
  const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string).slice(0, 256) : '');
  const account = await logIn(accounts(), text('username'), text('password'));
  if (!account) {
    call.request.log.info('developer log-in refused');
    throw new OAuthError('access_denied', LOG_IN_REFUSED, 401);
  }
  call.response = json(200, profileOf(account));
  await beginSession(call, { subject: account.username, name: account.username, roles: ['developer'] });
}

function showProfile(call: DeveloperCall) {
  call.response = json(200, profileOf(call.account));
}

const NOTHING_TO_RESUBMIT = () => new OAuthError('conflict', 'There is nothing to resubmit now', 409);

async function resubmit(call: DeveloperCall) {
  const body = jsonBody(call.request.event);
  const text = (key: string) => (typeof body[key] === 'string' ? (body[key] as string) : '');
  if (body.review_id !== undefined) {
    // An application or API application: only for an account the bank approved.
    requireApproved(call);
    const result = await resubmitReview(applications(), call.account, text('review_id'), body);
    if ('problems' in result) call.response = fieldProblems(result.problems);
    else if ('conflict' in result) throw NOTHING_TO_RESUBMIT();
    else call.response = json(200, reviewRecord(result.review));
    return;
  }
  const result = await resubmitSignUp(accounts(), call.account.username, {
    organisation: text('organisation'),
    email: text('email'),
  });
  if (result.problems) call.response = fieldProblems(result.problems);
  else if (result.conflict) throw NOTHING_TO_RESUBMIT();
  else call.response = json(200, { status: 'reviewing' });
}

async function showStatus(call: DeveloperCall) {
  const reviews = await wiring.developers.reviewsOf(call.account.username, 100);
  call.response = json(200, { items: reviews.map(reviewRecord) });
}

async function showCatalog(call: DeveloperCall) {
  const page = await wiring.apiCatalog.list({ limit: 100 });
  call.response = json(200, {
    items: page.items.map(({ value: api }) => ({
      api_id: api.apiId,
      name: api.name,
      method: api.method,
      path: api.path,
      scope_group: api.scopeGroup,
      jose_policy: api.josePolicy,
    })),
  });
}

async function listApplications(call: DeveloperCall) {
  call.response = json(200, { items: await applicationsOf(applications(), call.account) });
}

async function createApplication(call: DeveloperCall) {
  const result = await registerApplication(applications(), call.account, jsonBody(call.request.event));
  if ('problems' in result) {
    call.response = fieldProblems(result.problems);
    return;
  }
  call.request.log.info('developer registered an application', { clientId: result.client.clientId });
  call.response = json(201, { client_id: result.client.clientId, status: 'pending' });
}

async function applyForApiAccess(call: DeveloperCall) {
  const result = await applyForApis(applications(), call.account, jsonBody(call.request.event));
  if ('problems' in result) {
    call.response = fieldProblems(result.problems);
    return;
  }
  call.response = json(201, { review_id: result.review.reviewId, state: result.review.state });
}

// The portal has checked the session; these steps add the account it belongs to.
const signedIn = (...steps: Step<DeveloperCall>[]) => [loadAccount, ...steps] as unknown as Step<PortalCall>[];
const approved = (...steps: Step<DeveloperCall>[]) => signedIn(requireApproved, ...steps);

export const handler = portalHandler(developerPortal, [
  { method: 'POST', path: '/sign-up', public: true, steps: [createAccount] },
  { method: 'POST', path: '/log-in', public: true, steps: [passwordLogIn] },
  { method: 'GET', path: '/profile', steps: signedIn(showProfile) },
  { method: 'POST', path: '/resubmit', steps: signedIn(resubmit) },
  { method: 'GET', path: '/status', steps: signedIn(showStatus) },
  { method: 'GET', path: '/catalog', steps: approved(showCatalog) },
  { method: 'GET', path: '/applications', steps: approved(listApplications) },
  { method: 'POST', path: '/applications', steps: approved(createApplication) },
  { method: 'POST', path: '/api-applications', steps: approved(applyForApiAccess) },
]);
