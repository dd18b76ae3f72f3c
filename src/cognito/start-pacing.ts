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

// setTimeout on Bun and on Node truncates its delay to whole milliseconds, waits at least one, and
// fires about 0.1 ms after it (up to a few tenths when the loop is busy). A hold therefore sleeps
// through the whole milliseconds it can without passing its end, and spends the rest (under
// 1.3 ms) yielding one event-loop turn at a time: other requests run in between, and no turn blocks.
const TIMER_LATE_MS = 0.3

/** What the pacing reads time from and waits with (tests replace each). */
export interface PacingClock {
  /** Milliseconds on a monotonic clock (performance.now()). */
  now(): number
  /** A number in [0, 1) (Math.random()). */
  random(): number
  /** Waits `ms`, a whole number of milliseconds (a timer). */
  sleep(ms: number): Promise<void>
  /** Waits for one turn of the event loop (setImmediate). */
  yieldTurn(): Promise<void>
}

const systemClock: PacingClock = {
  now: () => performance.now(),
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  yieldTurn: () => new Promise((resolve) => setImmediate(resolve)),
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
    for (let left = end - clock.now(); left > 0; left = end - clock.now()) {
      const whole = Math.floor(left - TIMER_LATE_MS)
      await (whole >= 1 ? clock.sleep(whole) : clock.yieldTurn())
    }
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
      await holdUntil(startedAt + sorted[Math.floor(rank * sorted.length)]!)
    },
  }
}
