/**
 * Regional WAF web ACL in front of both REST APIs: a per-IP rate limit first (cheapest rule, stops
 * floods before the managed rules are evaluated), then the AWS managed common and known-bad-inputs rules.
 */
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface WebAclProps {
  readonly tenant: string;
  /** Requests per client IP in any 5-minute window. */
  readonly rateLimitPer5Minutes: number;
}

export class WebAcl extends Construct {
  readonly acl: CfnWebACL;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const metricPrefix = `bankgate-${props.tenant}`;
    const visibility = (name: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `${metricPrefix}-${name}`,
    });
    const managed = (priority: number, name: string, countOnly: string[] = []): CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ruleActionOverrides: countOnly.length
            ? countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } }))
            : undefined,
        },
      },
      visibilityConfig: visibility(name),
    });

    this.acl = new CfnWebACL(this, 'Acl', {
      name: `bankgate-${props.tenant}-api`,
      description: `Bankgate ${props.tenant}: rate limit and AWS managed rules for both APIs`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('api'),
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: props.rateLimitPer5Minutes, aggregateKeyType: 'IP' } },
          visibilityConfig: visibility('rate-limit'),
        },
        // Counted, not blocked: handlers enforce their own body limit with a protocol-format 413 (signed
        // request objects can pass 8 KB), and TPP server-to-server clients need not send a User-Agent.
        managed(1, 'AWSManagedRulesCommonRuleSet', ['SizeRestrictions_BODY', 'NoUserAgent_HEADER']),
        managed(2, 'AWSManagedRulesKnownBadInputsRuleSet'),
      ],
    });
  }
}
