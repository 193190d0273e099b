/** The demo IdP's pages: its sign-in form (posts back to its own interaction URL) and its landing page. */
import { escapeHtml, PAGE_CSP, type PageBranding, renderPage } from '../../lambdas/http/page';

/** No scripts, no framing; the form posts only to this origin (the follow-up redirect leaves it, so no form-action). */
export const LOGIN_PAGE_CSP = PAGE_CSP;

export function renderLoginPage(input: {
  branding: PageBranding;
  /** The app the customer signs in for, as Bankgate pushed it (never from the browser's query string). */
  appName?: string;
  action: string;
  username?: string;
  error?: string;
}): string {
  const bank = input.branding.bankName;
  const alert = input.error ? `<p role="alert" class="error">${escapeHtml(input.error)}</p>` : '';
  return renderPage(input.branding, {
    title: `Sign in to ${bank}`,
    paragraphs: input.appName
      ? [
          `${input.appName} asks for access to your ${bank} accounts. Sign in with your ${bank} online banking details; you choose what to share next, and ${input.appName} never sees your password.`,
        ]
      : [],
    trustedHtml: `${alert}
<form method="post" action="${escapeHtml(input.action)}">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required value="${escapeHtml(input.username ?? '')}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>`,
  });
}

/** The IdP's root: what it is, and where to go. */
export function renderIdpLandingPage(input: { branding: PageBranding; bankOrigin?: string }) {
  const { bankName } = input.branding;
  return renderPage(input.branding, {
    title: `${bankName}: sign-in service (sandbox)`,
    paragraphs: [
      `This stands in for ${bankName}'s own identity provider: customers and staff sign in here when an app or a portal sends them.`,
      'There is nothing to do on this page by itself.',
    ],
    links: [
      { href: '/.well-known/openid-configuration', label: 'OpenID Provider discovery document' },
      ...(input.bankOrigin ? [{ href: `${input.bankOrigin}/`, label: `${bankName}: the sandbox's start page` }] : []),
    ],
  });
}
