// Monitoring (lib/monitoring.ts): the metric filters match the lines the service really writes (its
// app built in process, its lines run through each filter pattern), the alarms, the dashboard, and
// the committed picture of the dashboard (docs/dashboard.svg) drawn from this very stack.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { ALARMS, LOG_METRICS, METRIC_NAMESPACE } from '../lib/monitoring.ts'
import { dashboardSvg, dashboardWidgets, SVG_PATH } from '../scripts/dashboard-svg.ts'
import { problemFromCognitoError } from '../../../src/cognito/errors.ts'
import { inProcessApp } from '../../../test/support/in-process-app.ts'
import { PASSWORD } from '../../../test/support/util.ts'
import { only, template } from './synth.ts'

/**
 * A CloudWatch Logs JSON filter pattern as a predicate over a parsed line, for the subset these
 * patterns use: `$.field = "text"` (`$.a.b` for a nested field), `$.field >= number`, &&, ||, parentheses ("Filter and pattern
 * syntax", CloudWatch Logs user guide). Anything else in a pattern throws, so the subset cannot grow
 * unseen.
 */
function matcher(pattern: string): (line: Record<string, unknown>) => boolean {
  const inner = /^\{ (.*) \}$/.exec(pattern)?.[1]
  if (inner === undefined) throw new Error(`not a JSON pattern: ${pattern}`)
  const js = inner.replace(/\$\.([\w.]+) (=|>=) ("[^"]*"|\d+)/g, (_, path: string, op, value) => {
    const field = path.split('.').map((key) => `?.[${JSON.stringify(key)}]`)
    return `line${field.join('')} ${op === '=' ? '===' : '>='} ${value}`
  })
  if (/\$|[^=!<>]=[^=]/.test(js.replace(/"[^"]*"/g, '""'))) throw new Error(`unsupported pattern: ${pattern}`)
  return new Function('line', `return ${js}`) as (line: Record<string, unknown>) => boolean
}

describe('metric filters', () => {
  const filters = Object.values(template.findResources('AWS::Logs::MetricFilter')).map((r) => r.Properties)
  const serviceLogs =
    only('AWS::ECS::TaskDefinition').properties.ContainerDefinitions[0].LogConfiguration.Options['awslogs-group']

  test('one per metric, on the service log group, in the UserService namespace', () => {
    expect(filters.map((f) => f.MetricTransformations[0].MetricName).sort()).toEqual(Object.keys(LOG_METRICS).sort())
    for (const filter of filters) {
      expect(filter.LogGroupName).toEqual(serviceLogs)
      expect(filter.MetricTransformations[0].MetricNamespace).toBe(METRIC_NAMESPACE)
    }
    const duration = filters.find((f) => f.MetricTransformations[0].MetricName === 'RequestDuration')
    expect(duration.MetricTransformations[0]).toMatchObject({ MetricValue: '$.durationMs', Unit: 'Milliseconds' })
  })

  test("each counts exactly the service's own lines it is named for", async () => {
    const { call, stub, logLines } = inProcessApp({
      RATE_LIMITS_ENABLED: 'true',
      RATE_LIMIT_SIGNIN_PER_ACCOUNT: '2/1h',
    })
    stub.addAccount('metric.filters@example.com', PASSWORD)
    const signIn = (password: string) =>
      call('POST', '/signin', { json: { email: 'metric.filters@example.com', password } })
    await signIn(PASSWORD)
    await signIn('WrongPassword-1')
    await signIn('WrongPassword-2')
    await signIn(PASSWORD) // 429: the account's failures are over its limit
    stub.failNext('forgotPassword', 'upstream_timeout')
    await call('POST', '/password/forgot', { json: { email: 'metric.filters@example.com' } })
    stub.failNext('confirmSignUp', 'upstream_unavailable')
    await call('POST', '/signup/confirm', { json: { email: 'metric.filters@example.com', code: '123456' } })
    // Cognito refusing our own secret: what src/cognito/errors.ts makes of it.
    const refused = problemFromCognitoError(
      Object.assign(new Error('Unable to verify secret hash for client abc'), { name: 'NotAuthorizedException' }),
      'ForgotPassword',
      false,
    )
    stub.failNext('forgotPassword', refused.code, { cause: refused.cause })
    await call('POST', '/password/forgot', { json: { email: 'metric.filters@example.com' } })
    await call('GET', '/health')
    const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>)
    const counts = Object.fromEntries(
      Object.entries(LOG_METRICS).map(([name, { pattern }]) => [name, lines.filter(matcher(pattern)).length]),
    )
    expect(counts).toEqual({
      Requests: 8,
      ServerErrors: 3,
      RequestDuration: 8,
      CognitoUnavailable: 2,
      SignInsSucceeded: 1,
      SignInsFailed: 2,
      RateLimited: 1,
      ClientSecretRefused: 1,
    })
  })
})

describe('alarms', () => {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((r) => r.Properties)
  const byName = (metric: string) => alarms.find((a) => JSON.stringify(a).includes(metric))

  test('5xx rate, Cognito unavailable, failed sign-in spike, a refused client secret, unhealthy hosts, state store size and evictions: each explained', () => {
    expect(alarms).toHaveLength(7)
    for (const alarm of alarms) expect(alarm.AlarmDescription.length).toBeGreaterThan(60)
    expect(byName('ServerErrors')).toMatchObject({ Threshold: ALARMS.serverErrorPercent, EvaluationPeriods: 2 })
    expect(byName('CognitoUnavailable')).toMatchObject({
      Threshold: ALARMS.cognitoUnavailable,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    })
    expect(byName('SignInsFailed')).toMatchObject({ Threshold: ALARMS.failedSignIns, Statistic: 'Sum', Period: 300 })
    expect(byName('"ClientSecretRefused"')).toMatchObject({
      Threshold: ALARMS.clientSecretRefused,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    })
    expect(byName('UnHealthyHostCount')).toMatchObject({
      Namespace: 'AWS/ApplicationELB',
      Threshold: 1,
      EvaluationPeriods: 3,
      Statistic: 'Maximum',
    })
    for (const alarm of alarms) expect(alarm.TreatMissingData).toBe('notBreaching')
  })

  test('each alarm notifies the alarm topic when it fires and when it clears; the topic is encrypted, TLS only', () => {
    const topic = only('AWS::SNS::Topic')
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic.id }])
      expect(alarm.OKActions).toEqual([{ Ref: topic.id }])
    }
    const key = only('AWS::KMS::Key')
    expect(topic.properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key.id, 'Arn'] })
    expect(key.properties.EnableKeyRotation).toBe(true)
    expect(JSON.stringify(key.properties.KeyPolicy)).toContain('cloudwatch.amazonaws.com')
    const policy = only('AWS::SNS::TopicPolicy').properties.PolicyDocument.Statement
    expect(policy).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    )
    expect(template.toJSON().Outputs.AlarmTopicArn.Value).toEqual({ Ref: topic.id })
  })
})

describe('dashboard', () => {
  const widgets = dashboardWidgets(template)

  test('the key graphs and the alarms, on a 24-column grid without overlap', () => {
    expect(widgets.map((w) => w.properties.title)).toEqual([
      'Requests and 5xx',
      'Request duration (ms)',
      'ALB: p99 response time (s), its own 5xx',
      'Sign-ins: succeeded and failed',
      'Rate-limited requests',
      'Cognito timeouts and unreachable',
      'ALB: healthy and unhealthy tasks',
      'Alarms',
    ])
    const cells = new Set<string>()
    for (const w of widgets) {
      expect(w.x + w.width).toBeLessThanOrEqual(24)
      for (let x = w.x; x < w.x + w.width; x++)
        for (let y = w.y; y < w.y + w.height; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false)
          cells.add(`${x},${y}`)
        }
    }
  })

  test('docs/dashboard.svg is the picture of this dashboard (bun deploy/cdk/scripts/dashboard-svg.ts)', () => {
    expect(readFileSync(SVG_PATH, 'utf8')).toBe(dashboardSvg(widgets))
  })
})
