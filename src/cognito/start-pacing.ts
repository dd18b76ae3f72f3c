// A decoy passwordless start must take as long as a real one. A real EMAIL_OTP start waits for
// Cognito to send the email; a decoy's InitiateAuth fails (or answers another challenge) at once, so
// without pacing the time to answer would tell a real account from an unknown one. Each method keeps
// the durations of its last real starts, and a decoy answer is held until the median of them has
// passed since its own start (OWASP Authentication Cheat Sheet: "respond in the same time").

/** How many recent real starts the median is taken over, per method. */
const SAMPLES = 64

/** Keeps real starts' durations and holds decoy answers to their median. */
export interface StartPacing {
  /** A real start of `method` took `durationMs`. */
  real(method: string, durationMs: number): void
  /**
   * Resolves once the median real start of `method` has passed since `startedAt` (performance.now()
   * milliseconds); at once when no real start has been seen yet, or the decoy already took longer.
   */
  holdDecoy(method: string, startedAt: number): Promise<void>
}

/** @param sleep waits the given milliseconds (tests replace it). */
export function createStartPacing(
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): StartPacing {
  const durations = new Map<string, number[]>()
  const medianOf = (method: string): number | undefined => {
    const seen = durations.get(method)
    if (!seen || seen.length === 0) return undefined
    const sorted = [...seen].sort((a, b) => a - b)
    return sorted[Math.floor(sorted.length / 2)]
  }
  return {
    real(method, durationMs) {
      const seen = durations.get(method) ?? []
      seen.push(durationMs)
      if (seen.length > SAMPLES) seen.shift()
      durations.set(method, seen)
    },
    async holdDecoy(method, startedAt) {
      const median = medianOf(method)
      if (median === undefined) return
      const wait = median - (performance.now() - startedAt)
      if (wait > 0) await sleep(wait)
    },
  }
}
