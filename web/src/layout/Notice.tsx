import type { ReactNode } from 'react';

/** A problem the customer must see: announced at once by screen readers (role="alert"). */
export function Alert({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="notice notice--error" role="alert">
      <h2 className="notice__title">{title}</h2>
      {children && <p>{children}</p>}
    </div>
  );
}

/** Progress the customer should hear about without being interrupted (role="status"). */
export function Status({ children }: { children: ReactNode }) {
  return (
    <p className="status" role="status">
      {children}
    </p>
  );
}
