/**
 * Developer-portal ports: fintech developers' own accounts (not federated) and what they submit for the
 * bank's review. Decisions on reviews are administrative changes (`AdminStore.commit`, kind `review`).
 */

import type { Client } from '../domain/client';

export type AccountStatus = 'reviewing' | 'returned' | 'approved' | 'denied';
export type ReviewType = 'sign-up' | 'application' | 'api-application';
export type ReviewState = 'reviewing' | 'returned' | 'approved' | 'denied';

export interface DeveloperAccount {
  readonly username: string;
  readonly organisation: string;
  readonly email: string;
  /** `scrypt$N$r$p$salt$hash` (`domain/developer/password.ts`). */
  readonly passwordHash: string;
  readonly status: AccountStatus;
  /** The reviewer's comment of the latest return or denial. */
  readonly comment?: string;
  readonly signUpReviewId: string;
  /** ISO 8601. */
  readonly createdAt: string;
  /** Log-in attempts since the last success, and until when (epoch seconds) no attempt is accepted. */
  readonly failedLogins: number;
  readonly lockedUntil: number;
}

export interface ReviewEvent {
  /** ISO 8601. */
  readonly at: string;
  /** `submitted`, `resubmitted`, or the decision. */
  readonly event: 'submitted' | 'resubmitted' | 'approved' | 'returned' | 'denied';
  /** The reviewer (staff name or client id); absent for the fintech's own submissions. */
  readonly by?: string;
  readonly comment?: string;
}

export interface Review {
  /** 128-bit random identifier. */
  readonly reviewId: string;
  readonly type: ReviewType;
  readonly developer: string;
  readonly organisation: string;
  readonly state: ReviewState;
  /** ISO 8601 of the latest (re)submission: the queue is oldest first by it. */
  readonly submittedAt: string;
  /** What the fintech submitted, as shown to the reviewer. */
  readonly submitted: Readonly<Record<string, unknown>>;
  /** The application (client) an application or API application is about. */
  readonly clientId?: string;
  /** The catalog API ids an API application asks for. */
  readonly apiIds?: readonly string[];
  readonly history: readonly ReviewEvent[];
  readonly version: number;
}

export interface DeveloperStore {
  account(username: string): Promise<DeveloperAccount | undefined>;
  /** Creates the account and its sign-up review together; false when the username is taken (nothing written). */
  signUp(account: DeveloperAccount, review: Review): Promise<boolean>;
  /**
   * Counts one log-in attempt before the password is checked, on condition that the counter is still
   * `read` and no lock-out is running at `now`: parallel guesses are each counted. False: refused.
   */
  claimLoginAttempt(username: string, read: number, now: number, lockedUntil: number): Promise<boolean>;
  /** A correct password: the counter starts again. */
  clearLoginAttempts(username: string): Promise<void>;
  /** The account's fields after a return, and its sign-up review back in the queue, on condition of the review's version. */
  resubmitSignUp(
    account: Pick<DeveloperAccount, 'username' | 'organisation' | 'email'>,
    review: Review,
  ): Promise<boolean>;
  /** A new review (application, API application). */
  submit(review: Review): Promise<void>;
  /**
   * A returned application or API application, edited, back in the queue: the review on condition of its
   * version, and (an application) the edited registration on condition that it is still pending and the
   * developer's, in one transaction. False: refused (a double click, a racing decision), nothing written.
   */
  resubmit(review: Review, client?: Client): Promise<boolean>;
  review(reviewId: string): Promise<Review | undefined>;
  /** The developer's reviews, newest first, at most `limit`. */
  reviewsOf(developer: string, limit: number): Promise<Review[]>;
  /** Open reviews, oldest first, at most `limit`. */
  openReviews(limit: number): Promise<Review[]>;
}
