// Rate-limit storage: token buckets by key, behind a small interface (RateStore): the in-memory
// store here, per task, and the shared store's (src/state/shared-rate-limits.ts, one atomic
// server-side script per call), which falls back to an in-memory one. What is counted, and under
// which key, is src/policies/rate-limits.ts.
import type { RateGroup, RateLimit } from '../config.ts'
import { ProblemError } from './problem.ts'

// Enough for every client of a busy task; past it the least recently seen keys go first, so a flood
// of distinct keys (spoofed or rotating IPv6 addresses) costs at most this many entries.
export const MAX_KEYS_PER_BUCKET_SET = 50_000

/** A bucket's answer: allowed, or refused with the seconds until a token is back. */
export type BucketDecision = { ok: true } | { ok: false; retryAfterSeconds: number }

/** A store's answer: allowed, or refused with the longest wait and the index of the slot that has it. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number; refused: number }

/** One bucket: the budget it belongs to (e.g. `ip:signin`), its key there (no raw email or address: a keyed hash or a network) and the budget's rate. */
export interface RateSlot {
  budget: string
  key: string
  rate: RateLimit
}

/**
 * Where buckets live. Every call is atomic over all the slots it is given, so concurrent requests
 * cannot take more than a bucket holds. A call may answer at once or through a promise (a shared
 * store answers over the network).
 */
export interface RateStore {
  /** Takes a token from every slot, or none if any is empty: then the longest wait among the empty ones. */
  reserve(slots: readonly RateSlot[]): RateDecision | Promise<RateDecision>
  /** Gives back one token to every slot (a reservation for a failure that did not happen); never rejects. */
  refund(slots: readonly RateSlot[]): void | Promise<void>
  /** What reserve would answer, taking nothing. */
  check(slots: readonly RateSlot[]): RateDecision | Promise<RateDecision>
}

/** A RateStore that answers at once (the in-memory one). */
export interface SynchronousRateStore extends RateStore {
  reserve(slots: readonly RateSlot[]): RateDecision
  refund(slots: readonly RateSlot[]): void
  check(slots: readonly RateSlot[]): RateDecision
}

interface Bucket {
  tokens: number
  updatedAt: number
}

/** Token buckets of one rate keyed by string, bounded in number, stale ones dropped as time passes. */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>()
  private readonly perMs: number
  private readonly windowMs: number

  constructor(
    private readonly rate: RateLimit,
    private readonly maxKeys = MAX_KEYS_PER_BUCKET_SET,
    private readonly now: () => number = Date.now,
  ) {
    this.windowMs = rate.windowSeconds * 1000
    this.perMs = rate.limit / this.windowMs
  }

  get size(): number {
    return this.buckets.size
  }

  /** Whether `key` has a token now, taking nothing; on refusal, the seconds until one is back. */
  peek(key: string): BucketDecision {
    const tokens = this.tokensOf(key, this.now())
    return tokens >= 1 ? { ok: true } : { ok: false, retryAfterSeconds: this.secondsUntilOne(tokens) }
  }

  /** Takes a token; on refusal, the seconds until one is back. */
  take(key: string): BucketDecision {
    const now = this.now()
    this.dropStale(now)
    const tokens = this.tokensOf(key, now)
    const taken = tokens >= 1
    this.put(key, { tokens: taken ? tokens - 1 : tokens, updatedAt: now })
    return taken ? { ok: true } : { ok: false, retryAfterSeconds: this.secondsUntilOne(tokens) }
  }

  /** Puts a token back (never above the limit). */
  refund(key: string): void {
    const now = this.now()
    this.put(key, { tokens: Math.min(this.rate.limit, this.tokensOf(key, now) + 1), updatedAt: now })
  }

  private tokensOf(key: string, now: number): number {
    const found = this.buckets.get(key)
    return found ? Math.min(this.rate.limit, found.tokens + (now - found.updatedAt) * this.perMs) : this.rate.limit
  }

  // Re-inserted, so the Map's order is least recently used first.
  private put(key: string, bucket: Bucket): void {
    this.buckets.delete(key)
    if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!)
    this.buckets.set(key, bucket)
  }

  private secondsUntilOne(tokens: number): number {
    return Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000))
  }

  // A bucket untouched for a whole window is full again, the same as no bucket: drop it. Only the
  // oldest few are looked at per call, which keeps every call O(1) and still empties an idle map.
  private dropStale(now: number): void {
    for (let i = 0; i < 2; i++) {
      const oldest = this.buckets.entries().next().value
      if (!oldest || now - oldest[1].updatedAt < this.windowMs) return
      this.buckets.delete(oldest[0])
    }
  }
}

/**
 * The in-memory RateStore of one task: one TokenBuckets per budget, each bounded to `maxKeys`, so a
 * flood of keys in one budget never pushes out another's. Synchronous, so a reservation is atomic
 * across concurrent requests.
 */
export function createMemoryRateStore(
  now: () => number = Date.now,
  maxKeys = MAX_KEYS_PER_BUCKET_SET,
): SynchronousRateStore {
  const budgets = new Map<string, TokenBuckets>()
  const bucketsOf = ({ budget, rate }: RateSlot) => {
    const found = budgets.get(budget)
    if (found) return found
    const buckets = new TokenBuckets(rate, maxKeys, now)
    budgets.set(budget, buckets)
    return buckets
  }
  const check = (slots: readonly RateSlot[]): RateDecision => {
    let refusal: RateDecision = { ok: true }
    slots.forEach((slot, index) => {
      const decision = bucketsOf(slot).peek(slot.key)
      if (!decision.ok && (refusal.ok || decision.retryAfterSeconds > refusal.retryAfterSeconds))
        refusal = { ok: false, retryAfterSeconds: decision.retryAfterSeconds, refused: index }
    })
    return refusal
  }
  return {
    check,
    reserve(slots) {
      const decision = check(slots)
      if (decision.ok) for (const slot of slots) bucketsOf(slot).take(slot.key)
      return decision
    },
    refund(slots) {
      for (const slot of slots) bucketsOf(slot).refund(slot.key)
    },
  }
}

/**
 * What a refused request was counted by: the client's IP (network), the account the request names
 * (every request to a group that sends mail; failures elsewhere), or the account on a device that
 * signed in to it before (a device token).
 */
export type RateLimitKeyKind = 'ip' | 'account' | 'device'

/** Why a request was refused by a rate limit: the `cause` of its 429 (for the auth event and metrics). */
export class RateLimitExceeded extends Error {
  override readonly name = 'RateLimitExceeded'
  constructor(
    readonly group: RateGroup,
    readonly keyKind: RateLimitKeyKind,
  ) {
    super(`rate limit ${group} per ${keyKind}`)
  }
}

/** The 429 too_many_requests of a refusal, with Retry-After; its cause a RateLimitExceeded. */
export const tooManyRequests = (retryAfterSeconds: number, group: RateGroup, keyKind: RateLimitKeyKind) =>
  new ProblemError('too_many_requests', 'Too many attempts; retry after the time in Retry-After.', {
    headers: { 'retry-after': String(retryAfterSeconds) },
    cause: new RateLimitExceeded(group, keyKind),
  })
