/**
 * What the client asked about the customer's authentication, and whether the bank's identity provider met it
 * (OIDC Core §3.1.2.1 `prompt` / `max_age`, §5.5.1.1 the essential `acr` claim). Bankgate is the relying party
 * of the bank's IdP: it forwards the requirements there (`idpLoginParameters`) and checks what comes back
 * (`checkAuthentication`) before the customer sees the consent page; the ID token Bankgate issues carries
 * the IdP's `acr` and `auth_time` as they came.
 *
 * Errors (all redirected to the client's registered redirect_uri):
 * - `login_required` / `interaction_required` etc.: prompt=none and the IdP would have had to show a page;
 *   the IdP's own error is relayed (§3.1.2.6). With prompt=none and a signed-in customer, the consent page
 *   is still an interaction Bankgate cannot skip: `interaction_required`.
 * - `unmet_authentication_requirements` (OpenID Connect Core Unmet Authentication Requirements 1.0): an
 *   essential acr none of whose values Bankgate supports or the IdP returned; an authentication older than
 *   max_age; no fresh authentication despite prompt=login.
 */
import { AuthorizationRequestError } from '../errors';
import type { AuthorizationRequest } from './authorization';

/** acr values the tenant's IdP can assert (discovery `acr_values_supported`). */
export const ACR_VALUES_SUPPORTED = ['urn:openbanking:psd2:sca', 'urn:openbanking:psd2:ca'] as const;

/** OIDC Core §3.1.2.1 prompt values. */
export const PROMPT_VALUES = ['none', 'login', 'consent', 'select_account'] as const;
export type Prompt = (typeof PROMPT_VALUES)[number];

/** Seconds of clock difference tolerated between Bankgate and the IdP when comparing `auth_time`. */
const AUTH_TIME_SKEW = 5;

export const UNMET = 'unmet_authentication_requirements';

const redirected = (error: string, description: string) => new AuthorizationRequestError(error, description, true);

/** `prompt`: known values only; `none` stands alone (§3.1.2.1). */
export function parsePrompt(value: string | undefined): readonly Prompt[] | undefined {
  if (value === undefined) return undefined;
  const prompts = [...new Set(value.split(' ').filter(Boolean))];
  const unknown = prompts.filter((p) => !(PROMPT_VALUES as readonly string[]).includes(p));
  if (unknown.length > 0) throw redirected('invalid_request', `prompt value not supported: ${unknown.join(' ')}`);
  if (prompts.includes('none') && prompts.length > 1) {
    throw redirected('invalid_request', 'prompt=none must not be combined with other values');
  }
  return prompts.length > 0 ? (prompts as Prompt[]) : undefined;
}

/**
 * The requested acr: the `claims` parameter's `id_token.acr` (`value` or `values`, possibly essential), else
 * the voluntary `acr_values` parameter. An essential request none of whose values the tenant supports
 * cannot be met by any sign-in: refused before the customer is sent anywhere.
 */
export function parseAcrRequest(
  claim: { value?: unknown; values?: unknown; essential?: unknown } | undefined,
  acrValuesParameter: string | undefined,
): Pick<AuthorizationRequest, 'acrValues' | 'acrEssential'> {
  if (claim !== undefined && (typeof claim !== 'object' || claim === null)) {
    throw redirected('invalid_request', 'claims.id_token.acr must be an object or null');
  }
  const fromClaim = Array.isArray(claim?.values)
    ? claim.values.filter((v): v is string => typeof v === 'string')
    : typeof claim?.value === 'string'
      ? [claim.value]
      : undefined;
  const essential = claim?.essential === true && fromClaim !== undefined && fromClaim.length > 0;
  const acrValues = fromClaim ?? acrValuesParameter?.split(' ').filter(Boolean);
  if (essential && !acrValues!.some((v) => (ACR_VALUES_SUPPORTED as readonly string[]).includes(v))) {
    throw redirected(UNMET, `none of the essential acr values can be met: ${acrValues!.join(' ')}`);
  }
  return {
    ...(acrValues && acrValues.length > 0 ? { acrValues } : {}),
    ...(essential ? { acrEssential: true } : {}),
  };
}

/** What the bank's IdP is asked for (its own `prompt=consent` is not: the consent page is Bankgate's). */
export function idpLoginParameters(request: AuthorizationRequest): {
  acrValues?: string;
  prompt?: string;
  maxAge?: number;
} {
  const prompt = request.prompt?.filter((p) => p !== 'consent').join(' ');
  return {
    ...(request.acrValues ? { acrValues: request.acrValues.join(' ') } : {}),
    ...(prompt ? { prompt } : {}),
    ...(request.maxAge !== undefined ? { maxAge: request.maxAge } : {}),
  };
}

/** IdP errors that answer a prompt=none request (§3.1.2.6): relayed to the client as they are. */
const PROMPT_NONE_ERRORS = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
]);

/** The client's error for an IdP error response, or undefined when the customer should see an error page. */
export function clientErrorForIdpError(
  idpError: string | undefined,
  request: AuthorizationRequest,
): { error: string; description: string } | undefined {
  if (idpError === 'access_denied') return { error: 'access_denied', description: 'the customer did not sign in' };
  if (idpError !== undefined && PROMPT_NONE_ERRORS.has(idpError)) {
    return request.prompt?.includes('none')
      ? { error: idpError, description: 'the customer is not signed in at the bank and prompt=none was requested' }
      : { error: 'access_denied', description: 'the customer did not sign in' };
  }
  if (idpError === UNMET)
    return { error: UNMET, description: 'the bank could not authenticate the customer as required' };
  return undefined;
}

/**
 * Checks the IdP's answer against the request; throws a redirectable AuthorizationRequestError when it
 * falls short. `startedAt`: when /authorize sent the customer to the IdP; `now`: the callback (epoch seconds).
 */
export function checkAuthentication(
  request: AuthorizationRequest,
  customer: { readonly acr?: string; readonly authTime: number },
  { startedAt, now }: { startedAt: number; now: number },
): void {
  if (request.acrEssential && (customer.acr === undefined || !request.acrValues?.includes(customer.acr))) {
    throw redirected(
      UNMET,
      `the bank authenticated the customer with acr ${customer.acr ?? '(none)'}, not as required`,
    );
  }
  if (request.maxAge !== undefined && now - customer.authTime > request.maxAge + AUTH_TIME_SKEW) {
    throw redirected(UNMET, 'the customer did not authenticate within max_age');
  }
  if (request.prompt?.includes('login') && customer.authTime < startedAt - AUTH_TIME_SKEW) {
    throw redirected(UNMET, 'prompt=login was requested but the customer did not sign in again');
  }
  // The customer is signed in, but the consent page is an interaction prompt=none forbids.
  if (request.prompt?.includes('none')) {
    throw redirected('interaction_required', 'the customer must approve the request on the consent page');
  }
}
