// The bound on calls to Cognito: at most `maxConcurrency` in flight, at most `queueLimit` waiting
// for a turn, and past that the call is refused at once (load shedding: a 503 with Retry-After now
// rather than a wait without limit). Without it the bound would be the runtime's own and hidden
// (Bun runs at most BUN_CONFIG_MAX_HTTP_REQUESTS fetches at once and queues the rest without limit),
// and the latency of every call would grow with the load.
import { ProblemError } from '../http/problem.ts'
import type { CallLimitStats } from '../observability/metrics.ts'
import type { HttpPost } from './http-post.ts'

/** A call limit and the HttpPost that goes through it. */
export interface CallLimit {
  /**
   * `post` behind the limit. A call that finds the queue full fails at once with ProblemError
   * upstream_unavailable and `Retry-After: 1`; one whose signal aborts while it waits leaves the queue
   * and rejects with the signal's reason.
   */
  limit(post: HttpPost): HttpPost
  stats(): CallLimitStats
}

/** The shed call's answer: the identity provider is not down, this task is at its bound for it. */
const shedProblem = () =>
  new ProblemError('upstream_unavailable', 'The identity provider is busy; retry after the time in Retry-After.', {
    headers: { 'retry-after': '1' },
    cause: new Error('Cognito call queue full: call shed'),
  })

/**
 * @param maxConcurrency calls in flight at most (COGNITO_MAX_CONCURRENCY).
 * @param queueLimit calls waiting at most (COGNITO_QUEUE_LIMIT); 0 sheds whatever finds no free turn.
 */
export function createCallLimit(maxConcurrency: number, queueLimit: number): CallLimit {
  let inFlight = 0
  let shed = 0
  // FIFO of waiting turns; `head` moves instead of shift() so a long queue is not copied per turn.
  let waiting: Array<(() => void) | undefined> = []
  let head = 0
  let queued = 0

  const release = () => {
    while (head < waiting.length) {
      const next = waiting[head]
      waiting[head++] = undefined
      if (next) {
        queued--
        return next() // the turn passes on: inFlight stays
      }
    }
    waiting = []
    head = 0
    inFlight--
  }

  const acquire = (signal: AbortSignal): Promise<void> | undefined => {
    if (inFlight < maxConcurrency) {
      inFlight++
      return undefined
    }
    if (queued >= queueLimit) {
      shed++
      throw shedProblem()
    }
    return new Promise<void>((resolve, reject) => {
      const at = waiting.length
      const abort = () => {
        waiting[at] = undefined
        queued--
        reject(signal.reason)
      }
      signal.addEventListener('abort', abort, { once: true })
      waiting.push(() => {
        signal.removeEventListener('abort', abort)
        resolve()
      })
      queued++
    })
  }

  return {
    limit: (post) => async (url, headers, body, signal) => {
      const turn = acquire(signal)
      if (turn) await turn
      try {
        return await post(url, headers, body, signal)
      } finally {
        release()
      }
    },
    stats: () => ({ inFlight, queued, shed }),
  }
}
