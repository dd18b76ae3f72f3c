import { describe, expect, test } from 'bun:test'
import { RATE_GROUPS, type RateGroup, type RateLimit, type RateLimitConfig } from '../../src/config.ts'
import { ProblemError } from '../../src/http/problem.ts'
import type { RateLimitKeyKind } from '../../src/http/limits.ts'
import { createRequestLimits, DEVICE_TOKEN_HEADER, deviceTokenFor } from '../../src/policies/rate-limits.ts'
import { indexRoutes } from '../../src/policies/route-index.ts'
import { createStateKeys } from '../../src/state/keyed-hash.ts'

const declared = indexRoutes(
  (
    [
      ['/signin', 'signin', 'password'],
      ['/signin/challenge', 'signin', 'password'],
      ['/signin/mfa-setup/verify', 'signin', 'code'],
      ['/signup', 'signup', undefined],
      ['/signup/confirm', 'verify', 'confirm'],
      ['/password/reset', 'verify', 'reset'],
      ['/password/forgot', 'email', undefined],
    ] as const
  ).map(([path, rateGroup, failureBudget]) => ({ method: 'POST', path, hooks: { rateGroup, failureBudget } })),
)

const rates = (rate: RateLimit) => Object.fromEntries(RATE_GROUPS.map((g) => [g, rate])) as Record<RateGroup, RateLimit>
const config = (overrides: Partial<RateLimitConfig> = {}): RateLimitConfig => ({
  enabled: true,
  perIp: rates({ limit: 100, windowSeconds: 60 }),
  perAccount: rates({ limit: 2, windowSeconds: 60 }),
  ipv6PrefixBits: 64,
  ...overrides,
})

const limiter = (settings = config(), stateKeys = createStateKeys('secret')) => {
  const rejected: Array<[RateGroup, RateLimitKeyKind]> = []
  const limits = createRequestLimits({
    config: settings,
    stateKeys,
    onRejected: (group, kind) => void rejected.push([group, kind]),
  })
  /** One request through the limiter: its status if admitted (the route answers `status`), else the 429's. */
  const send = (
    route: string,
    body: Record<string, unknown>,
    { status = 401, ip = '10.0.0.1', deviceToken }: { status?: number; ip?: string; deviceToken?: string } = {},
  ) => {
    const request = new Request(`http://limits.test${route}`, {
      method: 'POST',
      headers: deviceToken ? { [DEVICE_TOKEN_HEADER]: deviceToken } : {},
    })
    try {
      limits.admit(request, declared, route, body, ip)
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error
      expect(error.headers?.['retry-after']).toMatch(/^\d+$/)
      return { status: error.status, request }
    }
    limits.settle(request, status)
    return { status, request }
  }
  return { send, rejected }
}

const KIM = { email: 'kim@example.com', password: 'x' }

describe('per-account failure budgets', () => {
  test('failures are counted, across IPs and letter case; successes are not', () => {
    const { send, rejected } = limiter()
    for (let i = 0; i < 5; i++) expect(send('/signin', KIM, { status: 200 }).status).toBe(200)
    expect(send('/signin', KIM, { ip: '10.0.0.2' }).status).toBe(401)
    expect(send('/signin', { ...KIM, email: 'KIM@example.com' }, { ip: '10.0.0.3' }).status).toBe(401)
    expect(send('/signin', KIM, { status: 200 }).status).toBe(429)
    expect(rejected).toEqual([['signin', 'account']])
    expect(send('/signin', { ...KIM, email: 'lee@example.com' }).status).toBe(401)
  })

  test('a 5xx or a 429 from Cognito is not a failure of the caller', () => {
    const { send } = limiter()
    for (const status of [500, 502, 503, 504, 429, 200]) expect(send('/signin', KIM, { status }).status).toBe(status)
    expect(send('/signin', KIM).status).toBe(401)
    expect(send('/signin', KIM).status).toBe(401)
    expect(send('/signin', KIM).status).toBe(429)
  })

  test('a reservation holds while the request is in flight: parallel guesses cannot pass the budget', () => {
    const limits = createRequestLimits({ config: config(), stateKeys: createStateKeys('secret') })
    const inFlight = Array.from({ length: 20 }, () => new Request('http://limits.test/signin', { method: 'POST' }))
    const admitted = inFlight.filter((request) => {
      try {
        limits.admit(request, declared, '/signin', KIM, '10.0.0.1')
        return true
      } catch {
        return false
      }
    })
    expect(admitted).toHaveLength(2)
    // Both were right after all: their slots come back.
    for (const request of admitted) limits.settle(request, 200)
    expect(() => limits.admit(inFlight[0]!, declared, '/signin', KIM, '10.0.0.1')).not.toThrow()
  })

  test('each flow has its own budget: wrong reset codes block neither confirmation nor an emailed code', () => {
    const { send } = limiter()
    const code = { email: KIM.email, code: '000000' }
    send('/password/reset', code)
    send('/password/reset', code)
    expect(send('/password/reset', code).status).toBe(429)
    expect(send('/signup/confirm', code, { status: 200 }).status).toBe(200)
    const emailed = { email: KIM.email, challengeName: 'EMAIL_OTP', session: 's', responses: { EMAIL_OTP_CODE: '1' } }
    expect(send('/signin/challenge', emailed, { status: 200 }).status).toBe(200)
    expect(send('/signin', KIM, { status: 200 }).status).toBe(200)
  })

  test('on /signin/challenge a code is a `code` failure, anything else a `password` one', () => {
    const { send } = limiter()
    const answer = (challengeName: string) => ({ email: KIM.email, challengeName, session: 's', responses: { A: 'b' } })
    send('/signin/challenge', answer('SOFTWARE_TOKEN_MFA'))
    send('/signin/challenge', answer('EMAIL_OTP'))
    expect(send('/signin/challenge', answer('EMAIL_OTP')).status).toBe(429)
    expect(send('/signin/challenge', answer('NEW_PASSWORD_REQUIRED')).status).toBe(401)
    send('/signin', KIM)
    expect(send('/signin/challenge', answer('SELECT_CHALLENGE')).status).toBe(429)
  })
})

describe('device tokens', () => {
  const signedIn = (send: ReturnType<typeof limiter>['send']) =>
    deviceTokenFor(send('/signin', KIM, { status: 200 }).request)!

  test('a valid token for the account draws on its own budget: an attack elsewhere does not lock it out', () => {
    const { send, rejected } = limiter()
    const deviceToken = signedIn(send)
    expect(deviceToken).toMatch(/^[\w-]+$/)
    for (let i = 0; i < 2; i++) send('/signin', KIM, { ip: `192.0.2.${i}` })
    expect(send('/signin', KIM, { ip: '192.0.2.9' }).status).toBe(429)
    expect(send('/signin', KIM, { status: 200, deviceToken }).status).toBe(200)
    // The device's own failures are limited too, and only its own.
    send('/signin', KIM, { deviceToken })
    send('/signin', KIM, { deviceToken })
    expect(send('/signin', KIM, { deviceToken }).status).toBe(429)
    expect(rejected).toEqual([
      ['signin', 'account'],
      ['signin', 'device'],
    ])
    const other = signedIn(limiter().send)
    expect(send('/signin', KIM, { status: 200, deviceToken: other }).status).toBe(429)
  })

  test('during a client-secret rotation a token issued under the previous secret still draws on its own budget', () => {
    const deviceToken = signedIn(limiter(config(), createStateKeys('old-secret')).send)
    const lockedOut = (stateKeys: ReturnType<typeof createStateKeys>) => {
      const { send } = limiter(config(), stateKeys)
      for (let i = 0; i < 2; i++) send('/signin', KIM, { ip: `192.0.2.${i}` })
      expect(send('/signin', KIM, { ip: '192.0.2.9' }).status).toBe(429)
      return send
    }
    expect(
      lockedOut(createStateKeys('new-secret', 'old-secret'))('/signin', KIM, { status: 200, deviceToken }).status,
    ).toBe(200)
    // Once the previous secret is gone, it is the shared budget until the next sign-in.
    expect(lockedOut(createStateKeys('new-secret'))('/signin', KIM, { status: 200, deviceToken }).status).toBe(429)
  })

  test('another account’s token, or one on a route that does not take it, is the shared budget', () => {
    const { send } = limiter()
    const deviceToken = signedIn(send)
    const lee = { email: 'lee@example.com', password: 'x' }
    send('/signin', lee)
    send('/signin', lee)
    expect(send('/signin', lee, { status: 200, deviceToken }).status).toBe(429)
    const verify = { email: KIM.email, session: 's', code: '123456' }
    send('/signin/mfa-setup/verify', verify, { deviceToken })
    send('/signin/mfa-setup/verify', verify, { deviceToken })
    expect(send('/signin/mfa-setup/verify', verify, { deviceToken }).status).toBe(429)
  })

  test('issued with the limits off too; never for a request that names no account', () => {
    const { send } = limiter(config({ enabled: false }))
    expect(deviceTokenFor(send('/signin', KIM, { status: 200 }).request)).toMatch(/^[\w-]{50}$/)
    expect(deviceTokenFor(send('/signin', {}, { status: 200 }).request)).toBeUndefined()
    expect(deviceTokenFor(send('/unlimited', KIM, { status: 200 }).request)).toBeUndefined()
  })
})

describe('every request counted', () => {
  test('the groups that send mail: per address, successes too', () => {
    const { send, rejected } = limiter()
    const kim = { email: KIM.email, password: 'x', nickname: 'k' }
    expect(send('/signup', kim, { status: 201 }).status).toBe(201)
    expect(send('/signup', kim, { status: 201, ip: '10.0.0.2' }).status).toBe(201)
    expect(send('/signup', kim, { status: 201, ip: '10.0.0.3' }).status).toBe(429)
    for (let i = 0; i < 2; i++) expect(send('/password/forgot', { email: KIM.email }, { status: 202 }).status).toBe(202)
    expect(send('/password/forgot', { email: KIM.email }, { status: 202 }).status).toBe(429)
    expect(rejected).toEqual([
      ['signup', 'account'],
      ['email', 'account'],
    ])
  })

  test('per IP: every request, across accounts; an IPv6 client per /64', () => {
    const { send, rejected } = limiter(
      config({ perIp: rates({ limit: 2, windowSeconds: 60 }), perAccount: rates({ limit: 100, windowSeconds: 60 }) }),
    )
    const as = (email: string) => ({ email, password: 'x' })
    expect(send('/signin', as('a@example.com'), { status: 200, ip: '2001:db8:1:2::1' }).status).toBe(200)
    expect(send('/signin', as('b@example.com'), { status: 200, ip: '2001:db8:1:2:ffff::9' }).status).toBe(200)
    expect(send('/signin', as('c@example.com'), { ip: '2001:db8:1:2::abcd' }).status).toBe(429)
    expect(send('/signin', as('c@example.com'), { ip: '2001:db8:1:3::1' }).status).toBe(401)
    expect(rejected).toEqual([['signin', 'ip']])
  })

  test('an emailed-code answer also counts against the IP’s verify group', () => {
    const { send, rejected } = limiter(
      config({ perIp: { ...rates({ limit: 100, windowSeconds: 60 }), verify: { limit: 1, windowSeconds: 60 } } }),
    )
    const emailed = {
      email: 'x@example.com',
      challengeName: 'EMAIL_OTP',
      session: 's',
      responses: { EMAIL_OTP_CODE: '1' },
    }
    expect(send('/signin/challenge', emailed, { status: 200 }).status).toBe(200)
    expect(send('/signin/challenge', { ...emailed, email: 'y@example.com' }).status).toBe(429)
    expect(send('/signin/challenge', { ...emailed, challengeName: 'SOFTWARE_TOKEN_MFA' }).status).toBe(401)
    expect(rejected).toEqual([['verify', 'ip']])
  })

  test('disabled: never refuses', () => {
    const { send } = limiter(config({ enabled: false }))
    for (let i = 0; i < 10; i++) expect(send('/signin', KIM).status).toBe(401)
  })
})
