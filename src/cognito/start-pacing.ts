// A decoy passwordless start must take as long as a real one. A real EMAIL_OTP start waits for
// Cognito to send the email; a decoy's InitiateAuth fails (or answers another challenge) at once, so
// without pacing the time to answer would tell a real account from an unknown one (OWASP
// Authentication Cheat Sheet: "respond in the same time"). Matching one figure (a median) is not
// enough: decoys all held to it form a narrow peak that enough samples tell from the real spread.
// So each decoy is held to a duration of the recent real starts' distribution, chosen by the
// decoy's own rank: a decoy whose work so far took longer than a fraction q of the recent decoys'
// is held to the real starts' q-quantile (q blurred within its rank at random). Where decoys are
// much faster than real starts (against Cognito) that is a real duration drawn at random; where
// they take about as long (a Cognito that answers at once) it holds them hardly at all, where an
// independent draw would hold each to the later of two like durations, and so make decoys slower.

/** How many recent real starts, and decoys, each method keeps. */
const SAMPLES = 64

// setTimeout on Bun and on Node truncates its delay to whole milliseconds and fires about 0.1 ms
// after it. A hold is one timer: its whole milliseconds, plus one more with the chance of the
// fraction left, so that holds are right on average and their spread is kept to within a
// millisecond, a thousandth of a real start against Cognito. No hold spins on the event loop for the
// fraction: a decoy must cost no more CPU than a real start, or decoy starts would be a cheap way to
// load the service.
const TIMER_LATE_MS = 0.1

/** What the pacing reads time from and waits with (tests replace each). */
export interface PacingClock {
  /** Milliseconds on a monotonic clock (performance.now()). */
  now(): number
  /** A number in [0, 1) (Math.random()): a decoy's rank among its ties. */
  random(): number
  /** True with probability `p` (Math.random() < p): whether a hold's fraction of a millisecond is waited. */
  chance(p: number): boolean
  /** Waits `ms`, a whole number of milliseconds (a timer). */
  sleep(ms: number): Promise<void>
}

const systemClock: PacingClock = {
  now: () => performance.now(),
  random: Math.random,
  chance: (p) => Math.random() < p,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

/** Keeps real starts' durations and holds decoy answers to their distribution. */
export interface StartPacing {
  /** A real start of `method` took `durationMs`, measured to where a decoy is held. */
  real(method: string, durationMs: number): void
  /**
   * Resolves once the real starts' duration at this decoy's rank (see above) has passed since
   * `startedAt` (PacingClock.now() milliseconds); at once when no real start of `method` has been
   * seen yet, or the decoy already took longer.
   */
  holdDecoy(method: string, startedAt: number): Promise<void>
}

/** @param clock where time and chance come from; the system's by default. */
export function createStartPacing(clock: PacingClock = systemClock): StartPacing {
  const reals = new Map<string, number[]>()
  const decoys = new Map<string, number[]>()
  const recent = (kept: Map<string, number[]>, method: string) => {
    const seen = kept.get(method) ?? []
    kept.set(method, seen)
    return seen
  }
  const remember = (seen: number[], ms: number) => {
    seen.push(ms)
    if (seen.length > SAMPLES) seen.shift()
  }
  const holdUntil = async (end: number) => {
    const left = end - clock.now() - TIMER_LATE_MS
    if (left <= 0) return
    const whole = Math.floor(left) + (clock.chance(left % 1) ? 1 : 0)
    if (whole >= 1) await clock.sleep(whole)
  }
  return {
    real(method, durationMs) {
      remember(recent(reals, method), durationMs)
    },
    async holdDecoy(method, startedAt) {
      const elapsed = clock.now() - startedAt
      const earlier = recent(decoys, method)
      const below = earlier.filter((ms) => ms < elapsed).length
      const alike = earlier.filter((ms) => ms === elapsed).length
      const rank = (below + clock.random() * (alike + 1)) / (earlier.length + 1)
      remember(earlier, elapsed)
      const seen = recent(reals, method)
      if (seen.length === 0) return
      const sorted = [...seen].sort((a, b) => a - b)
      // A rank that rounds to 1 (a draw within 2^-47 of it) takes the slowest, never a missing one.
      await holdUntil(startedAt + sorted[Math.min(sorted.length - 1, Math.floor(rank * sorted.length))]!)
    },
  }
}
