/**
 * The admin console's Approvals calls (`/admin/api/reviews*`): the queue of developer-portal submissions and
 * the decisions on them, through the approval use-cases the mTLS admin API also uses (`domain/admin/approvals.ts`).
 */
import { approvalQueue, DecisionBody, decide } from '../domain/admin/approvals';
import type { AdminCommand } from '../domain/admin/changes';
import { parseBody } from '../domain/admin/records';
import { reviewRecord } from '../domain/developer/reviews';
import { wiring } from '../wiring';
import { json } from './handler';
import type { PortalCall, PortalRoute } from './portal';
import { oauthJsonBody } from './request';

export function approvalRoutes(
  command: (call: PortalCall) => AdminCommand,
  logChange: (call: PortalCall) => void,
): PortalRoute[] {
  return [
    {
      method: 'GET',
      path: '/reviews',
      steps: [
        async (call) => {
          call.response = json(200, { items: (await approvalQueue(wiring.approvals)).map(reviewRecord) });
        },
      ],
    },
    {
      method: 'POST',
      path: '/reviews/{reviewId}/decision',
      steps: [
        async (call) => {
          const { decision, comment } = parseBody(oauthJsonBody(call.request.event), DecisionBody);
          const reviewId = call.request.event.pathParameters?.reviewId ?? '';
          const decided = await decide(wiring.approvals, command(call), reviewId, decision, comment);
          logChange(call);
          call.response = json(200, reviewRecord(decided));
        },
      ],
    },
  ];
}
