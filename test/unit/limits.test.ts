import { describe, expect, test } from 'bun:test'
import { RATE_GROUPS, type RateLimit } from '../../src/config.ts'
import { createRateLimiter, TokenBuckets } from '../../src/http/limits.ts'
import { ProblemError } from '../../src/http/problem.ts'

const clock = () => {
  let now = 1_000_000
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms
    },
  }
}

describe('TokenBuckets', () => {
  test('allows the limit, then refuses with the seconds until a token is back', () => {
    const time = clock()
    const buckets = new TokenBuckets({ limit: 3, windowSeconds: 60 }, 100, time.now)
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([
      { ok: true },
      { ok: true },
      { ok: true },
    ])
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 20 })
    time.advance(10_000)
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 10 })
    time.advance(10_000)
    expect(buckets.take('a')).toEqual({ ok: true })
  })

  test('keys are independent', () => {
    const buckets = new TokenBuckets({ limit: 1, windowSeconds: 60 }, 100, clock().now)
    expect(buckets.take('a').ok).toBe(true)
    expect(buckets.take('a').ok).toBe(false)
    expect(buckets.take('b').ok).toBe(true)
  })

  test('refusals do not extend the wait (a client hammering does not lock itself out forever)', () => {
    const time = clock()
    const buckets = new TokenBuckets({ limit: 1, windowSeconds: 10 }, 100, time.now)
    buckets.take('a')
    for (let i = 0; i < 50; i++) {
      time.advance(100)
      buckets.take('a')
    }
    time.advance(5_000)
    expect(buckets.take('a').ok).toBe(true)
  })

  test('buckets idle for a window are dropped as traffic goes on', () => {
    const time = clock()
    const buckets = new TokenBuckets({ limit: 5, windowSeconds: 1 }, 10_000, time.now)
    for (let i = 0; i < 1000; i++) buckets.take(`old-${i}`)
    expect(buckets.size).toBe(1000)
    time.advance(1_000)
    for (let i = 0; i < 1000; i++) buckets.take('busy')
    expect(buckets.size).toBe(1)
  })

  test('a flood of distinct keys cannot grow memory past the bound', () => {
    const buckets = new TokenBuckets({ limit: 5, windowSeconds: 3600 }, 1_000, clock().now)
    for (let i = 0; i < 200_000; i++) buckets.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`)
    expect(buckets.size).toBe(1_000)
  })
})

describe('createRateLimiter', () => {
  const rates = (rate: RateLimit) =>
    Object.fromEntries(RATE_GROUPS.map((g) => [g, rate])) as Record<(typeof RATE_GROUPS)[number], RateLimit>
  const refusal = (fn: () => void) => {
    try {
      fn()
      return undefined
    } catch (error) {
      return error instanceof ProblemError
        ? { code: error.code, status: error.status, retryAfter: error.headers?.['retry-after'] }
        : error
    }
  }

  test('per account: the email, case-insensitive, across IPs', () => {
    const limit = createRateLimiter(
      {
        enabled: true,
        perIp: rates({ limit: 100, windowSeconds: 60 }),
        perAccount: rates({ limit: 2, windowSeconds: 60 }),
        ipv6PrefixBits: 64,
      },
      clock().now,
    )
    limit('signin', '10.0.0.1', 'Kim@Example.com')
    limit('signin', '10.0.0.2', 'kim@example.com')
    expect(refusal(() => limit('signin', '10.0.0.3', 'KIM@example.com'))).toEqual({
      code: 'too_many_requests',
      status: 429,
      retryAfter: '30',
    })
    expect(refusal(() => limit('signin', '10.0.0.3', 'lee@example.com'))).toBeUndefined()
    expect(refusal(() => limit('verify', '10.0.0.3', 'kim@example.com'))).toBeUndefined()
  })

  test('per IP: across accounts', () => {
    const limit = createRateLimiter(
      {
        enabled: true,
        perIp: rates({ limit: 2, windowSeconds: 60 }),
        perAccount: rates({ limit: 100, windowSeconds: 60 }),
        ipv6PrefixBits: 64,
      },
      clock().now,
    )
    limit('email', '10.0.0.1', 'a@example.com')
    limit('email', '10.0.0.1', 'b@example.com')
    expect(refusal(() => limit('email', '10.0.0.1', 'c@example.com'))).toMatchObject({ status: 429 })
    expect(refusal(() => limit('email', '10.0.0.2', 'c@example.com'))).toBeUndefined()
  })

  test('per IP, IPv6: one budget per /64 by default; per address with a /128', () => {
    const perIp = (ipv6PrefixBits: number) =>
      createRateLimiter(
        {
          enabled: true,
          perIp: rates({ limit: 2, windowSeconds: 60 }),
          perAccount: rates({ limit: 100, windowSeconds: 60 }),
          ipv6PrefixBits,
        },
        clock().now,
      )
    const byNetwork = perIp(64)
    byNetwork('signin', '2001:db8:1:2::1', 'a@example.com')
    byNetwork('signin', '2001:db8:1:2:ffff:ffff:ffff:ffff', 'b@example.com')
    expect(refusal(() => byNetwork('signin', '2001:db8:1:2:abcd::9', 'c@example.com'))).toMatchObject({ status: 429 })
    expect(refusal(() => byNetwork('signin', '2001:db8:1:3::1', 'c@example.com'))).toBeUndefined()
    const byAddress = perIp(128)
    byAddress('signin', '2001:db8:1:2::1', 'a@example.com')
    byAddress('signin', '2001:db8:1:2::1', 'b@example.com')
    expect(refusal(() => byAddress('signin', '2001:db8:1:2::2', 'c@example.com'))).toBeUndefined()
  })

  test('disabled: never refuses', () => {
    const limit = createRateLimiter({
      enabled: false,
      perIp: rates({ limit: 1, windowSeconds: 60 }),
      perAccount: rates({ limit: 1, windowSeconds: 60 }),
      ipv6PrefixBits: 64,
    })
    expect(() => {
      for (let i = 0; i < 10; i++) limit('signin', '10.0.0.1', 'a@example.com')
    }).not.toThrow()
  })
})
