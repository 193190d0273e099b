import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { PortalApp } from '../layout/PortalApp';
import { SignedInPortal } from '../layout/SignedInPortal';
import { Console } from './Console';
import { NotAuthorised } from './NotAuthorised';
import '../styles.css';
import './admin.css';

/** The sign-in callback refused the person (not an administrator): a page of its own, no console at all. */
const refused = new URLSearchParams(window.location.search).get('sign_in') === 'refused';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <PortalApp title="Admin console">
      {(config) =>
        refused ? (
          <NotAuthorised config={config} />
        ) : (
          <SignedInPortal
            config={config}
            portal="admin"
            wide
            signInHeading="Admin console"
            signInText="Bank administrators sign in with their staff account to manage clients, APIs, consents and certificates."
          >
            {(session, api) => <Console session={session} api={api} />}
          </SignedInPortal>
        )
      }
    </PortalApp>
  </StrictMode>,
);
