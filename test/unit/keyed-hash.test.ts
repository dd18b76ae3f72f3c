import { expect, test } from 'bun:test'
import { createStateKeys } from '../../src/state/keyed-hash.ts'

test('a keyed hash is stable for one secret and purpose, and differs by secret and by purpose', () => {
  const keys = createStateKeys('client-secret-one')
  const totp = keys.hasher('totp-used')
  expect(totp('sub:123456')).toBe(createStateKeys('client-secret-one').hasher('totp-used')('sub:123456'))
  expect(totp('sub:123456')).toMatch(/^[A-Za-z0-9_-]{43}$/)
  expect(totp('sub:123456')).not.toContain('123456')
  expect(keys.hasher('device')('sub:123456')).not.toBe(totp('sub:123456'))
  expect(createStateKeys('client-secret-two').hasher('totp-used')('sub:123456')).not.toBe(totp('sub:123456'))
})

test('without a secret each process draws its own key', () => {
  expect(createStateKeys(undefined).hasher('x')('v')).not.toBe(createStateKeys(undefined).hasher('x')('v'))
  expect(createStateKeys(undefined).key('x')).toHaveLength(32)
})
