/**
 * The customer's part of the authorization journey over plain HTTPS (a cookie jar, no browser engine), so
 * the tests that only need its outcome stay fast: bank sign-in at the IdP, then the consent page's API.
 */
import { type Agent, fetch as undiciFetch } from 'undici';
import type { TestSandbox } from './sandbox';

/** A browser as far as the authorization journey needs one: cookies per origin, redirects seen one by one. */
export class CookieBrowser {
  private readonly jars = new Map<string, Map<string, string>>();
  /** Every redirect answered on the way, as `<status> <url>`. */
  readonly redirects: string[] = [];

  constructor(private readonly agent: Agent) {}

  /** One request with this origin's cookies, keeping the cookies it sets; the redirect target, if any. */
  async visit(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
    const { origin } = new URL(url);
    const jar = this.jars.get(origin) ?? new Map<string, string>();
    this.jars.set(origin, jar);
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await undiciFetch(url, {
      ...init,
      headers: { ...init.headers, ...(cookie ? { cookie } : {}) },
      dispatcher: this.agent,
      redirect: 'manual',
    });
    for (const setCookie of response.headers.getSetCookie()) {
      const [pair = ''] = setCookie.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      if (value === '' || /max-age=0\b/i.test(setCookie)) jar.delete(name);
      else jar.set(name, value);
    }
    const location = response.headers.get('location');
    if (location) this.redirects.push(`${response.status} ${url}`);
    return { response, location: location ? new URL(location, url).href : undefined };
  }

  /** Visits `url`, then follows every redirect until one leads to `stopAt`; returns where that is. */
  async followUntil(url: string, stopAt: (location: URL) => boolean, init: Parameters<CookieBrowser['visit']>[1] = {}) {
    let { response, location } = await this.visit(url, init);
    for (let hops = 0; hops < 10; hops += 1) {
      if (location === undefined) {
        throw new Error(`no redirect from ${url} (${response.status}): ${(await response.text()).slice(0, 300)}`);
      }
      if (stopAt(new URL(location))) return new URL(location);
      ({ response, location } = await this.visit(location));
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

/** After /authorize: `username` signs in at the IdP, the consent page API allows one account; the callback URL. */
export async function signInAndAllow(
  sandbox: TestSandbox,
  browser: CookieBrowser,
  authorizationUrl: string,
  username: string,
): Promise<URL> {
  const { issuer, idp_issuer, customers } = sandbox.manifest;
  const customer = customers.find((c) => c.username === username)!;
  const signInPage = await browser.followUntil(authorizationUrl, (url) => url.pathname.startsWith('/interaction/'));
  const consentPage = await browser.followUntil(
    signInPage.href,
    (url) => url.searchParams.has('login_id') && !url.href.startsWith(idp_issuer),
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: customer.username, password: customer.password }).toString(),
    },
  );
  const loginId = consentPage.searchParams.get('login_id')!;
  // login_state travels in the fragment, never in a query string.
  expect(consentPage.searchParams.has('login_state')).toBe(false);
  const loginState = new URLSearchParams(consentPage.hash.slice(1)).get('login_state')!;
  const consentApi = `${issuer}/consent-api/account-access-consent/${loginId}`;
  const described = await browser.visit(consentApi, { headers: { 'x-login-state': loginState } });
  const { accounts } = (await described.response.json()) as { accounts: { account_id: string }[] };
  const accepted = await browser.visit(`${consentApi}/accept`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login_state: loginState, account_ids: [accounts[0]!.account_id] }),
  });
  expect(accepted.response.status).toBe(200);
  return new URL(((await accepted.response.json()) as { redirect_to: string }).redirect_to);
}
