import type { ReactNode } from 'react';
import { ApiError } from '../api/http';

/** A problem the person must see: announced at once by screen readers (role="alert"). */
export function Alert({ title, children, reference }: { title: string; children?: ReactNode; reference?: string }) {
  return (
    <div className="notice notice--error" role="alert">
      <h2 className="notice__title">{title}</h2>
      {children && <p>{children}</p>}
      {reference && <p className="notice__reference">If you contact us about this, quote reference {reference}.</p>}
    </div>
  );
}

/** Progress the person should hear about without being interrupted (role="status"). */
export function Status({ children }: { children: ReactNode }) {
  return (
    <p className="status" role="status">
      {children}
    </p>
  );
}

/** A failed portal call in plain language, with the interaction id to quote to support. */
export function CallFailed({ error, action }: { error: unknown; action: string }) {
  if (!(error instanceof ApiError)) {
    return <Alert title={`We could not ${action}`}>Check your internet connection and try again.</Alert>;
  }
  const detail =
    error.status === 404
      ? 'We could not find what you asked for. It may have changed in the meantime: reload the page.'
      : error.status >= 500
        ? 'Something went wrong on our side. Please try again in a few minutes.'
        : 'Please reload the page and try again.';
  return (
    <Alert title={`We could not ${action}`} reference={error.interactionId}>
      {detail}
    </Alert>
  );
}
