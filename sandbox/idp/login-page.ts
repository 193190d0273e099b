/** The demo IdP's sign-in page: a plain, accessible HTML form that posts back to its own interaction URL. */

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );

/** No scripts, no framing; the form posts only to this origin (the follow-up redirect leaves it, so no form-action). */
export const LOGIN_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

export function renderLoginPage(input: {
  bankName: string;
  action: string;
  username?: string;
  error?: string;
}): string {
  const bankName = escapeHtml(input.bankName);
  const alert = input.error ? `<p role="alert" class="error">${escapeHtml(input.error)}</p>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${bankName} – Sign in</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #f4f6f8; color: #1b1f24; }
  main { max-width: 22rem; margin: 4rem auto; padding: 2rem; background: #fff; border-radius: 8px; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input { box-sizing: border-box; width: 100%; padding: .5rem; margin-top: .25rem; font-size: 1rem; }
  button { margin-top: 1.5rem; width: 100%; padding: .6rem; font-size: 1rem; background: #0b5394; color: #fff; border: 0; border-radius: 4px; }
  .error { color: #a4141b; font-weight: 600; }
</style>
</head>
<body>
<main>
<h1>${bankName}</h1>
${alert}
<form method="post" action="${escapeHtml(input.action)}">
  <label for="username">Username</label>
  <input id="username" name="username" autocomplete="username" required value="${escapeHtml(input.username ?? '')}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;
}
