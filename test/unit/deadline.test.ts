import { describe, expect, test } from 'bun:test'
import { startDeadline } from '../../src/cognito/deadline.ts'

describe('startDeadline', () => {
  test('aborts after its delay with a TimeoutError, as AbortSignal.timeout does', async () => {
    const deadline = startDeadline(5)
    expect(deadline.signal.aborted).toBe(false)
    await Bun.sleep(30)
    expect(deadline.signal.aborted).toBe(true)
    expect((deadline.signal.reason as DOMException).name).toBe('TimeoutError')
  })

  test('never aborts once cleared', async () => {
    const deadline = startDeadline(5)
    deadline.clear()
    await Bun.sleep(30)
    expect(deadline.signal.aborted).toBe(false)
  })
})
