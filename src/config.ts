// The only module that reads the environment. Everything else receives a typed Config.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface CognitoConfig {
  userPoolId: string
  clientId: string
  /** Absent for a public app client: then no SECRET_HASH is sent. */
  clientSecret?: string
  region: string
  /** Base URL override (a local emulator, a VPC endpoint). */
  endpoint?: string
  /** The `iss` of the pool's tokens; its /.well-known/jwks.json holds their keys. */
  issuer: string
  /** True when `issuer` is Cognito's own (then the stricter Cognito verifier applies). */
  awsIssuer: boolean
  /** Overall deadline for one Cognito call, retries included. */
  timeoutMs: number
  /** TCP connect timeout for one attempt. */
  connectTimeoutMs: number
}

export interface Config {
  port: number
  cognito: CognitoConfig
  logLevel: LogLevel
  /** Take the client IP from the right-most X-Forwarded-For entry (set behind an ALB). */
  trustProxy: boolean
  /** How long SIGTERM waits for in-flight requests before closing connections. */
  shutdownTimeoutMs: number
  /** Serve Swagger UI at /swagger and the OpenAPI document at /swagger/json. */
  swaggerEnabled: boolean
}

export type Env = Readonly<Record<string, string | undefined>>

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`)
    this.name = 'ConfigError'
  }
}

/** A snapshot of the process environment: the one place process.env is read. */
export const processEnv = (): Env => ({ ...process.env })

// Region prefix of a user pool id, e.g. "ap-northeast-2_AbC123" -> "ap-northeast-2" (the local
// emulator's pools are "local_…").
const USER_POOL_ID = /^([a-z0-9-]{1,32})_[0-9A-Za-z]{1,32}$/
const REGION = /^[a-z0-9-]{1,32}$/
const CLIENT_ID = /^[\w+]+$/
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']

export function parseConfig(env: Env): Config {
  const problems: string[] = []
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim()
    return value === '' ? undefined : value
  }
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name)
    if (raw === undefined) return fallback
    const value = Number(raw)
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}`)
      return fallback
    }
    return value
  }
  const flag = (name: string, fallback: boolean): boolean => {
    const raw = read(name)?.toLowerCase()
    if (raw === undefined) return fallback
    if (raw === 'false' || raw === '0') return false
    if (raw === 'true' || raw === '1') return true
    problems.push(`${name} must be true or false`)
    return fallback
  }

  const port = integer('PORT', 8080, 0, 65535)

  const userPoolId = read('COGNITO_USER_POOL_ID')
  const poolMatch = userPoolId === undefined ? null : USER_POOL_ID.exec(userPoolId)
  if (userPoolId === undefined) problems.push('COGNITO_USER_POOL_ID is required')
  else if (!poolMatch) problems.push('COGNITO_USER_POOL_ID must look like <region>_<id>, e.g. ap-northeast-2_AbC123')

  const clientId = read('COGNITO_CLIENT_ID')
  if (clientId === undefined) problems.push('COGNITO_CLIENT_ID is required')
  else if (!CLIENT_ID.test(clientId) || clientId.length > 128) problems.push('COGNITO_CLIENT_ID is not a valid app client id')

  const region = read('AWS_REGION') ?? read('AWS_DEFAULT_REGION') ?? poolMatch?.[1]
  if (region !== undefined && !REGION.test(region)) problems.push('AWS_REGION must look like ap-northeast-2')

  const endpoint = read('COGNITO_ENDPOINT')
  if (endpoint !== undefined && !isHttpUrl(endpoint)) problems.push('COGNITO_ENDPOINT must be an http(s) URL')

  const customIssuer = read('COGNITO_ISSUER')?.replace(/\/+$/, '')
  if (customIssuer !== undefined && !isHttpUrl(customIssuer)) problems.push('COGNITO_ISSUER must be an http(s) URL')

  const logLevel = (read('LOG_LEVEL')?.toLowerCase() ?? 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`)

  const timeoutMs = integer('COGNITO_TIMEOUT_MS', 8000, 100, 55_000)
  const connectTimeoutMs = integer('COGNITO_CONNECT_TIMEOUT_MS', 3000, 50, 55_000)
  const shutdownTimeoutMs = integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 120_000)
  const trustProxy = flag('TRUST_PROXY', false)
  const swaggerEnabled = flag('SWAGGER_ENABLED', true)

  if (problems.length > 0) throw new ConfigError(problems)

  const clientSecret = read('COGNITO_CLIENT_SECRET')
  const awsIssuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`
  return {
    port,
    cognito: {
      userPoolId: userPoolId!,
      clientId: clientId!,
      ...(clientSecret === undefined ? {} : { clientSecret }),
      region: region!,
      ...(endpoint === undefined ? {} : { endpoint }),
      issuer: customIssuer ?? awsIssuer,
      awsIssuer: customIssuer === undefined || customIssuer === awsIssuer,
      timeoutMs,
      connectTimeoutMs,
    },
    logLevel,
    trustProxy,
    shutdownTimeoutMs,
    swaggerEnabled,
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}
