import type { ReactNode } from 'react';

/** The bank's frame around every view: banner with the bank's name, one main landmark, footer. */
export function Layout({ bankName, children }: { bankName: string; children: ReactNode }) {
  return (
    <div className="layout">
      <header className="bank-header">
        <div className="bank-header__inner">
          <span className="bank-header__mark" aria-hidden="true">
            {bankName.trim().charAt(0).toUpperCase()}
          </span>
          <span className="bank-header__name">{bankName}</span>
        </div>
      </header>
      <main className="page">{children}</main>
      <footer className="bank-footer">
        <p>You are connected securely to {bankName}. We will never ask you for your password on this page.</p>
      </footer>
    </div>
  );
}
