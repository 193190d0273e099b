/**
 * The bank's Approvals: what fintechs submitted in the developer portal (sign-ups, applications, API
 * applications), oldest first, and the decisions on them. A decision is an administrative change like any
 * other: the review, its effect (the account's status, the client's activation, the client's approved
 * APIs) and the audit record are one transaction (`AdminStore.commit`), conditional on the review's version,
 * so two reviewers deciding at once cannot both win.
 */
import { InvalidRequest, OAuthError } from '../../errors';
import { type ApiCatalog, ConflictingChange, type ReviewEffect } from '../../ports/admin';
import type { DeveloperStore, Review, ReviewEvent } from '../../ports/developers';
import type { ClientStore } from '../../ports/store';
import * as z from '../../validation';
import { type AdminCommand, type AdminDeps, ChangeConflict, notFound } from './changes';

export interface ApprovalDeps extends Pick<AdminDeps, 'store'> {
  readonly reviews: Pick<DeveloperStore, 'review' | 'openReviews'>;
  readonly clients: Pick<ClientStore, 'get'>;
  readonly catalog: Pick<ApiCatalog, 'get'>;
}

export const DecisionBody = z.strictObject({
  decision: z.enum(['approve', 'return', 'deny']),
  comment: z.optional(z.string()),
});
export type Decision = z.output<typeof DecisionBody>['decision'];
const DECIDED = { approve: 'approved', return: 'returned', deny: 'denied' } as const;

/** The queue shows at most this many reviews at once (the oldest). */
export const QUEUE_PAGE = 50;
export const MAX_COMMENT = 1000;

export const approvalQueue = (deps: ApprovalDeps) => deps.reviews.openReviews(QUEUE_PAGE);

const actorName = (command: AdminCommand) =>
  command.actor.kind === 'staff' ? command.actor.name : `client ${command.actor.id}`;

async function effectOf(
  deps: ApprovalDeps,
  review: Review,
  decision: Decision,
  comment?: string,
): Promise<ReviewEffect> {
  if (review.type === 'sign-up') {
    return { kind: 'account', username: review.developer, status: DECIDED[decision], comment };
  }
  if (decision !== 'approve' || !review.clientId) return { kind: 'none' };
  if (review.type === 'application') return { kind: 'activate-client', clientId: review.clientId };
  const client = await deps.clients.get(review.clientId);
  if (!client) throw notFound(`client ${review.clientId}`);
  const apis = await Promise.all((review.apiIds ?? []).map((apiId) => deps.catalog.get(apiId)));
  const missing = (review.apiIds ?? []).filter((_, i) => !apis[i]);
  if (missing.length > 0) throw new InvalidRequest(`no longer in the catalog: ${missing.join(', ')}`);
  const read = client.approvedApis ?? [];
  return {
    kind: 'approve-apis',
    clientId: client.clientId,
    readSize: read.length,
    approvedApis: [...new Set([...read, ...(review.apiIds ?? [])])],
    // The token endpoint grants only registered scopes: an approved API's scope group becomes one.
    scopes: [...new Set([...client.scopes, ...apis.map((api) => api!.scopeGroup)])],
  };
}

export async function decide(
  deps: ApprovalDeps,
  command: AdminCommand,
  reviewId: string,
  decision: Decision,
  comment: string | undefined,
): Promise<Review> {
  const text = comment?.trim() || undefined;
  if (decision === 'return' && !text) throw new InvalidRequest('a comment is required to return a submission');
  if (text && text.length > MAX_COMMENT)
    throw new InvalidRequest(`the comment may have at most ${MAX_COMMENT} characters`);
  const review = await deps.reviews.review(reviewId);
  if (!review) throw notFound(`review ${reviewId}`);
  if (review.state !== 'reviewing') {
    throw new OAuthError('conflict', `this submission was already ${review.state}`, 409);
  }
  const event: ReviewEvent = {
    at: command.at,
    event: DECIDED[decision],
    by: actorName(command),
    ...(text ? { comment: text } : {}),
  };
  const decided: Review = {
    ...review,
    state: DECIDED[decision],
    history: [...review.history, event],
    version: review.version + 1,
  };
  const effect = await effectOf(deps, review, decision, text);
  const entity = `review:${reviewId}`;
  try {
    await deps.store.commit(
      { kind: 'review', review: decided, effect },
      {
        entity,
        at: command.at,
        actor: command.actor,
        action: `review.${decision}`,
        before: { type: review.type, developer: review.developer, state: review.state },
        after: { state: decided.state, ...(text ? { comment: text } : {}), ...effectSummary(effect) },
      },
    );
  } catch (error) {
    if (error instanceof ConflictingChange) throw new ChangeConflict(entity);
    throw error;
  }
  return decided;
}

function effectSummary(effect: ReviewEffect): Record<string, unknown> {
  switch (effect.kind) {
    case 'account':
      return { account: effect.username, status: effect.status };
    case 'activate-client':
      return { client: effect.clientId, status: 'active' };
    case 'approve-apis':
      return { client: effect.clientId, approvedApis: effect.approvedApis };
    case 'none':
      return {};
  }
}
