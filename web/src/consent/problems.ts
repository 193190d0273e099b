import { ApiError } from '../api/http';

/** What the customer reads when the consent session cannot go on, and whether trying again could help. */
export interface Problem {
  readonly title: string;
  readonly detail: string;
  /** Retrying cannot help: the session or the request is gone, so the form must not be offered again. */
  readonly final: boolean;
}

const startAgain = 'Go back to the app you came from and start again.';

export function describeProblem(error: unknown): Problem {
  if (!(error instanceof ApiError)) {
    return {
      title: 'We could not reach the bank',
      detail: 'Check your internet connection and try again.',
      final: false,
    };
  }
  if (error.status === 401) {
    return {
      title: 'Your session has expired',
      detail: `For your security, we stopped this request. ${startAgain}`,
      final: true,
    };
  }
  if (error.status === 404 || error.status === 410) {
    return {
      title: 'We could not find this request',
      detail: `It may have expired or already been answered. ${startAgain}`,
      final: true,
    };
  }
  if (error.status >= 400 && error.status < 500) {
    return {
      title: 'This request cannot be completed',
      detail: error.errorDescription ? `${error.errorDescription}. ${startAgain}` : startAgain,
      final: true,
    };
  }
  return { title: 'Something went wrong', detail: 'Please try again in a few minutes.', final: false };
}
