// Concurrent identical calls share one: two browser tabs refreshing the same token at once, or a
// client retrying while its first refresh is still in flight. With a rotating app client the
// second call would otherwise present a refresh token the first has just rotated away, and
// Cognito answers it with RefreshTokenReuseException once its grace period is over: the user is
// signed out for having two tabs open.

/** One in-flight call per key at most; `run` is only called when none is in flight. */
export type Coalescer<T> = (key: string, run: () => Promise<T>) => Promise<T>

/**
 * Coalesces calls by key within this process: while a call for `key` is in flight, the same key
 * gets the same promise (the same answer or the same failure). The entry goes as soon as the call
 * settles, so a later call runs afresh. Over `maxInFlight` keys, further calls simply run on their
 * own (a bound on memory, not a refusal).
 */
export function createCoalescer<T>(maxInFlight = 10_000): Coalescer<T> {
  const inFlight = new Map<string, Promise<T>>()
  return (key, run) => {
    const pending = inFlight.get(key)
    if (pending) return pending
    const call = run()
    if (inFlight.size < maxInFlight) {
      inFlight.set(key, call)
      const forget = () => {
        inFlight.delete(key)
      }
      call.then(forget, forget)
    }
    return call
  }
}
