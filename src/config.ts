// The only module that reads the environment. Everything else receives a typed Config.
// It imports nothing of src/ but its own parts (src/config/): the types and constants its Config is
// made of (the rate limits' among them) live here, and the modules that use them import them from here.
import { type BreachedPasswordConfig, PWNED_PASSWORDS_API } from './config/breached-passwords.ts'
import type { CognitoConfig } from './config/cognito.ts'
import { type StoreConfig, storeConfig } from './config/store.ts'

export type { BreachedPasswordConfig, CognitoConfig, StoreConfig }
export { PWNED_PASSWORDS_API }

/** `limit` requests per `windowSeconds`, refilled continuously (a token bucket of `limit` tokens). */
export interface RateLimit {
  limit: number
  windowSeconds: number
}

/** The rate limits' groups (http/limits.ts); a route names the one it counts against in its options. */
export const RATE_GROUPS = ['signin', 'signup', 'email', 'verify'] as const
export type RateGroup = (typeof RATE_GROUPS)[number]

export interface RateLimitConfig {
  enabled: boolean
  /** Every request to the group's routes, per client IP (network). */
  perIp: Record<RateGroup, RateLimit>
  /**
   * Per account: every request to the groups that send mail (signup, email); failures only for the
   * others, one budget per flow (src/policies/rate-limits.ts): `signin` sizes the password budget,
   * `verify` the code budgets.
   */
  perAccount: Record<RateGroup, RateLimit>
  /** IPv6 clients are counted per network of this prefix length (bits, 1-128; 128: per address). */
  ipv6PrefixBits: number
}

/** How many leading bits of an IPv6 address name one client by default: a /64 is what one home or server is given (RFC 6177). */
export const DEFAULT_IPV6_PREFIX_BITS = 64

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

/**
 * The breached-password check (passwords/breached-passwords.ts): Have I Been Pwned's Pwned Passwords
 * range API (https://haveibeenpwned.com/API/v3#SearchingPwnedPasswordsByRange), or a mirror of it.
 */
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
  rateLimits: RateLimitConfig
  /** Browser origins allowed to call the API (CORS); empty: none. */
  corsOrigins: string[]
  /** Sign-up for an existing email answers like a fresh sign-up (no account enumeration). */
  signupEnumerationSafe: boolean
  /** How old a sign-in may be (seconds since the token's auth_time) for a sensitive change. */
  recentSignInSeconds: number
  /** Port of the Prometheus `/metrics` endpoint (never the API's port); undefined: no metrics. */
  metricsPort?: number
  /** HMAC key for the email hash in auth events; undefined: events carry no email hash. */
  eventEmailKey?: string
  /** The token check's own per-IP limit (/token/verify); undefined: no limit. */
  tokenCheckRateLimit?: RateLimit
  /** A second port that serves only the token check (for callers inside the VPC); undefined: none. */
  tokenCheckPort?: number
  /** How long the token check remembers a good signature (seconds); undefined: not at all. */
  tokenCheckCacheSeconds?: number
  breachedPasswords: BreachedPasswordConfig
  /** The shared state store (Redis or Valkey); undefined: every task keeps its state in its own memory. */
  store?: StoreConfig
}

export type TokenCheckSettings = 'tokenCheckRateLimit' | 'tokenCheckCacheSeconds'

export type Env = Readonly<Record<string, string | undefined>>

/** The listening port when PORT is unset (the image EXPOSEs it; the health check assumes it too). */
export const DEFAULT_PORT = 8080

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
// aws-jwt-verify's own test of a pool id's region part (CognitoJwtVerifier.USER_POOL_ID_REGEX).
const AWS_POOL_REGION = /^(?:eusc-[a-z]{2}|[a-z]{2})-(?:gov-)?[a-z]+-\d$/
const REGION = /^[a-z0-9-]{1,32}$/
const CLIENT_ID = /^[\w+]+$/
const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error']
const RATE = /^(\d{1,6})\/(\d{1,5})([smh])$/
// The token check is called by proxies, which send every user's check from their own address: its
// limit per address is far above any person's, and still bounds what one address on the internet
// can ask of it.
const DEFAULT_TOKEN_CHECK_RATE_LIMIT = '20000/1s'
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const

// Per client IP about 30 per 5 minutes on every group (Supabase Auth's defaults for sign-in,
// sign-up, verification and email sending); per account tighter where a single account is the
// target: guessing its password or its 6-digit code (failures), or flooding its inbox (requests).
const DEFAULT_RATE_LIMITS: Record<'perIp' | 'perAccount', Record<RateGroup, string>> = {
  perIp: { signin: '30/5m', signup: '30/5m', email: '30/5m', verify: '30/5m' },
  perAccount: { signin: '10/5m', signup: '5/1h', email: '5/1h', verify: '10/5m' },
}

export function parseConfig(env: Env): Config {
  const problems: string[] = []
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim()
    return value === '' ? undefined : value
  }
  const trimmedUrl = (name: string): string | undefined => {
    const value = read(name)?.replace(/\/+$/, '')
    if (value !== undefined && !isHttpUrl(value)) problems.push(`${name} must be an http(s) URL`)
    return value
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

  const port = integer('PORT', DEFAULT_PORT, 0, 65535)

  const userPoolId = read('COGNITO_USER_POOL_ID')
  const poolMatch = userPoolId === undefined ? null : USER_POOL_ID.exec(userPoolId)
  if (userPoolId === undefined) problems.push('COGNITO_USER_POOL_ID is required')
  else if (!poolMatch) problems.push('COGNITO_USER_POOL_ID must look like <region>_<id>, e.g. ap-northeast-2_AbC123')

  const clientId = read('COGNITO_CLIENT_ID')
  if (clientId === undefined) problems.push('COGNITO_CLIENT_ID is required')
  else if (!CLIENT_ID.test(clientId) || clientId.length > 128)
    problems.push('COGNITO_CLIENT_ID is not a valid app client id')

  const region = read('AWS_REGION') ?? read('AWS_DEFAULT_REGION') ?? poolMatch?.[1]
  if (region !== undefined && !REGION.test(region)) problems.push('AWS_REGION must look like ap-northeast-2')

  const endpoint = trimmedUrl('COGNITO_ENDPOINT')

  // A pool's tokens name `https://cognito-idp.<region>.amazonaws.com/<pool id>` as issuer, and their
  // keys are served under it at /.well-known/jwks.json (Cognito developer guide, "Verifying a JSON
  // web token"). Behind COGNITO_ENDPOINT both live under that endpoint instead, as AWS's own
  // endpoint and the emulators (cognito-local) do; COGNITO_ISSUER and COGNITO_JWKS_URI cover the
  // rest (moto's tokens, for one, name AWS's issuer while its keys are on the emulator).
  const customIssuer = trimmedUrl('COGNITO_ISSUER')
  const customJwksUri = trimmedUrl('COGNITO_JWKS_URI')
  const awsIssuer = `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`
  const endpointPool = endpoint === undefined ? undefined : `${endpoint}/${userPoolId}`
  const issuer = customIssuer ?? endpointPool ?? awsIssuer
  const jwksUri = customJwksUri ?? `${endpointPool ?? issuer}/.well-known/jwks.json`
  if (issuer === awsIssuer && poolMatch && !AWS_POOL_REGION.test(poolMatch[1]!)) {
    problems.push(
      'COGNITO_USER_POOL_ID must start with an AWS region (e.g. ap-northeast-2_AbC123), or set COGNITO_ENDPOINT (or COGNITO_ISSUER) for an emulator',
    )
  }

  const logLevel = (read('LOG_LEVEL')?.toLowerCase() ?? 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`)

  const timeoutMs = integer('COGNITO_TIMEOUT_MS', 8000, 100, 55_000)
  const connectTimeoutMs = integer('COGNITO_CONNECT_TIMEOUT_MS', 3000, 50, 55_000)
  // One ECS task's core carries about 250 calls in flight at Cognito's ~50 ms (docs/performance.md,
  // "Connections to Cognito"); the queue absorbs a burst of about four times that.
  const maxConcurrency = integer('COGNITO_MAX_CONCURRENCY', 256, 1, 4096)
  const queueLimit = integer('COGNITO_QUEUE_LIMIT', 1024, 0, 100_000)
  const shutdownTimeoutMs = integer('SHUTDOWN_TIMEOUT_MS', 10_000, 0, 120_000)
  const trustProxy = flag('TRUST_PROXY', false)
  const swaggerEnabled = flag('SWAGGER_ENABLED', true)
  const signupEnumerationSafe = flag('SIGNUP_ENUMERATION_SAFE', false)
  // Ten minutes: long enough to finish a settings page after signing in, short against a stolen session.
  const recentSignInSeconds = integer('RECENT_SIGN_IN_SECONDS', 600, 30, 86_400)
  const refreshTokenRotation = flag('COGNITO_REFRESH_TOKEN_ROTATION', false)
  const authSessionMinutes = integer('COGNITO_AUTH_SESSION_MINUTES', 3, 3, 15)
  const passkeyRpId = read('PASSKEY_RP_ID')
  const userVerification = read('PASSKEY_USER_VERIFICATION') ?? 'preferred'
  if (userVerification !== 'required' && userVerification !== 'preferred')
    problems.push('PASSKEY_USER_VERIFICATION must be required or preferred')

  const metricsPort = read('METRICS_PORT') === undefined ? undefined : integer('METRICS_PORT', 0, 0, 65535)
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port)
    problems.push('METRICS_PORT must differ from PORT: metrics are never served on the API port')
  // Short keys make the hash guessable from a list of emails; 32 characters is 128+ bits of a random key.
  const eventEmailKey = read('AUTH_EVENT_EMAIL_KEY')
  if (eventEmailKey !== undefined && eventEmailKey.length < 32)
    problems.push('AUTH_EVENT_EMAIL_KEY must be at least 32 characters (a random key)')

  const tokenCheckPort = read('TOKEN_CHECK_PORT') === undefined ? undefined : integer('TOKEN_CHECK_PORT', 0, 0, 65535)
  if (tokenCheckPort && (tokenCheckPort === port || tokenCheckPort === metricsPort))
    problems.push('TOKEN_CHECK_PORT must differ from PORT and METRICS_PORT')
  // One second: the API answers from a CDN in tens of milliseconds; a sign-in waits for it at most this long.
  const breachedPasswords: BreachedPasswordConfig = {
    enabled: flag('BREACHED_PASSWORD_CHECK', true),
    baseUrl: trimmedUrl('BREACHED_PASSWORD_API_URL') ?? PWNED_PASSWORDS_API,
    timeoutMs: integer('BREACHED_PASSWORD_TIMEOUT_MS', 1000, 50, 10_000),
    failClosed: flag('BREACHED_PASSWORD_FAIL_CLOSED', false),
  }

  const rate = (name: string, fallback: string): RateLimit => {
    const match = RATE.exec(read(name) ?? fallback)
    const limit = Number(match?.[1])
    if (!match || limit < 1) {
      problems.push(`${name} must look like 30/5m (requests per s, m or h)`)
      return { limit: 1, windowSeconds: 1 }
    }
    return { limit, windowSeconds: Number(match[2]) * UNIT_SECONDS[match[3] as keyof typeof UNIT_SECONDS] }
  }
  const rates = (kind: 'perIp' | 'perAccount', suffix: string) =>
    Object.fromEntries(
      RATE_GROUPS.map((group) => [
        group,
        rate(`RATE_LIMIT_${group.toUpperCase()}_${suffix}`, DEFAULT_RATE_LIMITS[kind][group]),
      ]),
    ) as Record<RateGroup, RateLimit>
  const rateLimits: RateLimitConfig = {
    enabled: flag('RATE_LIMITS_ENABLED', true),
    perIp: rates('perIp', 'PER_IP'),
    perAccount: rates('perAccount', 'PER_ACCOUNT'),
    ipv6PrefixBits: integer('RATE_LIMIT_IPV6_PREFIX', DEFAULT_IPV6_PREFIX_BITS, 1, 128),
  }

  const tokenCheckCacheSeconds = integer('TOKEN_CHECK_CACHE_SECONDS', 0, 0, 300)
  const tokenCheckRateLimit = // 0: off
    read('TOKEN_CHECK_RATE_LIMIT') === '0' ? undefined : rate('TOKEN_CHECK_RATE_LIMIT', DEFAULT_TOKEN_CHECK_RATE_LIMIT)
  const store = storeConfig(read, integer, flag, problems)

  const corsOrigins = (read('CORS_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '')
  for (const origin of corsOrigins) {
    if (!isOrigin(origin))
      problems.push(`CORS_ORIGINS entries must be origins like https://app.example.com (no *, no path), not ${origin}`)
  }

  const clientSecret = read('COGNITO_CLIENT_SECRET')
  const previousClientSecret = read('COGNITO_CLIENT_SECRET_PREVIOUS')
  if (previousClientSecret !== undefined && clientSecret === undefined)
    problems.push('COGNITO_CLIENT_SECRET_PREVIOUS needs COGNITO_CLIENT_SECRET (the current secret)')
  if (problems.length > 0) throw new ConfigError(problems)

  return {
    port,
    cognito: {
      userPoolId: userPoolId!,
      clientId: clientId!,
      ...(clientSecret === undefined ? {} : { clientSecret }),
      ...(previousClientSecret === undefined ? {} : { previousClientSecret }),
      region: region!,
      ...(endpoint === undefined ? {} : { endpoint }),
      issuer,
      jwksUri,
      timeoutMs,
      connectTimeoutMs,
      maxConcurrency,
      queueLimit,
      refreshTokenRotation,
      authSessionValiditySeconds: authSessionMinutes * 60,
      ...(passkeyRpId && {
        passkeyRelyingParty: { rpId: passkeyRpId, userVerification: userVerification as 'required' | 'preferred' },
      }),
    },
    logLevel,
    trustProxy,
    shutdownTimeoutMs,
    swaggerEnabled,
    rateLimits,
    corsOrigins,
    signupEnumerationSafe,
    recentSignInSeconds,
    ...(metricsPort === undefined ? {} : { metricsPort }),
    ...(eventEmailKey === undefined ? {} : { eventEmailKey }),
    ...(tokenCheckRateLimit === undefined ? {} : { tokenCheckRateLimit }),
    ...(tokenCheckPort === undefined ? {} : { tokenCheckPort }),
    ...(tokenCheckCacheSeconds === 0 ? {} : { tokenCheckCacheSeconds }),
    breachedPasswords,
    ...(store === undefined ? {} : { store }),
  }
}

function isOrigin(value: string): boolean {
  return isHttpUrl(value) && new URL(value).origin === value
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}
