// Rate limits for the routes an attacker hammers (credential stuffing, code guessing, email
// bombing): token buckets per client IP and per account. Per task, in memory: the cluster-wide
// limit is the WAF's rate-based rule at the ALB (docs/security.md).
import { RATE_GROUPS, type RateGroup, type RateLimit, type RateLimitConfig } from '../config.ts'
import { rateLimitKey } from './client-address.ts'
import { ProblemError } from './problem.ts'

// Enough for every client of a busy task; past it the least recently seen keys go first, so a flood
// of distinct keys (spoofed or rotating IPv6 addresses) costs at most this many entries.
export const MAX_KEYS_PER_BUCKET_SET = 50_000

interface Bucket {
  tokens: number
  updatedAt: number
}

/** Token buckets keyed by string, bounded in number, stale ones dropped as time passes. */
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

  /** Takes a token; on refusal, the seconds until one is back. */
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now()
    this.dropStale(now)
    const found = this.buckets.get(key)
    const tokens = found
      ? Math.min(this.rate.limit, found.tokens + (now - found.updatedAt) * this.perMs)
      : this.rate.limit
    // Re-inserted, so the Map's order is least recently used first.
    this.buckets.delete(key)
    if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!)
    if (tokens >= 1) {
      this.buckets.set(key, { tokens: tokens - 1, updatedAt: now })
      return { ok: true }
    }
    this.buckets.set(key, { tokens, updatedAt: now })
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) }
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

/** A rate-limit key: the client's IP (network) or the account the body names. */
export type RateLimitKeyKind = 'ip' | 'account'

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

/** `ip` is the client's address (clientAddress form); `email` the account the request names. */
export type RateLimiter = (group: RateGroup, ip: string | undefined, email: string | undefined) => void

/**
 * Throws a 429 too_many_requests (with Retry-After, its cause a RateLimitExceeded) when the IP or the
 * account is over its limit; `onRejected` hears of every refusal (the metrics).
 */
export function createRateLimiter(
  config: RateLimitConfig,
  now: () => number = Date.now,
  onRejected?: (group: RateGroup, keyKind: RateLimitKeyKind) => void,
): RateLimiter {
  if (!config.enabled) return () => {}
  const make = (limits: Record<RateGroup, RateLimit>) =>
    Object.fromEntries(
      RATE_GROUPS.map((group) => [group, new TokenBuckets(limits[group], MAX_KEYS_PER_BUCKET_SET, now)]),
    ) as Record<RateGroup, TokenBuckets>
  const perIp = make(config.perIp)
  const perAccount = make(config.perAccount)
  return (group, ip, email) => {
    const checks: Array<[TokenBuckets, string | undefined, RateLimitKeyKind]> = [
      [perIp[group], ip === undefined ? undefined : rateLimitKey(ip, config.ipv6PrefixBits), 'ip'],
      [perAccount[group], email?.toLowerCase(), 'account'],
    ]
    for (const [buckets, key, keyKind] of checks) {
      if (key === undefined) continue
      const taken = buckets.take(key)
      if (!taken.ok) {
        onRejected?.(group, keyKind)
        throw new ProblemError('too_many_requests', 'Too many attempts; retry after the time in Retry-After.', {
          headers: { 'retry-after': String(taken.retryAfterSeconds) },
          cause: new RateLimitExceeded(group, keyKind),
        })
      }
    }
  }
}
