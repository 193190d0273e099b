/**
 * The tenant's operations view: one CloudWatch dashboard (business metrics, per-route API latency and
 * errors, Lambda health, DynamoDB, KMS) and the alarms that page someone, all to one SNS topic.
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { FilterPattern, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { Metric as BusinessMetric } from '../../lambdas/metric-names';
import type { TenantConfig } from '../tenant-config';
import type { DataTables } from './data-tables';
import { type HandlerFunction, METRICS_NAMESPACE } from './handler-functions';
import type { SurfaceApi } from './surface-api';

/** Metric that the KMS-error log filters publish (namespace `Bankgate`, dimension `service`). */
export const KMS_ERRORS_METRIC = 'KmsErrors';
/** DynamoDB operations whose latency the dashboard shows. */
const TABLE_OPERATIONS = ['GetItem', 'PutItem', 'UpdateItem', 'Query'] as const;
const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

export interface MonitoringProps {
  readonly tenant: TenantConfig;
  readonly serviceName: string;
  readonly apis: readonly SurfaceApi[];
  readonly functions: readonly HandlerFunction[];
  readonly tables: DataTables;
}

export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: IAlarm[] = [];
  private readonly prefix: string;
  private readonly actions: SnsAction[];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { tenant } = props;
    this.prefix = `bankgate-${tenant.name}`;

    // CloudWatch must be able to use the key to publish to the encrypted topic.
    const topicKey = new Key(this, 'TopicKey', {
      alias: `alias/bankgate/${tenant.name}/alarms`,
      description: `Bankgate ${tenant.name}: alarm topic encryption`,
      enableKeyRotation: true,
    });
    topicKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    this.topic = new Topic(this, 'AlarmTopic', {
      topicName: `${this.prefix}-alarms`,
      displayName: `Bankgate ${tenant.name} alarms`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    // The topic policy replaces SNS's default one, and enforceSSL's statement only denies: CloudWatch publishes
    // as its service principal, not as the account, so without this statement no alarm would ever notify.
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'TenantAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          ArnLike: {
            'aws:SourceArn': Stack.of(this).formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${this.prefix}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    for (const email of tenant.alarms.emails) this.topic.addSubscription(new EmailSubscription(email));
    this.actions = [new SnsAction(this.topic)];
    if (tenant.alarms.snsTopicArn) {
      this.actions.push(new SnsAction(Topic.fromTopicArn(this, 'ExternalTopic', tenant.alarms.snsTopicArn)));
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `Bankgate-${tenant.name}`,
      defaultInterval: Duration.hours(3),
    });
    this.addHeader(tenant, props.apis);
    this.addBusinessMetrics(props.serviceName);
    for (const api of props.apis) this.addApi(api, tenant);
    this.addFunctions(props.functions, props.serviceName);
    this.addTables(props.tables);
    this.addKmsErrors(props.functions, props.serviceName);
    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }));
  }

  private addHeader(tenant: TenantConfig, apis: readonly SurfaceApi[]): void {
    const origins = apis.map((api) => `\`${api.domain.domainName}\``).join(', ');
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Bankgate: ${tenant.displayName} (\`${tenant.name}\`)\nAPIs on ${origins}. Business metrics: namespace \`${METRICS_NAMESPACE}\`, dimension \`service\`.`,
        width: 24,
        height: 2,
      }),
    );
  }

  private addBusinessMetrics(service: string): void {
    const metric = (metricName: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      });
    const consents: string[] = [
      BusinessMetric.ConsentsCreated,
      BusinessMetric.ConsentsAuthorised,
      BusinessMetric.ConsentsRejected,
      BusinessMetric.ConsentsRevoked,
    ];
    // Every other business metric (tokens issued, client-auth failures, quota refusals, any added later).
    const others = Object.values(BusinessMetric).filter((name) => !consents.includes(name));
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Consents', width: 12, left: consents.map((name) => metric(name)) }),
      new GraphWidget({
        title: 'Tokens and client authentication',
        width: 12,
        left: others.map((name) => metric(name)),
      }),
    );
  }

  private addApi(gateway: SurfaceApi, tenant: TenantConfig): void {
    const apiName = gateway.api.restApiName;
    const stage = gateway.api.deploymentStage.stageName;
    const apiMetric = (metricName: string, statistic: string, route?: { path: string; method: string }) =>
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName,
        statistic,
        period: ONE_MINUTE,
        dimensionsMap: route
          ? { ApiName: apiName, Stage: stage, Resource: route.path, Method: route.method }
          : { ApiName: apiName, Stage: stage },
      });

    const serverErrorRate = new MathExpression({
      expression: 'errors * 100',
      usingMetrics: { errors: apiMetric('5XXError', 'Average') },
      label: '5XX rate (%)',
      period: ONE_MINUTE,
    });
    const { serverErrorRatePercent, latencyP99Millis } = tenant.alarms;
    this.alarm(
      `${apiName}-5xx-rate`,
      serverErrorRate,
      serverErrorRatePercent,
      `${apiName}: 5XX rate at or above ${serverErrorRatePercent}%`,
      true,
    );
    this.alarm(
      `${apiName}-latency-p99`,
      apiMetric('Latency', 'p99'),
      latencyP99Millis,
      `${apiName}: p99 latency at or above ${latencyP99Millis} ms`,
      true,
    );

    this.dashboard.addWidgets(
      new TextWidget({ markdown: `## ${apiName} (\`${gateway.domain.domainName}\`)`, width: 24, height: 1 }),
    );
    for (const route of gateway.routes) {
      const title = `${route.method} ${route.path}`;
      this.dashboard.addWidgets(
        new GraphWidget({
          title: `${title}: latency`,
          width: 12,
          height: 5,
          left: [apiMetric('Latency', 'p50', route), apiMetric('Latency', 'p99', route)],
        }),
        new GraphWidget({
          title: `${title}: errors`,
          width: 12,
          height: 5,
          left: [apiMetric('4XXError', 'Sum', route), apiMetric('5XXError', 'Sum', route)],
        }),
      );
    }
  }

  private addFunctions(functions: readonly HandlerFunction[], service: string): void {
    for (const { spec, fn } of functions) {
      this.alarm(
        `${this.prefix}-${spec.id}-errors`,
        fn.metricErrors({ period: FIVE_MINUTES }),
        1,
        `${spec.id}: function errors`,
      );
      this.alarm(
        `${this.prefix}-${spec.id}-throttles`,
        fn.metricThrottles({ period: FIVE_MINUTES }),
        1,
        `${spec.id}: throttled invocations`,
      );
    }
    const perFunction = (make: (entry: HandlerFunction) => IMetric) => functions.map(make);
    this.dashboard.addWidgets(
      new TextWidget({ markdown: '## Lambda functions', width: 24, height: 1 }),
      new GraphWidget({
        title: 'Errors',
        width: 6,
        left: perFunction(({ spec, fn }) => fn.metricErrors({ period: FIVE_MINUTES, label: spec.id })),
      }),
      new GraphWidget({
        title: 'Throttles',
        width: 6,
        left: perFunction(({ spec, fn }) => fn.metricThrottles({ period: FIVE_MINUTES, label: spec.id })),
      }),
      new GraphWidget({
        title: 'Duration p99 (ms)',
        width: 6,
        left: perFunction(({ spec, fn }) =>
          fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99', label: spec.id }),
        ),
      }),
      new GraphWidget({
        title: 'Cold starts',
        width: 6,
        left: perFunction(
          ({ spec }) =>
            // Powertools' ColdStart metric (logMetrics captureColdStartMetric) with function_name = handler id.
            new Metric({
              namespace: METRICS_NAMESPACE,
              metricName: 'ColdStart',
              dimensionsMap: { service, function_name: spec.id },
              statistic: 'Sum',
              period: FIVE_MINUTES,
              label: spec.id,
            }),
        ),
      }),
    );
  }

  private addTables(tables: DataTables): void {
    const tableMetric = (tableName: string, metricName: string, statistic: string, operation?: string) =>
      new Metric({
        namespace: 'AWS/DynamoDB',
        metricName,
        statistic,
        period: FIVE_MINUTES,
        dimensionsMap: operation ? { TableName: tableName, Operation: operation } : { TableName: tableName },
        label: operation ? tableName : `${tableName} ${metricName}`,
      });
    const throttles = tables.all.map(({ definition, table }) => {
      // Metric ids must be unique across the graph that shows every table's expression.
      const suffix = definition.name.replace(/\W/g, '_');
      const throttled = new MathExpression({
        expression: `reads_${suffix} + writes_${suffix}`,
        usingMetrics: {
          [`reads_${suffix}`]: tableMetric(table.tableName, 'ReadThrottleEvents', 'Sum'),
          [`writes_${suffix}`]: tableMetric(table.tableName, 'WriteThrottleEvents', 'Sum'),
        },
        label: definition.name,
        period: FIVE_MINUTES,
      });
      this.alarm(
        `${this.prefix}-${definition.name}-table-throttles`,
        throttled,
        1,
        `${definition.name} table: throttled requests`,
      );
      return throttled;
    });
    this.dashboard.addWidgets(
      new TextWidget({ markdown: '## DynamoDB', width: 24, height: 1 }),
      new GraphWidget({ title: 'Throttled requests', width: 8, left: throttles }),
      ...TABLE_OPERATIONS.map(
        (operation) =>
          new GraphWidget({
            title: `${operation} latency (ms, average)`,
            width: 4,
            left: tables.all.map(({ table }) =>
              tableMetric(table.tableName, 'SuccessfulRequestLatency', 'Average', operation),
            ),
          }),
      ),
    );
  }

  /**
   * KMS publishes no per-key error metric, so the logs of every function that uses a key are filtered for
   * AWS SDK KMS exceptions (logged by the HTTP wrapper as `error.name`) and counted as `KmsErrors`.
   */
  private addKmsErrors(functions: readonly HandlerFunction[], service: string): void {
    const kmsError = FilterPattern.any(
      FilterPattern.stringValue('$.error.name', '=', 'KMS*'),
      ...['DisabledException', 'KeyUnavailableException', 'InvalidKeyUsageException', 'IncorrectKeyException'].map(
        (name) => FilterPattern.stringValue('$.error.name', '=', name),
      ),
      FilterPattern.stringValue('$.error.message', '=', '*kms:*'),
    );
    for (const { spec, logGroup } of functions.filter(({ spec }) => spec.keys.length > 0)) {
      new MetricFilter(this, `KmsErrors-${spec.id}`, {
        logGroup,
        filterPattern: kmsError,
        metricNamespace: METRICS_NAMESPACE,
        metricName: KMS_ERRORS_METRIC,
        metricValue: '1',
        dimensions: { service: '$.service' },
      });
    }
    this.dashboard.addWidgets(
      new TextWidget({ markdown: '## KMS', width: 24, height: 1 }),
      new GraphWidget({
        title: 'KMS errors (signing, public keys, decryption)',
        width: 12,
        left: [
          new Metric({
            namespace: METRICS_NAMESPACE,
            metricName: KMS_ERRORS_METRIC,
            dimensionsMap: { service },
            statistic: 'Sum',
            period: FIVE_MINUTES,
          }),
        ],
      }),
    );
  }

  /**
   * Alarms when `metric` reaches `threshold`: `sustained` (rates, latency per minute) means in 3 of the
   * last 5 periods, so one slow minute does not page anyone; counts (errors, throttles) alarm at once.
   * Missing data is healthy: no traffic, no failures.
   */
  private alarm(alarmName: string, metric: IMetric, threshold: number, description: string, sustained = false): void {
    const alarm = new Alarm(this, alarmName, {
      alarmName,
      alarmDescription: description,
      metric,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: sustained ? 5 : 1,
      datapointsToAlarm: sustained ? 3 : 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const action of this.actions) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms.push(alarm);
  }
}
