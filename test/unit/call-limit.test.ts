import { describe, expect, test } from 'bun:test'
import { createCallLimit } from '../../src/cognito/call-limit.ts'
import type { HttpPost, PostAnswer } from '../../src/cognito/http-post.ts'
import { ProblemError } from '../../src/http/problem.ts'

const ANSWER: PostAnswer = { status: 200, header: () => null, text: '{}' }

/** A post whose calls stay open until `finishOne` answers the oldest. */
function heldPost() {
  const open: Array<() => void> = []
  const post: HttpPost = () => new Promise((resolve) => open.push(() => resolve(ANSWER)))
  return { post, finishOne: () => open.shift()?.(), open: () => open.length }
}

const call = (post: HttpPost, signal = new AbortController().signal) => post('http://cognito/', {}, '{}', signal)
const settled = () => new Promise((resolve) => setTimeout(resolve, 0))

describe('the bound on calls to Cognito', () => {
  test('runs at most maxConcurrency at once, queues the next in order, and sheds past the queue with a 503', async () => {
    const held = heldPost()
    const limit = createCallLimit(2, 1)
    const post = limit.limit(held.post)
    const first = call(post)
    call(post)
    const queued = call(post)
    await settled()
    expect(held.open()).toBe(2)
    expect(limit.stats()).toEqual({ inFlight: 2, queued: 1, shed: 0 })

    const shed = await call(post).catch((error: unknown) => error)
    expect(shed).toBeInstanceOf(ProblemError)
    expect((shed as ProblemError).status).toBe(503)
    expect((shed as ProblemError).code).toBe('upstream_unavailable')
    expect((shed as ProblemError).headers?.['retry-after']).toBe('1')
    expect(limit.stats()).toEqual({ inFlight: 2, queued: 1, shed: 1 })

    held.finishOne()
    expect(await first).toBe(ANSWER)
    await settled()
    expect(held.open()).toBe(2) // the queued call got the free turn
    expect(limit.stats()).toEqual({ inFlight: 2, queued: 0, shed: 1 })
    held.finishOne()
    held.finishOne()
    expect(await queued).toBe(ANSWER)
    expect(limit.stats()).toEqual({ inFlight: 0, queued: 0, shed: 1 })
  })

  test('a call whose deadline passes while it waits leaves the queue and never reaches Cognito', async () => {
    const held = heldPost()
    const limit = createCallLimit(1, 5)
    const post = limit.limit(held.post)
    call(post)
    const deadline = new AbortController()
    const waiting = call(post, deadline.signal)
    await settled()
    deadline.abort(new DOMException('The operation timed out.', 'TimeoutError'))
    expect(((await waiting.catch((error: unknown) => error)) as Error).name).toBe('TimeoutError')
    expect(limit.stats()).toEqual({ inFlight: 1, queued: 0, shed: 0 })
    held.finishOne()
    await settled()
    expect(held.open()).toBe(0)
    expect(limit.stats()).toEqual({ inFlight: 0, queued: 0, shed: 0 })
  })

  test('a queue limit of 0 sheds whatever finds no free turn', async () => {
    const limit = createCallLimit(1, 0)
    const post = limit.limit(heldPost().post)
    call(post)
    expect(await call(post).catch((error: unknown) => (error as ProblemError).code)).toBe('upstream_unavailable')
  })
})
