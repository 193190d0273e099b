/** Reviews as the reviewer (Approvals) and the fintech (Status) see them. */
import type { Review } from '../../ports/developers';

/** A review as the reviewer and the fintech see it. */
export const reviewRecord = (review: Review) => ({
  review_id: review.reviewId,
  type: review.type,
  developer: review.developer,
  organisation: review.organisation,
  state: review.state,
  submitted_at: review.submittedAt,
  submitted: review.submitted,
  ...(review.clientId ? { client_id: review.clientId } : {}),
  ...(review.apiIds ? { api_ids: review.apiIds } : {}),
  history: review.history,
});
