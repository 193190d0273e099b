/**
 * Which page the SPA shows, from the URL it was opened with. Later views (customer self-service,
 * developer portal, admin console) become more members of this union.
 */
export type View =
  | { readonly name: 'consent'; readonly loginId: string; readonly loginState: string }
  | { readonly name: 'none' };

export function selectView(search: string): View {
  const query = new URLSearchParams(search);
  const loginId = query.get('login_id');
  const loginState = query.get('login_state');
  // The authorization server always sends both; a link missing either is not a consent request.
  if (loginId && loginState) return { name: 'consent', loginId, loginState };
  return { name: 'none' };
}
