// Rate-limit buckets shared by every task: a RateStore (src/http/limits.ts) whose reserve, refund
// and check run in one server-side script, atomic over each call's buckets, so concurrent requests
// on any task cannot take more than a bucket holds, and a check costs at most one round trip (the
// checks of one turn of the event loop share one). The buckets are token buckets, the
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

// One call decides a batch of requests in order, each atomic over its buckets. KEYS: every
// request's buckets in turn. ARGV[1]: the number of requests; then per request its mode (reserve,
// check, refund), its number of buckets and per bucket its limit and window (ms). A bucket is a
// hash: t (tokens), u (when t was right, ms). Answers per request: the refused bucket (0-based;
// -1: none) and the seconds until a token is back. A bucket expires once it is full again.
const SCRIPT = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local answers = {}
local arg, key = 2, 0
for r = 1, tonumber(ARGV[1]) do
  local mode, count = ARGV[arg], tonumber(ARGV[arg + 1])
  arg = arg + 2
  local tokens, limits, windows = {}, {}, {}
  local refused, wait = -1, 0
  for i = 1, count do
    local limit, window = tonumber(ARGV[arg]), tonumber(ARGV[arg + 1])
    arg = arg + 2
    local saved = redis.call('HMGET', KEYS[key + i], 't', 'u')
    local t = limit
    if saved[1] and saved[2] then
      t = math.min(limit, tonumber(saved[1]) + math.max(0, now - tonumber(saved[2])) * limit / window)
    end
    tokens[i], limits[i], windows[i] = t, limit, window
    if mode ~= 'refund' and t < 1 then
      local seconds = math.max(1, math.ceil((1 - t) * window / limit / 1000))
      if seconds > wait then refused, wait = i - 1, seconds end
    end
  end
  if mode ~= 'check' and refused < 0 then
    for i = 1, count do
      local t = tokens[i] - 1
      if mode == 'refund' then t = math.min(limits[i], tokens[i] + 1) end
      redis.call('HSET', KEYS[key + i], 't', tostring(t), 'u', now)
      redis.call('PEXPIRE', KEYS[key + i], windows[i])
    end
  end
  key = key + count
  answers[2 * r - 1], answers[2 * r] = refused, wait
end
return answers
`

type Mode = 'reserve' | 'check' | 'refund'

/** The most requests one call decides. */
const MAX_BATCH = 128
/** The longest a refund waits for decisions to ride with. */
const REFUND_DELAY_MS = 20

interface Pending {
  mode: Mode
  slots: readonly RateSlot[]
  resolve: (decision: RateDecision | typeof UNAVAILABLE) => void
}

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
 * reachable, at once from `fallback` while it is not. The calls of one turn of the event loop go
 * to the store together, in one EVAL bounded by the store deadline: under load a request costs a
 * fraction of a round trip. A refund goes back where its reservation was taken.
 */
export function createSharedRateStore({ store, fallback, hash, onFallback }: SharedRateStoreOptions): RateStore {
  // Where each reserved slot's token was taken, so a refund goes to the same buckets.
  const takenLocally = new WeakSet<RateSlot>()
  // A reservation's slots come back in its refund: hashed once.
  const keys = new WeakMap<RateSlot, string>()
  const keyOf = (slot: RateSlot) => {
    let key = keys.get(slot)
    if (key === undefined) {
      key = `rl:${TAG}:${hash(`${slot.budget}\n${slot.key}`)}`
      keys.set(slot, key)
    }
    return key
  }
  let queue: Pending[] = []
  let flushSoon = false
  let flushLater: ReturnType<typeof setTimeout> | undefined
  const flush = async () => {
    const batch = queue
    queue = []
    flushSoon = false
    clearTimeout(flushLater)
    flushLater = undefined
    if (batch.length === 0) return
    const batchKeys: string[] = []
    const argv = [String(batch.length)]
    for (const { mode, slots } of batch) {
      argv.push(mode, String(slots.length))
      for (const slot of slots) {
        batchKeys.push(keyOf(slot))
        argv.push(String(slot.rate.limit), String(slot.rate.windowSeconds * 1000))
      }
    }
    const answer = await store.command(batchKeys[0]!, ['EVAL', SCRIPT, String(batchKeys.length), ...batchKeys, ...argv])
    batch.forEach(({ resolve }, index) => {
      resolve(answer === UNAVAILABLE ? UNAVAILABLE : (decisionOf(answer, index) ?? UNAVAILABLE))
    })
  }
  // A decision waiting for its answer goes at the end of this turn; a refund, which nobody waits
  // for, rides with the next decisions or goes within REFUND_DELAY_MS.
  const run = (mode: Mode, slots: readonly RateSlot[]) =>
    new Promise<RateDecision | typeof UNAVAILABLE>((resolve) => {
      queue.push({ mode, slots, resolve })
      if (queue.length >= MAX_BATCH) void flush()
      else if (flushSoon) return
      else if (mode !== 'refund') {
        flushSoon = true
        setImmediate(flush)
      } else if (flushLater === undefined) {
        flushLater = setTimeout(flush, REFUND_DELAY_MS)
        flushLater.unref?.()
      }
    })
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

/** Request `index`'s part of the script's answer; undefined for anything else (then this task's buckets decide, never a 500). */
function decisionOf(answer: unknown, index: number): RateDecision | undefined {
  if (!Array.isArray(answer)) return undefined
  const refused = Number(answer[2 * index])
  const wait = Number(answer[2 * index + 1])
  if (!Number.isInteger(refused) || !Number.isFinite(wait)) return undefined
  return refused < 0 ? { ok: true } : { ok: false, retryAfterSeconds: wait, refused }
}
