import { ConsentView } from './consent/ConsentView';
import { Layout } from './layout/Layout';
import { PortalApp } from './layout/PortalApp';
import type { View } from './views/select-view';

/** The consent page (`/consent/`): the selected view inside the bank's frame. */
export function App({ view }: { view: View }) {
  return (
    <PortalApp title="Online Banking">
      {(config) => (
        <Layout bankName={config.tenantName} branding={config.branding}>
          {view.name === 'consent' ? (
            <ConsentView
              apiBaseUrl={config.apiBaseUrl}
              loginId={view.loginId}
              loginState={view.loginState}
              privacyPolicyUrl={config.branding.privacyPolicyUrl}
            />
          ) : (
            <NothingToDo />
          )}
        </Layout>
      )}
    </PortalApp>
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
