// Challenge-session expiry, with the store's clock moved by hand (Cognito's shortest validity is three
// minutes, too long to wait for in a test).
import { describe, expect, test } from 'bun:test'
// @ts-expect-error: a CommonJS module of the emulator, without types
import { createSessionStore, DEFAULT_VALIDITY_MINUTES } from '../../dev/local-cognito/sessions.cjs'

describe('challenge sessions', () => {
  test('valid for three minutes by default, then refused', () => {
    let now = 1_000_000
    const store = createSessionStore({ now: () => now })
    store.issue('s1', { username: 'u1', clientId: 'c1' })
    expect(DEFAULT_VALIDITY_MINUTES).toBe(3)
    now += 3 * 60_000 - 1
    expect(store.find('s1', 'c1')).toMatchObject({ username: 'u1' })
    now += 1
    expect(store.find('s1', 'c1')).toBeUndefined()
  })

  test("the app client's AuthSessionValidity (3 to 15 minutes) sets the lifetime", () => {
    let now = 0
    const store = createSessionStore({ now: () => now })
    store.issue('s1', { username: 'u1', clientId: 'c1', validityMinutes: 15 })
    now = 14 * 60_000
    expect(store.find('s1', 'c1')).toBeDefined()
    now = 15 * 60_000
    expect(store.find('s1', 'c1')).toBeUndefined()
  })

  test('only for the app client it was issued to, and gone once consumed', () => {
    const store = createSessionStore()
    store.issue('s1', { username: 'u1', clientId: 'c1' })
    expect(store.find('s1', 'c2')).toBeUndefined()
    store.consume('s1')
    expect(store.find('s1', 'c1')).toBeUndefined()
  })
})
