// Deployment settings: CDK context (defaults in cdk.json, overrides with `-c key=value`) → typed
// Settings, every problem named at once. The only reader of context in the app.
//
// `-c` values arrive as strings and cdk.json values as JSON, so numbers and flags accept both.

import { REFRESH_TOKEN_GRACE_SECONDS } from './pool-shape.ts'

export type Architecture = 'x86_64' | 'arm64'

export interface Settings {
  /** The AWS region to deploy to (access logging and the ALB's bucket policy depend on it). */
  region: string
  /** x86_64 instances (t3) or Graviton (t4g); picks the AMI, instance type and image platform. */
  architecture: Architecture
  /** EC2 instance type of the capacity provider's Auto Scaling group; default by architecture. */
  instanceType: string
  minInstances: number
  maxInstances: number
  /** Task count bounds for service auto scaling. */
  minTasks: number
  maxTasks: number
  taskCpu: number
  taskMemoryMiB: number
  /** ACM certificate for an HTTPS listener; without it the ALB listens on HTTP only. */
  certificateArn?: string
  /** An existing VPC to deploy into (needs an account and region: it is looked up); else a new one. */
  vpcId?: string
  natGateways: number
  userPoolDeletionProtection: boolean
  /**
   * The app client rotates refresh tokens (GetTokensFromRefreshToken; the task gets
   * COGNITO_REFRESH_TOKEN_ROTATION to match). Token revocation stays on either way.
   */
  refreshTokenRotation: boolean
  /** RefreshTokenRotation RetryGracePeriodSeconds (0-60): how long a rotated-out refresh token still works. */
  refreshTokenGraceSeconds: number
  /** The pool tracks sessions (GET /sessions, DELETE /sessions/{id}); needs the Essentials feature plan or above. */
  sessionTracking: boolean
  logRetentionDays: number
  logLevel: string
  swaggerEnabled: boolean
  /** The service's SIGTERM drain (SHUTDOWN_TIMEOUT_MS); the ALB's deregistration delay matches it. */
  shutdownTimeoutMs: number
  /** WAF: requests per IP per 5 minutes on the sign-in, sign-up and password routes. */
  authRateLimit: number
  /** WAF: requests per IP per 5 minutes on every route. */
  globalRateLimit: number
}

export type Context = (key: string) => unknown

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid deployment settings: ${problems.join('; ')}`)
    this.name = 'SettingsError'
  }
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/
const LOG_LEVELS = ['debug', 'info', 'warn', 'error']
// CloudWatch Logs accepts only these retention periods.
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]
const DEFAULT_INSTANCE_TYPE: Record<Architecture, string> = { x86_64: 't3.small', arm64: 't4g.small' }

export function readSettings(context: Context): Settings {
  const problems: string[] = []
  const text = (key: string): string | undefined => {
    const value = context(key)
    if (value === undefined || value === null) return undefined
    const trimmed = String(value).trim()
    return trimmed === '' ? undefined : trimmed
  }
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const raw = text(key)
    if (raw === undefined) return fallback
    const value = Number(raw)
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${key} must be an integer from ${min} to ${max}`)
      return fallback
    }
    return value
  }
  const flag = (key: string, fallback: boolean): boolean => {
    const raw = text(key)?.toLowerCase()
    if (raw === undefined) return fallback
    if (raw === 'true') return true
    if (raw === 'false') return false
    problems.push(`${key} must be true or false`)
    return fallback
  }
  const matching = (key: string, pattern: RegExp, example: string): string | undefined => {
    const raw = text(key)
    if (raw !== undefined && !pattern.test(raw)) problems.push(`${key} must look like ${example}`)
    return raw
  }

  const architecture = (text('architecture') ?? 'x86_64') as Architecture
  if (!(architecture in DEFAULT_INSTANCE_TYPE)) problems.push('architecture must be x86_64 or arm64')
  const instanceType = matching('instanceType', INSTANCE_TYPE, 't3.small') ?? DEFAULT_INSTANCE_TYPE[architecture] ?? ''

  const minInstances = integer('minInstances', 2, 0, 100)
  const maxInstances = integer('maxInstances', 6, 1, 100)
  if (maxInstances < minInstances) problems.push('maxInstances must be at least minInstances')
  const minTasks = integer('minTasks', 2, 1, 1000)
  const maxTasks = integer('maxTasks', 10, 1, 1000)
  if (maxTasks < minTasks) problems.push('maxTasks must be at least minTasks')

  const logRetentionDays = integer('logRetentionDays', 30, 1, 3653)
  if (!RETENTION_DAYS.includes(logRetentionDays))
    problems.push(`logRetentionDays must be one of ${RETENTION_DAYS.join(', ')}`)
  const logLevel = text('logLevel')?.toLowerCase() ?? 'info'
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`logLevel must be one of ${LOG_LEVELS.join(', ')}`)

  const settings: Settings = {
    region: matching('region', REGION, 'ap-northeast-2') ?? '',
    architecture,
    instanceType,
    minInstances,
    maxInstances,
    minTasks,
    maxTasks,
    taskCpu: integer('taskCpu', 256, 128, 10240),
    taskMemoryMiB: integer('taskMemoryMiB', 256, 128, 30720),
    natGateways: integer('natGateways', 1, 0, 3),
    userPoolDeletionProtection: flag('userPoolDeletionProtection', true),
    refreshTokenRotation: flag('refreshTokenRotation', true),
    // Cognito's range (RefreshTokenRotationType). Within a task the service coalesces concurrent
    // refreshes itself; the grace period covers two tasks refreshing one token, and client retries.
    refreshTokenGraceSeconds: integer('refreshTokenGraceSeconds', REFRESH_TOKEN_GRACE_SECONDS, 0, 60),
    sessionTracking: flag('sessionTracking', true),
    logRetentionDays,
    logLevel,
    swaggerEnabled: flag('swaggerEnabled', false),
    // The service accepts 0..120000 ms; ECS waits at most 120 s after SIGTERM on EC2.
    shutdownTimeoutMs: integer('shutdownTimeoutMs', 10_000, 1000, 110_000),
    // WAF's lowest rate limit is 10 per evaluation window.
    authRateLimit: integer('authRateLimit', 100, 10, 2_000_000_000),
    globalRateLimit: integer('globalRateLimit', 2000, 10, 2_000_000_000),
  }
  const certificateArn = matching('certificateArn', CERTIFICATE_ARN, 'arn:aws:acm:<region>:<account>:certificate/<id>')
  if (certificateArn !== undefined) settings.certificateArn = certificateArn
  const vpcId = matching('vpcId', VPC_ID, 'vpc-0123456789abcdef0')
  if (vpcId !== undefined) settings.vpcId = vpcId

  if (settings.region === '') problems.push('region is required')
  if (problems.length > 0) throw new SettingsError(problems)
  return settings
}
