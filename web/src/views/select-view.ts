/**
 * Which page the SPA shows, from the URL it was opened with. Later views (customer self-service,
 * developer portal, admin console) become more members of this union.
 */
export type View =
  | { readonly name: 'consent'; readonly loginId: string; readonly loginState: string }
  | { readonly name: 'none' };

/**
 * `login_state` arrives in the URL fragment (never the query: it must stay out of access logs and history);
 * `remembered` gives the value kept for this tab after the fragment was removed (a reload).
 */
export function selectView(search: string, hash: string, remembered: (loginId: string) => string | null): View {
  const loginId = new URLSearchParams(search).get('login_id');
  const loginState = new URLSearchParams(hash.replace(/^#/, '')).get('login_state') ?? (loginId && remembered(loginId));
  // The authorization server always sends both; a link missing either is not a consent request.
  if (loginId && loginState) return { name: 'consent', loginId, loginState };
  return { name: 'none' };
}
