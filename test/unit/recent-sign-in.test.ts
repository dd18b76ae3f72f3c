// The rule for sensitive changes: a valid token is not enough, the sign-in behind it must be recent.
import { describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import type { AccessTokenVerifier } from '../../src/tokens/claims.ts'
import { ProblemError } from '../../src/http/problem.ts'
import { policies } from '../../src/policies/policies.ts'
import { assertRecentSignIn } from '../../src/tokens/recent-sign-in.ts'

const NOW_MS = 1_800_000_000_000
const claimsSignedInAgo = (seconds: number) => ({ sub: 's', username: 'u', authTime: NOW_MS / 1000 - seconds })

describe('assertRecentSignIn', () => {
  test('a sign-in up to the window old passes; one second older is reauthentication_required', () => {
    expect(() => assertRecentSignIn(claimsSignedInAgo(600), 600, NOW_MS)).not.toThrow()
    let thrown: unknown
    try {
      assertRecentSignIn(claimsSignedInAgo(601), 600, NOW_MS)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ProblemError)
    expect((thrown as ProblemError).code).toBe('reauthentication_required')
    expect((thrown as ProblemError).status).toBe(403)
  })
})

describe('a route that declares `recent`', () => {
  // Tokens name how long ago their user signed in: "signed-in-<seconds>".
  const verify: AccessTokenVerifier = async (token) => {
    const ago = /^signed-in-(\d+)$/.exec(token)?.[1]
    if (ago === undefined) throw new ProblemError('invalid_token')
    return claimsSignedInAgo(Number(ago))
  }
  const app = new Elysia()
    .onError(({ error }) =>
      error instanceof ProblemError ? new Response(error.code, { status: error.status }) : undefined,
    )
    .use(policies({ verify, recentSignInSeconds: 600 }))
    .get('/open', () => 'open')
    .post('/sensitive', () => 'changed', { recent: true })
  const call = async (path: string, token?: string) => {
    const res = await app.handle(
      new Request(`http://localhost${path}`, {
        method: path === '/open' ? 'GET' : 'POST',
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
    )
    return [res.status, await res.text()]
  }

  test('a recent sign-in reaches the handler; an old one is 403; no token is still 401', async () => {
    const realNow = Date.now
    Date.now = () => NOW_MS
    try {
      expect(await call('/sensitive', 'signed-in-30')).toEqual([200, 'changed'])
      expect(await call('/sensitive', 'signed-in-3600')).toEqual([403, 'reauthentication_required'])
      expect(await call('/sensitive')).toEqual([401, 'missing_token'])
      // Routes that do not declare it are untouched.
      expect(await call('/open')).toEqual([200, 'open'])
    } finally {
      Date.now = realNow
    }
  })
})
