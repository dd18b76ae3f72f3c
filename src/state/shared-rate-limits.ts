// Rate-limit buckets shared by every task: a RateStore (src/http/limits.ts) whose reserve, refund
// and check are one server-side script each, so one request costs one round trip and concurrent
// requests on any task cannot take more than a bucket holds. The buckets are token buckets, the
// same arithmetic as the in-memory TokenBuckets, on the store's clock (TIME), so tasks with skewed
// clocks agree.
// Every key carries the one hash tag `{rate}`: a script must name keys of one hash slot, or a store
// in cluster mode refuses it (CROSSSLOT), and one reservation spans an IP's bucket and an account's.
// Keys are a keyed hash of budget and key (no address, no email). While the store cannot answer,
// the task's own buckets decide (never no limit, never a refusal for all), and a metric counts it.
import type { RateDecision, RateSlot, RateStore, SynchronousRateStore } from '../http/limits.ts'
import type { KeyedHash } from './keyed-hash.ts'
import { UNAVAILABLE, type Store } from './store-types.ts'

const TAG = '{rate}'

// KEYS: one bucket per slot. ARGV[1]: reserve | check | refund; then per slot its limit and window
// (ms). A bucket is a hash: t (tokens), u (when t was right, ms). Answers {refused slot (0-based,
// -1: none), seconds until a token is back}. A bucket expires once it has been full for a window.
const SCRIPT = `
local mode = ARGV[1]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local tokens = {}
local refused, wait = -1, 0
for i = 1, #KEYS do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local saved = redis.call('HMGET', KEYS[i], 't', 'u')
  local t = limit
  if saved[1] and saved[2] then
    t = math.min(limit, tonumber(saved[1]) + math.max(0, now - tonumber(saved[2])) * limit / window)
  end
  tokens[i] = t
  if mode ~= 'refund' and t < 1 then
    local seconds = math.max(1, math.ceil((1 - t) * window / limit / 1000))
    if seconds > wait then refused, wait = i - 1, seconds end
  end
end
if mode == 'check' or refused >= 0 then return {refused, wait} end
for i = 1, #KEYS do
  local limit, window = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local t = tokens[i] - 1
  if mode == 'refund' then t = math.min(limit, tokens[i] + 1) end
  redis.call('HSET', KEYS[i], 't', tostring(t), 'u', now)
  redis.call('PEXPIRE', KEYS[i], window)
end
return {-1, 0}
`

type Mode = 'reserve' | 'check' | 'refund'

export interface SharedRateStoreOptions {
  store: Store
  /** This task's buckets: what decides while the store cannot answer. */
  fallback: SynchronousRateStore
  /** The keyed hash of bucket keys (src/state/keyed-hash.ts, purpose `rate-bucket`). */
  hash: KeyedHash
  /** Told each time a call was decided by this task's buckets alone. */
  onFallback?: () => void
}

/**
 * The RateStore over the shared store. A call answers through a promise while the store is
 * reachable (one EVAL, bounded by the store deadline), at once from `fallback` while it is not.
 * A refund goes back where its reservation was taken.
 */
export function createSharedRateStore({ store, fallback, hash, onFallback }: SharedRateStoreOptions): RateStore {
  // Where each reserved slot's token was taken, so a refund goes to the same buckets.
  const takenLocally = new WeakSet<RateSlot>()
  const keyOf = ({ budget, key }: RateSlot) => `rl:${TAG}:${hash(`${budget}\n${key}`)}`
  const run = async (mode: Mode, slots: readonly RateSlot[]): Promise<RateDecision | typeof UNAVAILABLE> => {
    const args = ['EVAL', SCRIPT, String(slots.length), ...slots.map(keyOf), mode]
    for (const { rate } of slots) args.push(String(rate.limit), String(rate.windowSeconds * 1000))
    const answer = await store.command(keyOf(slots[0]!), args)
    if (answer === UNAVAILABLE) return UNAVAILABLE
    const decision = decisionOf(answer)
    return decision ?? UNAVAILABLE
  }
  const local = <T>(decide: () => T): T => {
    onFallback?.()
    return decide()
  }
  const decide = (mode: 'reserve' | 'check', slots: readonly RateSlot[]) => {
    const fromFallback = () => {
      const decision = fallback[mode](slots)
      if (mode === 'reserve' && decision.ok) for (const slot of slots) takenLocally.add(slot)
      return decision
    }
    if (slots.length === 0) return fallback[mode](slots)
    if (!store.reachable) return local(fromFallback)
    return run(mode, slots).then((decision) => (decision === UNAVAILABLE ? local(fromFallback) : decision))
  }
  return {
    reserve: (slots) => decide('reserve', slots),
    check: (slots) => decide('check', slots),
    async refund(slots) {
      const locally = slots.filter((slot) => takenLocally.has(slot))
      const shared = slots.filter((slot) => !takenLocally.has(slot))
      if (locally.length > 0) fallback.refund(locally)
      // A refund the store misses leaves one token taken until the bucket refills: the safe side.
      if (shared.length > 0 && store.reachable) await run('refund', shared)
    },
  }
}

/** The script's answer as a decision; undefined for anything else (then this task's buckets decide, never a 500). */
function decisionOf(answer: unknown): RateDecision | undefined {
  if (!Array.isArray(answer) || answer.length !== 2) return undefined
  const [refused, wait] = answer.map(Number) as [number, number]
  if (!Number.isInteger(refused) || !Number.isFinite(wait)) return undefined
  return refused < 0 ? { ok: true } : { ok: false, retryAfterSeconds: wait, refused }
}
