// A per-call deadline whose timer goes away with the call. AbortSignal.timeout(ms) would do, but its
// timer stays armed for the whole delay after the call has answered: at thousands of calls a second
// and an 8 s deadline, tens of thousands of live timers, each one allocated, kept in the runtime's
// timer heap and fired for nothing (docs/performance.md).

/** A signal for one call and the way to disarm it once the call has settled. */
export interface Deadline {
  /** Aborts after the delay with a `TimeoutError` DOMException, as AbortSignal.timeout's does. */
  readonly signal: AbortSignal
  /** Disarms the timer; the signal then never aborts. Call it however the call ended. */
  clear(): void
}

/** A deadline `ms` milliseconds from now. The timer does not keep the process alive. */
export function startDeadline(ms: number): Deadline {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')), ms)
  timer.unref?.()
  return { signal: controller.signal, clear: () => clearTimeout(timer) }
}
