// The revocation list (src/tokens/revocations.ts) and the refresh coalescer (src/cognito/coalesce.ts):
// pure in-memory parts, with time moved by hand.
import { describe, expect, test } from 'bun:test'
import { createCoalescer } from '../../src/cognito/coalesce.ts'
import {
  createRevocationList,
  revokeDeletedUser,
  revokeDeviceSession,
  revokeEarlierSignIns,
  revokeMintedSession,
  revokeUserSignOut,
} from '../../src/tokens/revocations.ts'
import type { AccessClaims } from '../../src/tokens/claims.ts'

const T0 = 1_800_000_000 // epoch seconds
const clock = (seconds = T0) => {
  let now = seconds * 1000
  return {
    now: () => now,
    advance: (s: number) => {
      now += s * 1000
    },
  }
}
const token = (over: Partial<AccessClaims> = {}): AccessClaims => ({
  sub: 'user-1',
  username: 'user-1',
  authTime: T0 - 100,
  jti: 'jti-1',
  originJti: 'origin-1',
  issuedAt: T0 - 100,
  expiresAt: T0 - 100 + 3600,
  ...over,
})

describe('createRevocationList', () => {
  test('a revoked jti or origin_jti is revoked until its expiry, then forgotten', () => {
    const time = clock()
    const list = createRevocationList({ now: time.now })
    expect(list.isRevoked(token())).toBe(false)
    list.revokeTokenId('origin-1', T0 + 60)
    expect(list.isRevoked(token())).toBe(true)
    expect(list.isRevoked(token({ jti: 'other', originJti: 'origin-1' }))).toBe(true)
    expect(list.isRevoked(token({ jti: 'origin-1', originJti: undefined }))).toBe(true)
    expect(list.isRevoked(token({ jti: 'jti-2', originJti: 'origin-2' }))).toBe(false)
    time.advance(61)
    expect(list.isRevoked(token())).toBe(false)
    expect(list.size()).toBe(0)
  })

  test('a user revoked before a time: tokens issued earlier are revoked, later ones and other users are not', () => {
    const time = clock()
    const list = createRevocationList({ now: time.now })
    list.revokeUserTokens('user-1', T0, T0 + 3600)
    expect(list.isRevoked(token({ issuedAt: T0 - 1 }))).toBe(true)
    expect(list.isRevoked(token({ issuedAt: T0 }))).toBe(false)
    expect(list.isRevoked(token({ issuedAt: T0 - 1, sub: 'user-2' }))).toBe(false)
    // A token without iat counts as old.
    expect(list.isRevoked(token({ issuedAt: undefined }))).toBe(true)
    // A second revocation never moves the time back.
    list.revokeUserTokens('user-1', T0 - 50, T0 + 10)
    expect(list.isRevoked(token({ issuedAt: T0 - 10 }))).toBe(true)
  })

  test('an entry already expired is not kept', () => {
    const list = createRevocationList({ now: clock().now })
    list.revokeTokenId('gone', T0 - 1)
    expect(list.size()).toBe(0)
  })

  test('bounded: when full, expired entries go first, then the oldest', () => {
    const time = clock()
    const list = createRevocationList({ maxEntries: 3, now: time.now })
    list.revokeTokenId('a', T0 + 10)
    list.revokeTokenId('b', T0 + 1000)
    list.revokeTokenId('c', T0 + 1000)
    time.advance(11)
    list.revokeTokenId('d', T0 + 1000)
    expect(list.size()).toBe(3)
    expect(list.isRevoked(token({ jti: 'b', originJti: undefined }))).toBe(true)
    list.revokeTokenId('e', T0 + 1000)
    expect(list.size()).toBe(3)
    expect(list.isRevoked(token({ jti: 'b', originJti: undefined }))).toBe(false)
    expect(list.isRevoked(token({ jti: 'e', originJti: undefined }))).toBe(true)
  })
})

describe('what each way of ending sessions revokes', () => {
  test('global sign-out: the user’s tokens issued before this second and the caller’s own; a sign-in a second later works', () => {
    const time = clock()
    const list = createRevocationList({ now: time.now })
    const caller = token({ jti: 'caller', issuedAt: T0 })
    revokeUserSignOut(list, caller, time.now())
    expect(list.isRevoked(caller)).toBe(true)
    expect(list.isRevoked(token({ jti: 'older', issuedAt: T0 - 1 }))).toBe(true)
    expect(list.isRevoked(token({ jti: 'later', originJti: 'o2', issuedAt: T0 + 1 }))).toBe(false)
    // Remembered for one token lifetime, then gone.
    time.advance(3601)
    expect(list.size()).toBe(0)
  })

  test('deletion: every token of the user, this second’s too', () => {
    const list = createRevocationList({ now: clock().now })
    revokeDeletedUser(list, token(), T0 * 1000)
    expect(list.isRevoked(token({ jti: 'same-second', originJti: 'o9', issuedAt: T0 }))).toBe(true)
  })

  test('password reset or change: every sign-in before this second, refreshed tokens too; a sign-in from this second on works', () => {
    const time = clock()
    const list = createRevocationList({ now: time.now })
    revokeEarlierSignIns(list, 'user-1', time.now())
    expect(list.isRevoked(token({ authTime: T0 - 1, issuedAt: T0 + 30 }))).toBe(true)
    expect(list.isRevoked(token({ jti: 'new', originJti: 'o3', authTime: T0, issuedAt: T0 }))).toBe(false)
    expect(list.isRevoked(token({ sub: 'user-2', authTime: T0 - 1 }))).toBe(false)
    time.advance(86_401)
    expect(list.size()).toBe(0)
  })

  test('the session a factor proof minted: its origin_jti and jti, until its access token expires', () => {
    const time = clock()
    const list = createRevocationList({ now: time.now })
    revokeMintedSession(list, { jti: 'proof', originJti: 'proof-origin', expiresAt: T0 + 60 }, time.now())
    expect(list.isRevoked(token({ jti: 'proof', originJti: undefined }))).toBe(true)
    expect(list.isRevoked(token({ jti: 'refreshed', originJti: 'proof-origin' }))).toBe(true)
    expect(list.isRevoked(token())).toBe(false)
    time.advance(61)
    expect(list.size()).toBe(0)
  })

  test('one device: its origin_jti and the caller’s jti, not the user’s other sessions', () => {
    const list = createRevocationList({ now: clock().now })
    revokeDeviceSession(list, token(), T0 * 1000)
    expect(list.isRevoked(token({ jti: 'minted-later' }))).toBe(true)
    expect(list.isRevoked(token({ jti: 'jti-1', originJti: 'other' }))).toBe(true)
    expect(list.isRevoked(token({ jti: 'x', originJti: 'other-device' }))).toBe(false)
  })
})

describe('createCoalescer', () => {
  test('concurrent calls with one key share one run and its answer; a later call runs afresh', async () => {
    const coalesce = createCoalescer<number>()
    let runs = 0
    let release: (value: number) => void = () => {}
    const run = () => {
      runs++
      return new Promise<number>((resolve) => {
        release = resolve
      })
    }
    const calls = [coalesce('k', run), coalesce('k', run), coalesce('k', run)]
    expect(runs).toBe(1)
    release(7)
    expect(await Promise.all(calls)).toEqual([7, 7, 7])
    await coalesce('k', async () => {
      runs++
      return 8
    })
    expect(runs).toBe(2)
  })

  test('a failure is shared too, then forgotten; other keys run on their own', async () => {
    const coalesce = createCoalescer<number>()
    let runs = 0
    const failing = async () => {
      runs++
      await Bun.sleep(5)
      throw new Error('nope')
    }
    const results = await Promise.allSettled([coalesce('k', failing), coalesce('k', failing), coalesce('j', failing)])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(runs).toBe(2)
    expect(await coalesce('k', async () => 1)).toBe(1)
  })

  test('over the bound, calls still run, each on its own', async () => {
    const coalesce = createCoalescer<number>(1)
    let runs = 0
    const slow = async () => {
      runs++
      await Bun.sleep(5)
      return runs
    }
    await Promise.all([coalesce('a', slow), coalesce('b', slow), coalesce('b', slow)])
    expect(runs).toBe(3)
  })
})
