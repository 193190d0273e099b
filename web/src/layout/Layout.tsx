import type { ReactNode } from 'react';
import type { Branding } from '../config';

export interface LayoutProps {
  readonly bankName: string;
  readonly branding?: Branding;
  /** Shown at the right of the banner (e.g. the signed-in person and "Sign out"). */
  readonly headerEnd?: ReactNode;
  /** Wider main column for tables (admin console, developer portal). */
  readonly wide?: boolean;
  readonly children: ReactNode;
}

/** The bank's frame around every portal page: banner with the bank's logo and name, one main landmark, footer. */
export function Layout({ bankName, branding, headerEnd, wide, children }: LayoutProps) {
  return (
    <div className={wide ? 'layout layout--wide' : 'layout'}>
      <header className="bank-header">
        <div className="bank-header__inner">
          {branding?.logoUrl ? (
            <img className="bank-header__logo" src={branding.logoUrl} alt="" width={36} height={36} />
          ) : (
            <span className="bank-header__mark" aria-hidden="true">
              {bankName.trim().charAt(0).toUpperCase()}
            </span>
          )}
          <span className="bank-header__name">{bankName}</span>
          {headerEnd && <div className="bank-header__end">{headerEnd}</div>}
        </div>
      </header>
      <main className="page">{children}</main>
      <footer className="bank-footer">
        <p>You are connected securely to {bankName}. We will never ask you for your password on this page.</p>
        {branding?.privacyPolicyUrl && (
          <p>
            <a href={branding.privacyPolicyUrl} rel="noreferrer">
              {bankName} privacy policy
            </a>
          </p>
        )}
      </footer>
    </div>
  );
}
