import { describe, expect, test } from 'bun:test'
import { ConfigError, parseConfig } from '../../src/config.ts'

const BASE = { COGNITO_USER_POOL_ID: 'ap-northeast-2_AbC123xyz', COGNITO_CLIENT_ID: '7rlsexxmqy81in032jb8lmyp5' }

const problemsOf = (env: Record<string, string>) => {
  try {
    parseConfig(env)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

describe('config', () => {
  test('defaults', () => {
    const config = parseConfig(BASE)
    expect(config.port).toBe(8080)
    expect(config.cognito.region).toBe('ap-northeast-2')
    expect(config.cognito.clientSecret).toBeUndefined()
    expect(config.cognito.endpoint).toBeUndefined()
    expect(config.cognito.issuer).toBe('https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_AbC123xyz')
    expect(config.cognito.jwksUri).toBe(
      'https://cognito-idp.ap-northeast-2.amazonaws.com/ap-northeast-2_AbC123xyz/.well-known/jwks.json',
    )
    expect(config.cognito.timeoutMs).toBe(8000)
    expect(config.cognito.connectTimeoutMs).toBe(3000)
    expect(config.cognito.refreshTokenRotation).toBe(false)
    expect(config.logLevel).toBe('info')
    expect(config.trustProxy).toBe(false)
    expect(config.shutdownTimeoutMs).toBe(10_000)
    expect(config.swaggerEnabled).toBe(true)
    expect(config.recentSignInSeconds).toBe(600)
    expect(config.corsOrigins).toEqual([])
    expect(config.signupEnumerationSafe).toBe(false)
    expect(config.rateLimits.enabled).toBe(true)
    expect(config.rateLimits.perIp.signin).toEqual({ limit: 30, windowSeconds: 300 })
    expect(config.rateLimits.perAccount.email).toEqual({ limit: 5, windowSeconds: 3600 })
    expect(config.rateLimits.ipv6PrefixBits).toBe(64)
  })

  test('region comes from the user pool id unless AWS_REGION says otherwise', () => {
    expect(parseConfig({ ...BASE, COGNITO_USER_POOL_ID: 'us-east-1_Zz9' }).cognito.region).toBe('us-east-1')
    expect(parseConfig({ ...BASE, AWS_REGION: 'eu-west-1' }).cognito.region).toBe('eu-west-1')
  })

  test("an emulator's pool id (not an AWS region) is accepted with its own issuer", () => {
    const env = { ...BASE, COGNITO_USER_POOL_ID: 'local_AbC123', COGNITO_ISSUER: 'http://127.0.0.1:9229/local_AbC123' }
    expect(parseConfig(env).cognito.issuer).toBe('http://127.0.0.1:9229/local_AbC123')
  })

  test('behind COGNITO_ENDPOINT the issuer defaults to <endpoint>/<pool id>, as AWS and cognito-local name it', () => {
    const { cognito } = parseConfig({
      ...BASE,
      COGNITO_USER_POOL_ID: 'local_AbC123',
      COGNITO_ENDPOINT: 'http://127.0.0.1:9229/',
    })
    expect(cognito.issuer).toBe('http://127.0.0.1:9229/local_AbC123')
    expect(cognito.jwksUri).toBe('http://127.0.0.1:9229/local_AbC123/.well-known/jwks.json')
  })

  test("behind COGNITO_ENDPOINT the keys come from the endpoint whatever the issuer (moto's tokens name AWS's)", () => {
    const awsIssuer = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123'
    const env = {
      ...BASE,
      COGNITO_USER_POOL_ID: 'us-east-1_AbC123',
      COGNITO_ENDPOINT: 'http://127.0.0.1:5000',
      COGNITO_ISSUER: awsIssuer,
    }
    expect(parseConfig(env).cognito).toMatchObject({
      issuer: awsIssuer,
      jwksUri: 'http://127.0.0.1:5000/us-east-1_AbC123/.well-known/jwks.json',
    })
    const pinned = parseConfig({ ...env, COGNITO_JWKS_URI: 'http://127.0.0.1:5000/keys.json' }).cognito
    expect(pinned.jwksUri).toBe('http://127.0.0.1:5000/keys.json')
    expect(() => parseConfig({ ...env, COGNITO_JWKS_URI: 'file:///etc/keys' })).toThrow(
      /COGNITO_JWKS_URI must be an http\(s\) URL/,
    )
  })

  test('every setting is read', () => {
    const config = parseConfig({
      ...BASE,
      PORT: '9000',
      COGNITO_CLIENT_SECRET: 's3cr3t',
      COGNITO_ENDPOINT: 'http://127.0.0.1:9229',
      COGNITO_ISSUER: 'http://127.0.0.1:9229/local_abc/',
      LOG_LEVEL: 'DEBUG',
      TRUST_PROXY: 'true',
      COGNITO_TIMEOUT_MS: '2000',
      COGNITO_CONNECT_TIMEOUT_MS: '500',
      COGNITO_MAX_CONCURRENCY: '64',
      COGNITO_QUEUE_LIMIT: '0',
      SHUTDOWN_TIMEOUT_MS: '0',
      SWAGGER_ENABLED: 'false',
      RATE_LIMITS_ENABLED: 'false',
      RATE_LIMIT_SIGNIN_PER_IP: '100/30s',
      RATE_LIMIT_SIGNIN_PER_ACCOUNT: '3/1m',
      RATE_LIMIT_SIGNUP_PER_IP: '1/1h',
      RATE_LIMIT_SIGNUP_PER_ACCOUNT: '2/1h',
      RATE_LIMIT_EMAIL_PER_IP: '4/2m',
      RATE_LIMIT_EMAIL_PER_ACCOUNT: '5/3m',
      RATE_LIMIT_VERIFY_PER_IP: '6/4m',
      RATE_LIMIT_VERIFY_PER_ACCOUNT: '7/5s',
      RATE_LIMIT_IPV6_PREFIX: '56',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:3000',
      SIGNUP_ENUMERATION_SAFE: 'true',
      RECENT_SIGN_IN_SECONDS: '300',
      COGNITO_REFRESH_TOKEN_ROTATION: 'true',
      TOKEN_CHECK_RATE_LIMIT: '5000/1s',
      TOKEN_CHECK_PORT: '9001',
      TOKEN_CHECK_CACHE_SECONDS: '30',
      BREACHED_PASSWORD_CHECK: 'true',
      BREACHED_PASSWORD_API_URL: 'http://127.0.0.1:8787/',
      BREACHED_PASSWORD_TIMEOUT_MS: '250',
      BREACHED_PASSWORD_FAIL_CLOSED: 'true',
      COGNITO_AUTH_SESSION_MINUTES: '5',
    })
    expect(config).toEqual({
      port: 9000,
      cognito: {
        userPoolId: BASE.COGNITO_USER_POOL_ID,
        clientId: BASE.COGNITO_CLIENT_ID,
        clientSecret: 's3cr3t',
        region: 'ap-northeast-2',
        endpoint: 'http://127.0.0.1:9229',
        issuer: 'http://127.0.0.1:9229/local_abc',
        jwksUri: 'http://127.0.0.1:9229/ap-northeast-2_AbC123xyz/.well-known/jwks.json',
        timeoutMs: 2000,
        connectTimeoutMs: 500,
        maxConcurrency: 64,
        queueLimit: 0,
        refreshTokenRotation: true,
        authSessionValiditySeconds: 300,
      },
      logLevel: 'debug',
      trustProxy: true,
      shutdownTimeoutMs: 0,
      swaggerEnabled: false,
      rateLimits: {
        enabled: false,
        perIp: {
          signin: { limit: 100, windowSeconds: 30 },
          signup: { limit: 1, windowSeconds: 3600 },
          email: { limit: 4, windowSeconds: 120 },
          verify: { limit: 6, windowSeconds: 240 },
        },
        perAccount: {
          signin: { limit: 3, windowSeconds: 60 },
          signup: { limit: 2, windowSeconds: 3600 },
          email: { limit: 5, windowSeconds: 180 },
          verify: { limit: 7, windowSeconds: 5 },
        },
        ipv6PrefixBits: 56,
      },
      corsOrigins: ['https://app.example.com', 'http://localhost:3000'],
      signupEnumerationSafe: true,
      recentSignInSeconds: 300,
      tokenCheckRateLimit: { limit: 5000, windowSeconds: 1 },
      tokenCheckPort: 9001,
      tokenCheckCacheSeconds: 30,
      breachedPasswords: { enabled: true, baseUrl: 'http://127.0.0.1:8787', timeoutMs: 250, failClosed: true },
    })
  })

  test('the token check: its own limit by default (thousands a second per address), 0 turns it off; its own port differs', () => {
    const defaults = parseConfig(BASE)
    expect(defaults.tokenCheckRateLimit).toEqual({ limit: 20_000, windowSeconds: 1 })
    expect(defaults.tokenCheckPort).toBeUndefined()
    expect(defaults.tokenCheckCacheSeconds).toBeUndefined()
    expect(parseConfig({ ...BASE, TOKEN_CHECK_RATE_LIMIT: '0' }).tokenCheckRateLimit).toBeUndefined()
    expect(problemsOf({ ...BASE, TOKEN_CHECK_RATE_LIMIT: 'lots' })).toEqual([
      'TOKEN_CHECK_RATE_LIMIT must look like 30/5m (requests per s, m or h)',
    ])
    expect(problemsOf({ ...BASE, PORT: '9000', TOKEN_CHECK_PORT: '9000' })).toEqual([
      'TOKEN_CHECK_PORT must differ from PORT and METRICS_PORT',
    ])
  })

  test('the breached-password check is on by default, against Have I Been Pwned, failing open', () => {
    expect(parseConfig(BASE).breachedPasswords).toEqual({
      enabled: true,
      baseUrl: 'https://api.pwnedpasswords.com',
      timeoutMs: 1000,
      failClosed: false,
    })
    expect(parseConfig({ ...BASE, BREACHED_PASSWORD_CHECK: 'false' }).breachedPasswords.enabled).toBe(false)
    expect(problemsOf({ BREACHED_PASSWORD_API_URL: 'file:///etc/passwd' })).toContain(
      'BREACHED_PASSWORD_API_URL must be an http(s) URL',
    )
    expect(problemsOf({ BREACHED_PASSWORD_TIMEOUT_MS: '10' })).toContain(
      'BREACHED_PASSWORD_TIMEOUT_MS must be an integer from 50 to 10000',
    )
  })

  test('the passkey relying party and the challenge session validity', () => {
    const config = parseConfig({ ...BASE, PASSKEY_RP_ID: 'example.com', PASSKEY_USER_VERIFICATION: 'required' })
    expect(config.cognito.passkeyRelyingParty).toEqual({ rpId: 'example.com', userVerification: 'required' })
    expect(config.cognito.authSessionValiditySeconds).toBe(180)
    expect(parseConfig({ ...BASE, PASSKEY_RP_ID: 'example.com' }).cognito.passkeyRelyingParty?.userVerification).toBe(
      'preferred',
    )
    expect(parseConfig(BASE).cognito.passkeyRelyingParty).toBeUndefined()
    expect(() => parseConfig({ ...BASE, PASSKEY_USER_VERIFICATION: 'sometimes' })).toThrow(
      'PASSKEY_USER_VERIFICATION must be required or preferred',
    )
    expect(() => parseConfig({ ...BASE, COGNITO_AUTH_SESSION_MINUTES: '2' })).toThrow(
      'COGNITO_AUTH_SESSION_MINUTES must be an integer from 3 to 15',
    )
  })

  test('the bound on calls to Cognito: 256 in flight and 1024 waiting by default, each checked', () => {
    const { maxConcurrency, queueLimit } = parseConfig(BASE).cognito
    expect({ maxConcurrency, queueLimit }).toEqual({ maxConcurrency: 256, queueLimit: 1024 })
    expect(problemsOf({ COGNITO_MAX_CONCURRENCY: '0', COGNITO_QUEUE_LIMIT: 'many' })).toEqual(
      expect.arrayContaining([
        'COGNITO_MAX_CONCURRENCY must be an integer from 1 to 4096',
        'COGNITO_QUEUE_LIMIT must be an integer from 0 to 100000',
      ]),
    )
  })

  test('an empty secret means a public client', () => {
    expect(parseConfig({ ...BASE, COGNITO_CLIENT_SECRET: '' }).cognito.clientSecret).toBeUndefined()
  })

  test('a previous secret (a rotation under way) only beside a current one', () => {
    const rotating = parseConfig({ ...BASE, COGNITO_CLIENT_SECRET: 'new', COGNITO_CLIENT_SECRET_PREVIOUS: 'old' })
    expect(rotating.cognito).toMatchObject({ clientSecret: 'new', previousClientSecret: 'old' })
    expect(problemsOf({ ...BASE, COGNITO_CLIENT_SECRET_PREVIOUS: 'old' })).toEqual([
      'COGNITO_CLIENT_SECRET_PREVIOUS needs COGNITO_CLIENT_SECRET (the current secret)',
    ])
  })

  test('every problem is named at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      COGNITO_ENDPOINT: 'ftp://x',
      TRUST_PROXY: 'maybe',
      COGNITO_TIMEOUT_MS: '-1',
    })
    expect(problems).toHaveLength(7)
    for (const name of [
      'PORT',
      'COGNITO_USER_POOL_ID',
      'COGNITO_CLIENT_ID',
      'LOG_LEVEL',
      'COGNITO_ENDPOINT',
      'TRUST_PROXY',
      'COGNITO_TIMEOUT_MS',
    ]) {
      expect(problems.some((p) => p.startsWith(name))).toBe(true)
    }
  })

  test.each([
    [{ ...BASE, COGNITO_USER_POOL_ID: 'no-underscore' }, 'COGNITO_USER_POOL_ID'],
    // AWS's issuer, so aws-jwt-verify's Cognito verifier, which refuses a non-region prefix.
    [{ ...BASE, COGNITO_USER_POOL_ID: 'local_AbC123' }, 'COGNITO_USER_POOL_ID'],
    [
      {
        ...BASE,
        COGNITO_USER_POOL_ID: 'local_AbC123',
        AWS_REGION: 'us-east-1',
        COGNITO_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/local_AbC123',
      },
      'COGNITO_USER_POOL_ID',
    ],
    [{ ...BASE, COGNITO_CLIENT_ID: 'has space' }, 'COGNITO_CLIENT_ID'],
    [{ ...BASE, PORT: '70000' }, 'PORT'],
    [{ ...BASE, PORT: '80.5' }, 'PORT'],
    [{ ...BASE, AWS_REGION: 'Not A Region' }, 'AWS_REGION'],
    [{ ...BASE, RATE_LIMIT_SIGNIN_PER_IP: '30' }, 'RATE_LIMIT_SIGNIN_PER_IP'],
    [{ ...BASE, RATE_LIMIT_VERIFY_PER_ACCOUNT: '0/5m' }, 'RATE_LIMIT_VERIFY_PER_ACCOUNT'],
    [{ ...BASE, RATE_LIMIT_EMAIL_PER_IP: '5/5d' }, 'RATE_LIMIT_EMAIL_PER_IP'],
    [{ ...BASE, RATE_LIMITS_ENABLED: 'sometimes' }, 'RATE_LIMITS_ENABLED'],
    [{ ...BASE, RATE_LIMIT_IPV6_PREFIX: '129' }, 'RATE_LIMIT_IPV6_PREFIX'],
    [{ ...BASE, RATE_LIMIT_IPV6_PREFIX: '/64' }, 'RATE_LIMIT_IPV6_PREFIX'],
    [{ ...BASE, CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
    [{ ...BASE, CORS_ORIGINS: 'https://app.example.com/' }, 'CORS_ORIGINS'],
    [{ ...BASE, CORS_ORIGINS: 'https://ok.example.com,app.example.com' }, 'CORS_ORIGINS'],
    [{ ...BASE, SIGNUP_ENUMERATION_SAFE: 'yes' }, 'SIGNUP_ENUMERATION_SAFE'],
  ])('%p is rejected naming %s', (env, name) => {
    const problems = problemsOf(env)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toStartWith(name)
  })

  test('the error message never contains the client secret', () => {
    try {
      parseConfig({ COGNITO_CLIENT_SECRET: 'do-not-print-me', PORT: 'x' })
      throw new Error('expected a ConfigError')
    } catch (error) {
      expect((error as Error).message).not.toContain('do-not-print-me')
    }
  })
})
