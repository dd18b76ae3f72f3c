import { describe, expect, test } from 'bun:test'
import { createMemoryRateStore, TokenBuckets } from '../../src/http/limits.ts'

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

  test('a refund puts a token back, never above the limit; peek takes nothing', () => {
    const time = clock()
    const buckets = new TokenBuckets({ limit: 2, windowSeconds: 60 }, 100, time.now)
    buckets.take('a')
    buckets.take('a')
    expect(buckets.peek('a')).toEqual({ ok: false, retryAfterSeconds: 30 })
    expect(buckets.peek('a')).toEqual({ ok: false, retryAfterSeconds: 30 })
    buckets.refund('a')
    expect(buckets.peek('a')).toEqual({ ok: true })
    expect(buckets.take('a')).toEqual({ ok: true })
    expect(buckets.take('a').ok).toBe(false)
    buckets.refund('b')
    buckets.refund('b')
    expect([buckets.take('b').ok, buckets.take('b').ok, buckets.take('b').ok]).toEqual([true, true, false])
  })

  test('a flood of distinct keys cannot grow memory past the bound', () => {
    const buckets = new TokenBuckets({ limit: 5, windowSeconds: 3600 }, 1_000, clock().now)
    for (let i = 0; i < 200_000; i++) buckets.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`)
    expect(buckets.size).toBe(1_000)
  })
})

describe('createMemoryRateStore', () => {
  const perMinute = (limit: number) => ({ limit, windowSeconds: 60 })

  test('reserve takes from every slot or from none, and names the slot with the longest wait', () => {
    const store = createMemoryRateStore(clock().now)
    const ip = { budget: 'ip', key: '10.0.0.1', rate: perMinute(3) }
    const account = { budget: 'account', key: 'kim', rate: perMinute(1) }
    expect(store.reserve([ip, account])).toEqual({ ok: true })
    expect(store.reserve([ip, account])).toEqual({ ok: false, retryAfterSeconds: 60, refused: 1 })
    // The refused call took nothing from the IP's bucket: two of its three tokens are left.
    expect(store.reserve([ip])).toEqual({ ok: true })
    expect(store.reserve([ip])).toEqual({ ok: true })
    expect(store.reserve([ip])).toEqual({ ok: false, retryAfterSeconds: 20, refused: 0 })
  })

  test('check answers what reserve would, taking nothing; refund gives a token back', () => {
    const store = createMemoryRateStore(clock().now)
    const slot = { budget: 'b', key: 'k', rate: perMinute(1) }
    expect(store.check([slot])).toEqual({ ok: true })
    expect(store.check([slot])).toEqual({ ok: true })
    expect(store.reserve([slot])).toEqual({ ok: true })
    expect(store.check([slot])).toEqual({ ok: false, retryAfterSeconds: 60, refused: 0 })
    store.refund([slot])
    expect(store.reserve([slot])).toEqual({ ok: true })
  })

  test('the same key in two budgets is two buckets; a flood in one budget does not push out another’s keys', () => {
    const store = createMemoryRateStore(clock().now, 10)
    const kim = (budget: string) => ({ budget, key: 'kim', rate: perMinute(1) })
    expect(store.reserve([kim('password')]).ok).toBe(true)
    expect(store.reserve([kim('reset')]).ok).toBe(true)
    for (let i = 0; i < 100; i++) store.reserve([{ budget: 'reset', key: `flood-${i}`, rate: perMinute(1) }])
    expect(store.reserve([kim('password')]).ok).toBe(false)
    // In the flooded budget the key was pushed out: its bucket is full again (the bound's price).
    expect(store.reserve([kim('reset')]).ok).toBe(true)
  })
})
