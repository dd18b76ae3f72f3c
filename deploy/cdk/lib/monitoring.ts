// What an operator watches without reading logs: CloudWatch metrics made from the service's JSON log
// lines by metric filters (the access line "request", the error line "request failed", the "auth
// event" lines), alarms on them and on the ALB, and one dashboard. The Prometheus endpoint
// (METRICS_PORT) is for a scraper inside the VPC; these need nothing but the awslogs driver.
import { Duration } from 'aws-cdk-lib'
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch'
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions'
import * as iam from 'aws-cdk-lib/aws-iam'
import * as kms from 'aws-cdk-lib/aws-kms'
import * as sns from 'aws-cdk-lib/aws-sns'
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2'
import * as logs from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'

/** The namespace of the metrics made from the service's logs. */
export const METRIC_NAMESPACE = 'UserService'

/**
 * Metric name -> the log lines it counts (CloudWatch Logs filter pattern syntax for JSON, "Filter
 * and pattern syntax" in the CloudWatch Logs user guide). `value` is the field published instead of 1.
 */
export const LOG_METRICS = {
  Requests: { pattern: '{ $.msg = "request" }' },
  ServerErrors: { pattern: '{ $.msg = "request" && $.status >= 500 }' },
  RequestDuration: { pattern: '{ $.msg = "request" }', value: '$.durationMs', unit: cloudwatch.Unit.MILLISECONDS },
  CognitoUnavailable: {
    pattern: '{ $.msg = "request failed" && ($.code = "upstream_unavailable" || $.code = "upstream_timeout") }',
  },
  SignInsSucceeded: { pattern: '{ $.msg = "auth event" && $.event = "sign_in" && $.outcome = "succeeded" }' },
  SignInsFailed: { pattern: '{ $.msg = "auth event" && $.event = "sign_in" && $.outcome = "failed" }' },
  RateLimited: { pattern: '{ $.msg = "auth event" && $.event = "rate_limited" }' },
  // A 500 whose cause is Cognito refusing our own SECRET_HASH or ClientSecret (src/cognito/errors.ts).
  ClientSecretRefused: { pattern: '{ $.msg = "request failed" && $.error.name = "ClientSecretRefused" }' },
} as const satisfies Record<string, { pattern: string; value?: string; unit?: cloudwatch.Unit }>

type LogMetric = keyof typeof LOG_METRICS

/** Alarm thresholds; each alarm's description says what it means and where to look first. */
export const ALARMS = {
  /** Percent of answers that are 5xx, over 5 minutes, 2 periods in a row. */
  serverErrorPercent: 5,
  /** Cognito calls that timed out or found it unreachable, per 5 minutes. */
  cognitoUnavailable: 5,
  /** Failed sign-ins per 5 minutes (all accounts): password guessing or credential stuffing. */
  failedSignIns: 100,
  /** Calls where Cognito refused the service's own client secret, per 5 minutes: one is a misconfiguration. */
  clientSecretRefused: 1,
} as const

export interface MonitoringProps {
  /** The service's log group (JSON lines, src/logging.ts). */
  logGroup: logs.ILogGroup
  loadBalancer: elbv2.ApplicationLoadBalancer
  targetGroup: elbv2.ApplicationTargetGroup
}

export class Monitoring extends Construct {
  readonly dashboard: cloudwatch.Dashboard
  readonly alarms: cloudwatch.Alarm[]
  /** Where every alarm goes, in alarm and back to OK: subscribe email, chat or paging to it. */
  readonly alarmTopic: sns.Topic

  constructor(scope: Construct, id: string, { logGroup, loadBalancer, targetGroup }: MonitoringProps) {
    super(scope, id)
    const period = Duration.minutes(5)
    const metric = {} as Record<LogMetric, cloudwatch.Metric>
    for (const [name, spec] of Object.entries(LOG_METRICS) as Array<[LogMetric, (typeof LOG_METRICS)[LogMetric]]>) {
      const filter = new logs.MetricFilter(this, `${name}Filter`, {
        logGroup,
        filterPattern: logs.FilterPattern.literal(spec.pattern),
        metricNamespace: METRIC_NAMESPACE,
        metricName: name,
        metricValue: 'value' in spec ? spec.value : '1',
        ...('unit' in spec ? { unit: spec.unit } : {}),
      })
      metric[name] = filter.metric({ period, statistic: 'Sum' })
    }

    const errorPercent = new cloudwatch.MathExpression({
      expression: '100 * FILL(errors, 0) / requests',
      usingMetrics: { errors: metric.ServerErrors, requests: metric.Requests },
      period,
      label: '5xx %',
    })
    const unhealthy = targetGroup.metrics.unhealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum' })
    const healthy = targetGroup.metrics.healthyHostCount({ period: Duration.minutes(1), statistic: 'Minimum' })

    this.alarms = [
      errorPercent.createAlarm(this, 'ServerErrorRate', {
        alarmDescription: `More than ${ALARMS.serverErrorPercent}% of answers were 5xx for 10 minutes: read the "request failed" lines (code, error) in the service's log group.`,
        threshold: ALARMS.serverErrorPercent,
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      metric.CognitoUnavailable.createAlarm(this, 'CognitoUnavailable', {
        alarmDescription: `Cognito timed out or was unreachable ${ALARMS.cognitoUnavailable}+ times in 5 minutes: check the AWS Health dashboard for Cognito, the NAT gateway and the tasks' egress.`,
        threshold: ALARMS.cognitoUnavailable,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      metric.SignInsFailed.createAlarm(this, 'FailedSignInSpike', {
        alarmDescription: `More than ${ALARMS.failedSignIns} failed sign-ins in 5 minutes: password guessing? Logs Insights: failed sign-ins by emailHash and ip.`,
        threshold: ALARMS.failedSignIns,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      metric.ClientSecretRefused.createAlarm(this, 'ClientSecretRefused', {
        alarmDescription: `Cognito refused the SECRET_HASH or ClientSecret the service computed or sent (answered 500): COGNITO_CLIENT_ID or COGNITO_CLIENT_SECRET does not fit the app client (a secret rotation step missed, or a secret deleted too early?). Run \`user-service doctor\`; the "request failed" lines name the operation.`,
        threshold: ALARMS.clientSecretRefused,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      unhealthy.createAlarm(this, 'UnhealthyHosts', {
        alarmDescription:
          'A task has failed the ALB health check for 3 minutes: see the ECS service events and the task logs.',
        threshold: 1,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    ]

    // Encrypted with a key of our own: CloudWatch cannot publish to a topic under the AWS-managed SNS
    // key (its policy cannot be changed to let the alarms' service principal use it).
    const key = new kms.Key(this, 'AlarmTopicKey', {
      enableKeyRotation: true,
      description: 'Encrypts the user-service alarm topic',
    })
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    )
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true })
    const notify = new cloudwatchActions.SnsAction(this.alarmTopic)
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(notify)
      alarm.addOkAction(notify)
    }

    const width = 8
    const height = 6
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Requests and 5xx',
            left: [metric.Requests, metric.ServerErrors],
            right: [errorPercent],
            width,
            height,
          }),
          new cloudwatch.GraphWidget({
            title: 'Request duration (ms)',
            left: ['p50', 'p90', 'p99'].map((statistic) =>
              metric.RequestDuration.with({ statistic, label: statistic }),
            ),
            width,
            height,
          }),
          new cloudwatch.GraphWidget({
            title: 'ALB: p99 response time (s), its own 5xx',
            left: [loadBalancer.metrics.targetResponseTime({ statistic: 'p99', period })],
            right: [loadBalancer.metrics.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { period })],
            width,
            height,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Sign-ins: succeeded and failed',
            left: [metric.SignInsSucceeded, metric.SignInsFailed],
            width,
            height,
          }),
          new cloudwatch.GraphWidget({ title: 'Rate-limited requests', left: [metric.RateLimited], width, height }),
          new cloudwatch.GraphWidget({
            title: 'Cognito timeouts and unreachable',
            left: [metric.CognitoUnavailable],
            width,
            height,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'ALB: healthy and unhealthy tasks',
            left: [healthy, unhealthy],
            width,
            height,
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 16, height }),
        ],
      ],
    })
  }
}
