import { type ReactNode, useEffect, useMemo, useState } from 'react';
import type { PortalApi, PortalSession } from '../api/portal-session';
import { ApiList } from './ApiList';
import { Approvals } from './Approvals';
import { AuditLog } from './AuditLog';
import { type ConsoleApi, consoleApi } from './api';
import { Certificates } from './Certificates';
import { ClientManagement } from './ClientManagement';
import { Consents } from './Consents';

interface Screen {
  /** The location hash: `#clients`. */
  readonly id: string;
  /** The navigation link's text, also the screen's heading. */
  readonly label: string;
  readonly render: (api: ConsoleApi) => ReactNode;
}

/** The console's screens in navigation order; a new screen is one more entry. */
const SCREENS: readonly Screen[] = [
  { id: 'clients', label: 'Client Management', render: (api) => <ClientManagement api={api} /> },
  { id: 'apis', label: 'API List', render: (api) => <ApiList api={api} /> },
  { id: 'approvals', label: 'Approvals', render: (api) => <Approvals api={api} /> },
  { id: 'consents', label: 'Consents', render: (api) => <Consents api={api} /> },
  { id: 'certificates', label: 'Certificates', render: (api) => <Certificates api={api} /> },
  { id: 'audit', label: 'Audit Log', render: (api) => <AuditLog api={api} /> },
];

const screenOf = (hash: string) => SCREENS.find((screen) => `#${screen.id}` === hash) ?? SCREENS[0]!;

/** The signed-in administrator's console: navigation between screens kept in the URL hash. */
export function Console({ session, api }: { session: PortalSession; api: PortalApi }) {
  const calls = useMemo(() => consoleApi(api, session), [api, session]);
  const [screen, setScreen] = useState(() => screenOf(window.location.hash));

  useEffect(() => {
    const onHash = () => setScreen(screenOf(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    document.title = `${screen.label} – Admin console`;
  }, [screen]);

  return (
    <div className="console">
      <nav className="console__nav" aria-label="Admin console">
        <ul>
          {SCREENS.map((s) => (
            <li key={s.id}>
              <a href={`#${s.id}`} aria-current={s.id === screen.id ? 'page' : undefined}>
                {s.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <section className="console__screen" aria-labelledby="screen-heading">
        <h1 id="screen-heading">{screen.label}</h1>
        {/* A new key per screen: each screen loads its data afresh when it is opened. */}
        <div key={screen.id}>{screen.render(calls)}</div>
      </section>
    </div>
  );
}
