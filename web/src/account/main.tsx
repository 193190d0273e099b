import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { PortalApp } from '../layout/PortalApp';
import { SignedInPortal } from '../layout/SignedInPortal';
import { ConnectedApps } from './ConnectedApps';
import '../styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <PortalApp title="Connected apps">
      {(config) => (
        <SignedInPortal
          config={config}
          portal="account"
          signInHeading="Your connected apps"
          signInText="Sign in with your online banking details to see which apps can see your account information, and to stop sharing with them."
        >
          {(session, api) => <ConnectedApps session={session} api={api} />}
        </SignedInPortal>
      )}
    </PortalApp>
  </StrictMode>,
);
