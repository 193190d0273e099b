/**
 * Business metric names shown on the tenant dashboard. Apart from `http/observability.ts` (which constructs
 * the Powertools Metrics) so the CDK app can name them without creating a logger or metrics at synth time.
 */
export const Metric = {
  ConsentsCreated: 'ConsentsCreated',
  ConsentsAuthorised: 'ConsentsAuthorised',
  ConsentsRejected: 'ConsentsRejected',
  ConsentsRevoked: 'ConsentsRevoked',
  TokensIssued: 'TokensIssued',
  ClientAuthFailures: 'ClientAuthFailures',
  QuotaExceeded: 'QuotaExceeded',
} as const;
