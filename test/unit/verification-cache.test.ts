// The token check's memory of good signatures (src/tokens/verification-cache.ts): what it remembers,
// for how long, and what it never does (remember a failure, outlive the token, grow without bound).
import { describe, expect, test } from 'bun:test'
import { ProblemError } from '../../src/http/problem.ts'
import type { AccessClaims } from '../../src/tokens/claims.ts'
import { withVerificationCache } from '../../src/tokens/verification-cache.ts'

const NOW = 1_800_000_000_000

/** A verifier that counts its calls; tokens named `bad…` fail, the others expire at `expiresAt`. */
function countingVerifier(expiresAt = NOW / 1000 + 3600) {
  const calls: string[] = []
  const verify = async (token: string): Promise<AccessClaims> => {
    calls.push(token)
    if (token.startsWith('bad')) throw new ProblemError('invalid_token')
    return { sub: `sub-of-${token}`, username: token, authTime: 0, issuedAt: expiresAt - 3600, expiresAt }
  }
  return { calls, verify }
}

describe('withVerificationCache', () => {
  test('a good token is verified once within the lifetime, each token under its own entry', async () => {
    let now = NOW
    const { calls, verify } = countingVerifier()
    const cached = withVerificationCache(verify, { seconds: 30, now: () => now })
    expect((await cached('a')).sub).toBe('sub-of-a')
    expect((await cached('b')).sub).toBe('sub-of-b')
    now += 29_000
    expect((await cached('a')).sub).toBe('sub-of-a')
    expect(calls).toEqual(['a', 'b'])
    now += 1_000
    await cached('a')
    expect(calls).toEqual(['a', 'b', 'a'])
  })

  test('never past the token’s own expiry', async () => {
    let now = NOW
    const { calls, verify } = countingVerifier(NOW / 1000 + 5)
    const cached = withVerificationCache(verify, { seconds: 60, now: () => now })
    await cached('a')
    now += 4_000
    await cached('a')
    expect(calls).toEqual(['a'])
    now += 1_000
    await cached('a')
    expect(calls).toEqual(['a', 'a'])
  })

  test('a failure is not remembered: the same bad token is verified (and refused) every time', async () => {
    const { calls, verify } = countingVerifier()
    const cached = withVerificationCache(verify, { seconds: 30, now: () => NOW })
    for (let i = 0; i < 3; i++) await expect(cached('bad-token')).rejects.toThrow('invalid_token')
    expect(calls).toEqual(['bad-token', 'bad-token', 'bad-token'])
  })

  test('bounded: past maxEntries the oldest entry goes first', async () => {
    const { calls, verify } = countingVerifier()
    const cached = withVerificationCache(verify, { seconds: 30, maxEntries: 2, now: () => NOW })
    for (const token of ['a', 'b', 'c', 'c', 'b', 'a']) await cached(token)
    expect(calls).toEqual(['a', 'b', 'c', 'a'])
  })
})
