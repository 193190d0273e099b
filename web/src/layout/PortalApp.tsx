import { type ReactNode, useEffect, useState } from 'react';
import { type Branding, loadRuntimeConfig, type RuntimeConfig } from '../config';
import { Layout } from './Layout';
import { Alert, Status } from './Notice';

type ConfigState =
  | { readonly phase: 'loading' }
  | { readonly phase: 'failed' }
  | { readonly phase: 'ready'; readonly config: RuntimeConfig };

export interface PortalAppProps {
  /** The page's purpose for the tab title, e.g. "Connected apps" -> "Connected apps – TPI Bank". */
  readonly title: string;
  /** The portal page, once the runtime config (API origin, branding) is known. */
  readonly children: (config: RuntimeConfig) => ReactNode;
}

/** Brand colours as CSS custom properties; set through the CSSOM, which the CSP's style-src allows. */
function applyBranding(branding: Branding) {
  if (!branding.primaryColour) return;
  document.documentElement.style.setProperty('--brand', branding.primaryColour);
  document.documentElement.style.setProperty('--accent', branding.primaryColour);
}

/** Every portal page: loads `config.json` once, applies the bank's branding, renders inside the bank's frame. */
export function PortalApp({ title, children }: PortalAppProps) {
  const [state, setState] = useState<ConfigState>({ phase: 'loading' });

  useEffect(() => {
    const abort = new AbortController();
    loadRuntimeConfig(abort.signal).then(
      (config) => {
        applyBranding(config.branding);
        setState({ phase: 'ready', config });
      },
      () => {
        if (!abort.signal.aborted) setState({ phase: 'failed' });
      },
    );
    return () => abort.abort();
  }, []);

  useEffect(() => {
    if (state.phase === 'ready') document.title = `${title} – ${state.config.tenantName}`;
  }, [state, title]);

  if (state.phase === 'loading') {
    return (
      <Layout bankName="Online Banking">
        <Status>Loading…</Status>
      </Layout>
    );
  }
  if (state.phase === 'failed') {
    return (
      <Layout bankName="Online Banking">
        <Alert title="This page is not available right now">Please try again in a few minutes.</Alert>
      </Layout>
    );
  }
  return <>{children(state.config)}</>;
}
