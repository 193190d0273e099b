import { useEffect, useState } from 'react';
import { loadRuntimeConfig, type RuntimeConfig } from './config';
import { ConsentView } from './consent/ConsentView';
import { Layout } from './layout/Layout';
import { Alert, Status } from './layout/Notice';
import type { View } from './views/select-view';

type ConfigState =
  | { readonly phase: 'loading' }
  | { readonly phase: 'failed' }
  | { readonly phase: 'ready'; readonly config: RuntimeConfig };

/** Loads the runtime config once, then renders the selected view inside the bank's frame. */
export function App({ view }: { view: View }) {
  const [state, setState] = useState<ConfigState>({ phase: 'loading' });

  useEffect(() => {
    const abort = new AbortController();
    loadRuntimeConfig(abort.signal).then(
      (config) => setState({ phase: 'ready', config }),
      () => {
        if (!abort.signal.aborted) setState({ phase: 'failed' });
      },
    );
    return () => abort.abort();
  }, []);

  useEffect(() => {
    if (state.phase === 'ready') document.title = `${state.config.tenantName} – Online Banking`;
  }, [state]);

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
  return (
    <Layout bankName={state.config.tenantName}>
      {view.name === 'consent' ? (
        <ConsentView apiBaseUrl={state.config.apiBaseUrl} loginId={view.loginId} loginState={view.loginState} />
      ) : (
        <NothingToDo />
      )}
    </Layout>
  );
}

function NothingToDo() {
  return (
    <>
      <h1>Nothing to do here</h1>
      <p>There is no request waiting for you. If an app sent you here, go back to it and start again from there.</p>
    </>
  );
}
