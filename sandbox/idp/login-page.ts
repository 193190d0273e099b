/** The demo IdP's pages: its sign-in form (posts back to its own interaction URL) and its landing page. */
import { escapeHtml, PAGE_CSP, renderPage } from '../../lambdas/http/page';

/** No scripts, no framing; the form posts only to this origin (the follow-up redirect leaves it, so no form-action). */
export const LOGIN_PAGE_CSP = PAGE_CSP;

export function renderLoginPage(input: {
  bankName: string;
  primaryColour?: string | null;
  action: string;
  username?: string;
  error?: string;
}): string {
  const alert = input.error ? `<p role="alert" class="error">${escapeHtml(input.error)}</p>` : '';
  return renderPage(
    { bankName: input.bankName, primaryColour: input.primaryColour },
    {
      title: `Sign in to ${input.bankName}`,
      paragraphs: [],
      trustedHtml: `${alert}
<form method="post" action="${escapeHtml(input.action)}">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required value="${escapeHtml(input.username ?? '')}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>`,
    },
  );
}

/** The IdP's root: what it is, and where to go. */
export function renderIdpLandingPage(input: { bankName: string; primaryColour?: string | null; bankOrigin?: string }) {
  return renderPage(
    { bankName: input.bankName, primaryColour: input.primaryColour },
    {
      title: `${input.bankName}: sign-in service (sandbox)`,
      paragraphs: [
        `This stands in for ${input.bankName}'s own identity provider: customers and staff sign in here when an app or a portal sends them.`,
        'There is nothing to do on this page by itself.',
      ],
      links: [
        { href: '/.well-known/openid-configuration', label: 'OpenID Provider discovery document' },
        ...(input.bankOrigin
          ? [{ href: `${input.bankOrigin}/`, label: `${input.bankName}: the sandbox's start page` }]
          : []),
      ],
    },
  );
}
