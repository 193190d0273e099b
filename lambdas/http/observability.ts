/** Powertools logger and metrics, created once per process (module scope = once per cold start). */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'bankgate' });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Bankgate',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'bankgate',
});

/** Business metric names shown on the tenant dashboard. */
export const Metric = {
  ConsentsCreated: 'ConsentsCreated',
  ConsentsAuthorised: 'ConsentsAuthorised',
  ConsentsRejected: 'ConsentsRejected',
  ConsentsRevoked: 'ConsentsRevoked',
  TokensIssued: 'TokensIssued',
  ClientAuthFailures: 'ClientAuthFailures',
  QuotaExceeded: 'QuotaExceeded',
} as const;
