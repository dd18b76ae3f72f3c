// The breached-password check: is a password in Have I Been Pwned's Pwned Passwords corpus? Through the
// range API with k-anonymity (https://haveibeenpwned.com/API/v3#SearchingPwnedPasswordsByRange): only
// the first five hex characters of the password's SHA-1 leave the service, sent with
// `Add-Padding: true` (https://haveibeenpwned.com/API/v3#PwnedPasswordsPadding) so that the size of the
// answer says nothing about the range; the rest of the hash is compared here. The SHA-1 is the range
// API's key, not a password store: Cognito keeps the passwords.
import { createHash } from 'node:crypto'
import { pwnedPasswordRange } from 'hibp'
import type { BreachedPasswordConfig } from '../config.ts'
import { ProblemError } from '../http/problem.ts'
import { describeError, type Logger } from '../logging.ts'
import type { BreachCheckOutcome, Metrics } from '../observability/metrics.ts'

export interface BreachedPasswords {
  /**
   * For a new password (sign-up, change, reset).
   * @throws ProblemError password_breached when the corpus lists it; password_check_unavailable when
   * the range cannot be read in time and the check fails closed (BREACHED_PASSWORD_FAIL_CLOSED).
   */
  refuseBreached(password: string): Promise<void>
  /**
   * For a password Cognito has just accepted: true only when the range answered within the deadline
   * and lists it. Never throws and never waits past the deadline: a sign-in is not refused for it.
   */
  isBreached(password: string): Promise<boolean>
}

/** What the check needs besides its settings; `lookUpRange` is hibp's pwnedPasswordRange unless a test gives one. */
export interface BreachCheckDeps {
  logger: Logger
  metrics?: Metrics | undefined
  lookUpRange?: typeof pwnedPasswordRange
}

// A range is about 800 suffixes (~30 KiB as a set): 256 of them stay well under 10 MiB. The corpus
// changes a few times a year; an hour keeps a popular range from being fetched per sign-up.
const CACHED_RANGES = 256
const RANGE_TTL_MS = 60 * 60 * 1000
const PREFIX_LENGTH = 5

/** The check as configured; undefined when it is off (BREACHED_PASSWORD_CHECK=false). */
export function createBreachedPasswords(
  config: BreachedPasswordConfig,
  { logger, metrics, lookUpRange = pwnedPasswordRange }: BreachCheckDeps,
): BreachedPasswords | undefined {
  if (!config.enabled) return undefined
  const ranges = new Map<string, { suffixes: Promise<Set<string>>; until: number }>()

  // The suffixes the range lists at least once: padding lines have a count of 0.
  const fetchRange = async (prefix: string): Promise<Set<string>> => {
    const counts = await lookUpRange(prefix, {
      baseUrl: config.baseUrl,
      timeoutMs: config.timeoutMs,
      addPadding: true,
    })
    return new Set(Object.keys(counts).filter((suffix) => (counts[suffix] ?? 0) > 0))
  }

  // Least recently used first: a hit moves its range to the end, a new range drops the first.
  const rangeOf = (prefix: string): Promise<Set<string>> => {
    const now = Date.now()
    const cached = ranges.get(prefix)
    ranges.delete(prefix)
    if (cached && cached.until > now) {
      ranges.set(prefix, cached)
      return cached.suffixes
    }
    const suffixes = fetchRange(prefix)
    ranges.set(prefix, { suffixes, until: now + RANGE_TTL_MS })
    // A failed lookup is not remembered: the next password tries again.
    suffixes.catch(() => ranges.delete(prefix))
    if (ranges.size > CACHED_RANGES) ranges.delete(ranges.keys().next().value as string)
    return suffixes
  }

  /** 'breached', 'clean', or 'unavailable' (logged and counted) when the range could not be read. */
  const check = async (password: string): Promise<BreachCheckOutcome> => {
    const hash = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase()
    let outcome: BreachCheckOutcome
    try {
      const suffixes = await rangeOf(hash.slice(0, PREFIX_LENGTH))
      outcome = suffixes.has(hash.slice(PREFIX_LENGTH)) ? 'breached' : 'clean'
    } catch (error) {
      outcome = isTimeout(error) ? 'timeout' : 'unavailable'
      logger.warn('breached-password check failed', {
        outcome,
        failClosed: config.failClosed,
        timeoutMs: config.timeoutMs,
        ...describeError(error),
      })
    }
    metrics?.breachedPasswordCheck(outcome)
    return outcome
  }

  return {
    async refuseBreached(password) {
      const outcome = await check(password)
      if (outcome === 'breached') throw new ProblemError('password_breached')
      if ((outcome === 'timeout' || outcome === 'unavailable') && config.failClosed)
        throw new ProblemError('password_check_unavailable')
    },
    async isBreached(password) {
      return (await check(password)) === 'breached'
    },
  }
}

// AbortSignal.timeout's reason (hibp's timeoutMs) is a DOMException named TimeoutError.
const isTimeout = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
