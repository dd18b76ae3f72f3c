// The rate-limit buckets, used TOTP codes and refresh answers shared through a real redis-server, plain and as a
// one-node cluster (a script's keys in two hash slots would be refused there, as on ElastiCache):
// two "tasks" (two store connections) draw on one budget; a frozen store falls back to each task's
// own buckets within the deadline and the shared ones come back once it answers.
import { afterEach, describe, expect, test } from 'bun:test'
import type { StoreConfig } from '../../src/config.ts'
import { createMemoryRateStore, type RateSlot } from '../../src/http/limits.ts'
import type { Logger } from '../../src/logging.ts'
import { createStateKeys } from '../../src/state/keyed-hash.ts'
import { createSharedRateStore } from '../../src/state/shared-rate-limits.ts'
import { shareRefreshes } from '../../src/state/shared-refreshes.ts'
import { shareUsedTotpCodes } from '../../src/state/shared-used-totp-codes.ts'
import { openStore } from '../../src/state/store.ts'
import type { Store } from '../../src/state/store-types.ts'
import { createUsedTotpCodes } from '../../src/state/used-totp-codes.ts'
import { startRedis, type TestRedis } from '../support/redis-server.ts'

const DEADLINE_MS = 100
const keys = createStateKeys('k'.repeat(32))
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function reachable(store: Store, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!store.reachable) {
    if (Date.now() > deadline) throw new Error('the store did not become reachable')
    await Bun.sleep(20)
  }
}

/** A task's view: its own connection, its own fallback buckets, its fallback count. */
async function task(redis: TestRedis) {
  const config: StoreConfig = {
    url: redis.url,
    cluster: redis.cluster,
    deadlineMs: DEADLINE_MS,
    stateKey: 'k'.repeat(32),
  }
  const store = openStore(config, { logger: quiet, probeIntervalMs: 100 })
  cleanups.push(() => store.close())
  await reachable(store)
  const fallbacks = { rate: 0, totp: 0, refresh: 0 }
  const rates = createSharedRateStore({
    store,
    fallback: createMemoryRateStore(),
    hash: keys.hasher('rate-bucket'),
    onFallback: () => fallbacks.rate++,
  })
  const totpHash = keys.hasher('totp-used')
  const totp = shareUsedTotpCodes({
    store,
    local: createUsedTotpCodes(totpHash),
    hash: totpHash,
    onFallback: () => fallbacks.totp++,
  })
  const warnings: string[] = []
  const refreshes = shareRefreshes<{ accessToken: string }>({
    store,
    hash: keys.hasher('refresh-answer'),
    sealingKey: keys.key('refresh-answer-seal'),
    logger: { ...quiet, warn: (msg) => warnings.push(msg) },
    waitMs: 2000,
    onFallback: () => fallbacks.refresh++,
  })
  return { store, rates, totp, refreshes, fallbacks, warnings }
}

const slots = (account: string, ip = '203.0.113.7'): RateSlot[] => [
  { budget: 'ip:signin', key: ip, rate: { limit: 100, windowSeconds: 60 } },
  { budget: 'failures:password', key: account, rate: { limit: 5, windowSeconds: 300 } },
]

for (const cluster of [false, true]) {
  describe(`shared rate limits and used codes (${cluster ? 'one-node cluster' : 'plain server'})`, () => {
    test('two tasks draw on one budget: concurrent reservations take exactly its size; a refusal names the empty slot and a wait', async () => {
      const redis = await startRedis({ cluster })
      cleanups.push(() => redis.stop())
      const [a, b] = [await task(redis), await task(redis)]
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).rates.reserve(slots('acct-1'))),
      )
      expect(answers.filter((answer) => answer.ok)).toHaveLength(5)
      const refusal = answers.find((answer) => !answer.ok)
      expect(refusal).toMatchObject({ ok: false, refused: 1 })
      expect((refusal as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(1)
      // Another account still has its whole budget; check takes nothing.
      expect(await a.rates.check(slots('acct-2'))).toEqual({ ok: true })
      expect(await b.rates.check(slots('acct-1'))).toMatchObject({ ok: false, refused: 1 })
      expect(a.fallbacks.rate + b.fallbacks.rate).toBe(0)
      // No key names the address or the account.
      const stored = await redis.cli('--scan', '--pattern', '*')
      expect(stored).not.toContain('203.0.113.7')
      expect(stored).not.toContain('acct-1')
      expect(stored.split('\n').every((key) => key.startsWith('rl:{rate}:'))).toBe(true)
    })

    test('scripts go by their SHA-1; a server that has forgotten them (SCRIPT FLUSH, a restart) gets the text again', async () => {
      const redis = await startRedis({ cluster })
      cleanups.push(() => redis.stop())
      const a = await task(redis)
      expect(await a.rates.reserve(slots('acct-s'))).toEqual({ ok: true })
      expect(await redis.cli('SCRIPT', 'FLUSH')).toBe('OK')
      expect(await a.rates.reserve(slots('acct-s'))).toEqual({ ok: true })
      expect(await a.rates.reserve(slots('acct-s'))).toEqual({ ok: true })
      expect(a.fallbacks.rate).toBe(0)
      const commands = await redis.cli('INFO', 'commandstats')
      expect(commands).toMatch(/cmdstat_evalsha:calls=[1-9]/)
      expect(commands).toMatch(/cmdstat_eval:calls=2,/)
    })

    test('a refund on one task gives the token back to the other', async () => {
      const redis = await startRedis({ cluster })
      cleanups.push(() => redis.stop())
      const [a, b] = [await task(redis), await task(redis)]
      const taken = slots('acct-r')
      for (let i = 0; i < 5; i++) expect(await a.rates.reserve(taken)).toEqual({ ok: true })
      expect((await b.rates.reserve(slots('acct-r'))).ok).toBe(false)
      await a.rates.refund([taken[1]!])
      expect(await b.rates.reserve(slots('acct-r'))).toEqual({ ok: true })
    })

    test('frozen: each task falls back to its own buckets within the deadline (counted); thawed: the shared budget again', async () => {
      const redis = await startRedis({ cluster })
      cleanups.push(() => redis.stop())
      const [a, b] = [await task(redis), await task(redis)]
      for (let i = 0; i < 5; i++) await a.rates.reserve(slots('acct-f'))
      redis.freeze()
      try {
        const startedAt = performance.now()
        const first = await a.rates.reserve(slots('acct-f'))
        expect(performance.now() - startedAt).toBeLessThan(DEADLINE_MS * 3)
        // The task's own buckets: a fresh budget, never no limit.
        expect(first).toEqual({ ok: true })
        for (let i = 0; i < 4; i++) expect(await a.rates.reserve(slots('acct-f'))).toEqual({ ok: true })
        expect((await a.rates.reserve(slots('acct-f'))).ok).toBe(false)
        expect(a.fallbacks.rate).toBeGreaterThanOrEqual(6)
      } finally {
        redis.thaw()
      }
      await reachable(b.store)
      expect((await b.rates.reserve(slots('acct-f'))).ok).toBe(false)
    })

    test('a refresh through two tasks at once: one call, the same answer, kept sealed under a hashed key', async () => {
      const redis = await startRedis({ cluster })
      cleanups.push(() => redis.stop())
      const [a, b] = [await task(redis), await task(redis)]
      let calls = 0
      const cognito = async () => {
        calls++
        await Bun.sleep(100)
        return { accessToken: `access-${calls}` }
      }
      const answers = await Promise.all([a.refreshes('refresh-1', cognito), b.refreshes('refresh-1', cognito)])
      expect(answers).toEqual([{ accessToken: 'access-1' }, { accessToken: 'access-1' }])
      expect(calls).toBe(1)
      const [key] = (await redis.cli('--scan', '--pattern', 'refresh:*')).split('\n')
      expect(key).not.toContain('refresh-1')
      expect(await redis.cli('GET', key!)).not.toContain('access-1')
    })

    test('a refresh answer that does not open is a logged miss (Cognito is asked); a frozen store: each task asks Cognito itself', async () => {
      const redis = await startRedis({ cluster })
      cleanups.push(() => redis.stop())
      const a = await task(redis)
      const key = `refresh:${keys.hasher('refresh-answer')('refresh-2')}`
      expect(await redis.cli('SET', key, 'not-a-sealed-answer')).toBe('OK')
      expect(await a.refreshes('refresh-2', async () => ({ accessToken: 'fresh' }))).toEqual({ accessToken: 'fresh' })
      expect(a.warnings).toContain('state store: an unreadable refresh answer was ignored')
      redis.freeze()
      try {
        expect(await a.refreshes('refresh-3', async () => ({ accessToken: 'alone' }))).toEqual({ accessToken: 'alone' })
        expect(a.fallbacks.refresh).toBe(1)
      } finally {
        redis.thaw()
      }
    })

    test('a TOTP code used through one task is used on the other, kept 90 s under a hashed key; frozen: each task remembers its own', async () => {
      const redis = await startRedis({ cluster })
      cleanups.push(() => redis.stop())
      const [a, b] = [await task(redis), await task(redis)]
      expect(await b.totp.wasUsed('user-1', '123456')).toBe(false)
      await a.totp.markUsed('user-1', '123456')
      expect(await b.totp.wasUsed('user-1', '123456')).toBe(true)
      expect(await b.totp.wasUsed('user-1', '654321')).toBe(false)
      const [key] = (await redis.cli('--scan', '--pattern', 'totp:*')).split('\n')
      expect(key).not.toContain('123456')
      const ttl = Number(await redis.cli('TTL', key!))
      expect(ttl).toBeGreaterThan(80)
      expect(ttl).toBeLessThanOrEqual(90)
      redis.freeze()
      try {
        await a.totp.markUsed('user-2', '111111')
        expect(await a.totp.wasUsed('user-2', '111111')).toBe(true)
        expect(await b.totp.wasUsed('user-2', '111111')).toBe(false)
        expect(b.fallbacks.totp).toBeGreaterThanOrEqual(1)
      } finally {
        redis.thaw()
      }
    })
  })
}
