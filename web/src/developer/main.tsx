import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { PortalApp } from '../layout/PortalApp';
import { DeveloperPortal } from './DeveloperPortal';
import '../styles.css';
import './developer.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <PortalApp title="Developer portal">{(config) => <DeveloperPortal config={config} />}</PortalApp>
  </StrictMode>,
);
