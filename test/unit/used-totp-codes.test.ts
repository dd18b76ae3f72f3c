// src/state/used-totp-codes.ts: an accepted code is refused for 90 s, per user, kept as a keyed hash.
import { expect, test } from 'bun:test'
import { createStateKeys } from '../../src/state/keyed-hash.ts'
import { createUsedTotpCodes, TOTP_REPLAY_WINDOW_SECONDS } from '../../src/state/used-totp-codes.ts'

const hash = createStateKeys('client-secret').hasher('totp-used')

test('a code is used for its user only, for 90 seconds', async () => {
  let now = 1_000_000
  const used = createUsedTotpCodes(hash, { now: () => now })
  expect(await used.wasUsed('ada', '123456')).toBe(false)
  await used.markUsed('ada', '123456')
  expect(await used.wasUsed('ada', '123456')).toBe(true)
  expect(await used.wasUsed('bob', '123456')).toBe(false)
  expect(await used.wasUsed('ada', '654321')).toBe(false)
  now += TOTP_REPLAY_WINDOW_SECONDS * 1000 - 1
  expect(await used.wasUsed('ada', '123456')).toBe(true)
  now += 1
  expect(await used.wasUsed('ada', '123456')).toBe(false)
})

test('bounded: past the bound the oldest entry goes first', async () => {
  const used = createUsedTotpCodes(hash, { maxEntries: 2 })
  await used.markUsed('a', '111111')
  await used.markUsed('b', '222222')
  await used.markUsed('c', '333333')
  expect([
    await used.wasUsed('a', '111111'),
    await used.wasUsed('b', '222222'),
    await used.wasUsed('c', '333333'),
  ]).toEqual([false, true, true])
})

test('the key holds neither the user nor the code', async () => {
  const seen: string[] = []
  const used = createUsedTotpCodes((value) => {
    const keyed = hash(value)
    seen.push(keyed)
    return keyed
  })
  await used.markUsed('ada@example.com', '123456')
  expect(seen.join()).not.toContain('123456')
  expect(seen.join()).not.toContain('ada')
})
