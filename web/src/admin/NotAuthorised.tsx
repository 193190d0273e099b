import type { RuntimeConfig } from '../config';
import { Layout } from '../layout/Layout';

/** What a signed-in person who is not a bank administrator sees: no console, no data, a way out. */
export function NotAuthorised({ config }: { config: RuntimeConfig }) {
  return (
    <Layout bankName={config.tenantName} branding={config.branding}>
      <h1>Not authorised</h1>
      <p>
        You signed in, but your account does not have the administrator role. The admin console is only for bank
        administrators. If you need access, ask your manager to request the role for you.
      </p>
      <p>
        <a className="button button--secondary" href="./">
          Sign in with another account
        </a>
      </p>
    </Layout>
  );
}
