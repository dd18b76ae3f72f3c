import { expect, test } from 'bun:test'
import { lazy } from '../../src/lazy.ts'

test('a lazy load runs once and is shared by concurrent callers', async () => {
  let runs = 0
  const load = lazy(async () => ++runs)
  expect(await Promise.all([load(), load(), load()])).toEqual([1, 1, 1])
  expect(await load()).toBe(1)
  expect(runs).toBe(1)
})

test('a failed load is not kept: the next call tries again', async () => {
  let runs = 0
  const load = lazy(async () => {
    runs++
    if (runs === 1) throw new Error('chunk not readable')
    return 'loaded'
  })
  await expect(load()).rejects.toThrow('chunk not readable')
  expect(await load()).toBe('loaded')
  expect(await load()).toBe('loaded')
  expect(runs).toBe(2)
})
