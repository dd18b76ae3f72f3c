// Rotating refresh, signing out one device or everywhere, deleting the account: the real service over
// a socket against the local Cognito (dev/local-cognito/tokens.cjs) behind the verifying proxy, on
// whichever target SERVICE_TARGET names. Two services: one for an app client that rotates refresh
// tokens (no grace period, so reuse shows at once), one for the main client, which does not.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { confirmedAccount } from '../support/accounts.ts'
import { createAppClient, type AppClient } from '../support/app-clients.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { bearer, expectNoSecrets, expectProblem, post, request, type JsonResponse } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, waitFor } from '../support/util.ts'

let cognito: TestCognito
let rotatingClient: AppClient
let rotating: RunningService
let plain: RunningService
const seen: string[] = [PASSWORD]

beforeAll(async () => {
  cognito = await testCognito()
  rotatingClient = await createAppClient(cognito, { rotation: true, graceSeconds: 0 })
  seen.push(cognito.pool.clientSecret, rotatingClient.clientSecret)
  ;[rotating, plain] = await Promise.all([
    startService(
      cognito.serviceEnv({
        COGNITO_CLIENT_ID: rotatingClient.clientId,
        COGNITO_CLIENT_SECRET: rotatingClient.clientSecret,
        COGNITO_REFRESH_TOKEN_ROTATION: 'true',
      }),
    ),
    startService(cognito.serviceEnv()),
  ])
})
afterAll(async () => {
  await Promise.all([rotating?.stop(), plain?.stop()])
})

const remember = (res: JsonResponse) => {
  for (const key of ['idToken', 'accessToken', 'refreshToken'])
    if (typeof res.body?.[key] === 'string') seen.push(res.body[key])
  return res
}
const me = (service: RunningService, token: string) => request(service.url, 'GET', '/me', { headers: bearer(token) })
const refresh = (service: RunningService, body: Record<string, string>) =>
  post(service.url, '/token/refresh', body).then(remember)
const signIn = async (service: RunningService, email: string) => {
  const res = remember(await post(service.url, '/signin', { email, password: PASSWORD }))
  expect(res.status).toBe(200)
  return res.body as { accessToken: string; refreshToken: string; username: string }
}
/** A confirmed account (signed up through the main client's service). */
const account = async (tag: string) => (await confirmedAccount(plain.url, cognito, { tag })).email
/** How many calls of `operation` reached Cognito while `run` ran. */
async function cognitoCalls(operation: string, run: () => Promise<unknown>): Promise<number> {
  const before = cognito.proxy.calls.filter((c) => c.operation === operation).length
  await run()
  return cognito.proxy.calls.filter((c) => c.operation === operation).length - before
}

describe('POST /token/refresh with a rotating app client', () => {
  test('no username: GetTokensFromRefreshToken, a new refresh token that works; the old one is then 401 invalid_token', async () => {
    const tokens = await signIn(rotating, await account('rotate'))
    let first: JsonResponse | undefined
    expect(
      await cognitoCalls('GetTokensFromRefreshToken', async () => {
        first = await refresh(rotating, { refreshToken: tokens.refreshToken })
      }),
    ).toBe(1)
    expect(first!.status).toBe(200)
    expect(first!.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 })
    expect(first!.body.refreshToken).toBeString()
    expect(first!.body.refreshToken).not.toBe(tokens.refreshToken)
    expect((await me(rotating, first!.body.accessToken)).status).toBe(200)

    expectProblem(await refresh(rotating, { refreshToken: tokens.refreshToken }), 401, 'invalid_token', seen)
    // A username is still accepted (and not needed).
    const second = await refresh(rotating, { refreshToken: first!.body.refreshToken, username: tokens.username })
    expect(second.status).toBe(200)
    expect(second.body.refreshToken).not.toBe(first!.body.refreshToken)
  })

  test('concurrent refreshes of one token: one Cognito call, every caller the same answer, nobody signed out', async () => {
    const tokens = await signIn(rotating, await account('tabs'))
    let answers: JsonResponse[] = []
    cognito.proxy.setDelay(300)
    try {
      const calls = await cognitoCalls('GetTokensFromRefreshToken', async () => {
        answers = await Promise.all(
          Array.from({ length: 5 }, () => refresh(rotating, { refreshToken: tokens.refreshToken })),
        )
      })
      expect(calls).toBe(1)
    } finally {
      cognito.proxy.setDelay(0)
    }
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
    expect(new Set(answers.map((a) => a.text)).size).toBe(1)
    expect((await refresh(rotating, { refreshToken: answers[0]!.body.refreshToken })).status).toBe(200)
  })

  test('a refresh token that was never issued: 401 invalid_token, nothing echoed', async () => {
    const made = 'eyJtYWRlIjoidXAifQ.bm90LWEtdG9rZW4.c2lnbmF0dXJl'
    expectProblem(await refresh(rotating, { refreshToken: made }), 401, 'invalid_token', [made])
  })
})

describe('POST /token/refresh with a client that does not rotate', () => {
  test('no username: 400 validation_failed naming /username, and no call to Cognito', async () => {
    const tokens = await signIn(plain, await account('plain'))
    let res: JsonResponse | undefined
    expect(
      await cognitoCalls('InitiateAuth', async () => {
        res = await refresh(plain, { refreshToken: tokens.refreshToken })
      }),
    ).toBe(0)
    expectProblem(res!, 400, 'validation_failed')
    expect(res!.body.fields).toEqual(['/username'])
  })

  test('with the username: new access and ID tokens, no refresh token; the same one keeps working', async () => {
    const tokens = await signIn(plain, await account('plain'))
    const res = await refresh(plain, { refreshToken: tokens.refreshToken, username: tokens.username })
    expect(res.status).toBe(200)
    expect(res.body.refreshToken).toBeUndefined()
    expect((await refresh(plain, { refreshToken: tokens.refreshToken, username: tokens.username })).status).toBe(200)
  })
})

describe('POST /signout/device', () => {
  test('204; this device’s tokens stop working (its access token here at once, without asking Cognito); the other device stays', async () => {
    const email = await account('device')
    const device = await signIn(plain, email)
    const other = await signIn(plain, email)
    const refreshed = await refresh(plain, { refreshToken: device.refreshToken, username: device.username })
    const out = await post(
      plain.url,
      '/signout/device',
      { refreshToken: device.refreshToken },
      bearer(device.accessToken),
    )
    expect(out.status).toBe(204)
    expect(out.text).toBe('')
    // Refused by this task's revocation list: GetUser is never called for them.
    expect(
      await cognitoCalls('GetUser', async () => {
        for (const token of [device.accessToken, refreshed.body.accessToken])
          expectProblem(await me(plain, token), 401, 'invalid_token')
      }),
    ).toBe(0)
    expectProblem(
      await refresh(plain, { refreshToken: device.refreshToken, username: device.username }),
      401,
      'invalid_token',
    )
    expect((await me(plain, other.accessToken)).status).toBe(200)
    expect((await refresh(plain, { refreshToken: other.refreshToken, username: other.username })).status).toBe(200)
  })

  test('with a rotating client too: the rotated refresh token is revoked and its access tokens die', async () => {
    const tokens = await signIn(rotating, await account('rotdev'))
    const next = await refresh(rotating, { refreshToken: tokens.refreshToken })
    const out = await post(
      rotating.url,
      '/signout/device',
      { refreshToken: next.body.refreshToken },
      bearer(next.body.accessToken),
    )
    expect(out.status).toBe(204)
    expectProblem(await me(rotating, next.body.accessToken), 401, 'invalid_token')
    expectProblem(await refresh(rotating, { refreshToken: next.body.refreshToken }), 401, 'invalid_token')
  })

  test('a refresh token that no longer works still signs this device out: 204, and the access token is dead here', async () => {
    const tokens = await signIn(plain, await account('stale'))
    const out = await post(plain.url, '/signout/device', { refreshToken: 'no.such.token' }, bearer(tokens.accessToken))
    expect(out.status).toBe(204)
    expectProblem(await me(plain, tokens.accessToken), 401, 'invalid_token')
  })

  test('a client secret Cognito refuses is 500 internal_error with an error log line, not a 204: nothing was revoked', async () => {
    const wrongSecret = 'not-the-real-secret-0123456789'
    seen.push(wrongSecret)
    const tokens = await signIn(plain, await account('revsecret'))
    const misconfigured = await startService(cognito.serviceEnv({ COGNITO_CLIENT_SECRET: wrongSecret }))
    try {
      const out = await post(
        misconfigured.url,
        '/signout/device',
        { refreshToken: tokens.refreshToken },
        bearer(tokens.accessToken),
      )
      expectProblem(out, 500, 'internal_error', [wrongSecret, 'secret'])
      const logged = await waitFor(
        () => misconfigured.logs().find((l) => l.msg === 'request failed'),
        'the failure log line',
      )
      expect(logged).toMatchObject({ level: 'error', code: 'internal_error', error: { name: 'ClientSecretRefused' } })
      expectNoSecrets(misconfigured.lines, seen)
    } finally {
      await misconfigured.stop()
    }
    // The device is still signed in: its tokens work.
    expect((await me(plain, tokens.accessToken)).status).toBe(200)
    expect((await refresh(plain, { refreshToken: tokens.refreshToken, username: tokens.username })).status).toBe(200)
  })

  test('no access token: 401 missing_token; no refresh token: 400 naming /refreshToken; neither reaches Cognito', async () => {
    const tokens = await signIn(plain, await account('bad'))
    const calls = await cognitoCalls('RevokeToken', async () => {
      expectProblem(
        await post(plain.url, '/signout/device', { refreshToken: tokens.refreshToken }),
        401,
        'missing_token',
      )
      const missing = await post(plain.url, '/signout/device', {}, bearer(tokens.accessToken))
      expectProblem(missing, 400, 'validation_failed')
      expect(missing.body.fields).toEqual(['/refreshToken'])
    })
    expect(calls).toBe(0)
    expect((await me(plain, tokens.accessToken)).status).toBe(200)
  })
})

describe('POST /signout (everywhere)', () => {
  test('every access token of the user issued before it is refused here at once, not only by Cognito', async () => {
    const email = await account('global')
    const other = await signIn(plain, email)
    await Bun.sleep(1100)
    const device = await signIn(plain, email)
    const out = await request(plain.url, 'POST', '/signout', { headers: bearer(device.accessToken) })
    expect(out.status).toBe(204)
    expect(
      await cognitoCalls('GetUser', async () => {
        for (const token of [device.accessToken, other.accessToken])
          expectProblem(await me(plain, token), 401, 'invalid_token')
      }),
    ).toBe(0)
    // A new sign-in after it works.
    await Bun.sleep(1100)
    expect((await me(plain, (await signIn(plain, email)).accessToken)).status).toBe(200)
  })
})

describe('DELETE /me', () => {
  test('204; every token of the user dies at once; the email can no longer sign in and can sign up again', async () => {
    const email = await account('delete')
    const other = await signIn(plain, email)
    const device = await signIn(plain, email)
    const out = await request(plain.url, 'DELETE', '/me', { headers: bearer(device.accessToken) })
    expect(out.status).toBe(204)
    expect(out.text).toBe('')
    expect(
      await cognitoCalls('GetUser', async () => {
        for (const token of [device.accessToken, other.accessToken])
          expectProblem(await me(plain, token), 401, 'invalid_token')
      }),
    ).toBe(0)
    expectProblem(
      await refresh(plain, { refreshToken: other.refreshToken, username: other.username }),
      401,
      'invalid_token',
    )
    expectProblem(await post(plain.url, '/signin', { email, password: PASSWORD }), 401, 'not_authorized')
    expect((await post(plain.url, '/signup', { email, password: PASSWORD, nickname: 'Again' })).status).toBe(201)
  })

  test('no token: 401 missing_token; a forged one: 401 invalid_token; DeleteUser is never called', async () => {
    const calls = await cognitoCalls('DeleteUser', async () => {
      expectProblem(await request(plain.url, 'DELETE', '/me'), 401, 'missing_token')
      expectProblem(await request(plain.url, 'DELETE', '/me', { headers: bearer('a.b.c') }), 401, 'invalid_token')
    })
    expect(calls).toBe(0)
  })
})

describe('GET /sessions and DELETE /sessions/{sessionId} (the local pool tracks sessions)', () => {
  test('lists one session per sign-in with the caller’s current; revoking another one signs that device out', async () => {
    const email = await account('sessions')
    const device = await signIn(plain, email)
    const other = await signIn(plain, email)
    const listed = await request(plain.url, 'GET', '/sessions', { headers: bearer(device.accessToken) })
    expect(listed.status).toBe(200)
    const sessions = listed.body.sessions as Array<Record<string, unknown>>
    expect(sessions).toHaveLength(2)
    expect(sessions.map((s) => s.current)).toEqual([true, false])
    for (const session of sessions) {
      expect(session).toMatchObject({ type: 'TOKEN', clientId: cognito.pool.clientId })
      expect(new Date(String(session.createdAt)).getTime()).toBeGreaterThan(Date.now() - 60_000)
    }
    const otherId = String(sessions[1]!.sessionId)
    const out = await request(plain.url, 'DELETE', `/sessions/${encodeURIComponent(otherId)}`, {
      headers: bearer(device.accessToken),
    })
    expect(out.status).toBe(204)
    expectProblem(await me(plain, other.accessToken), 401, 'invalid_token')
    expectProblem(
      await refresh(plain, { refreshToken: other.refreshToken, username: other.username }),
      401,
      'invalid_token',
    )
    expect((await me(plain, device.accessToken)).status).toBe(200)
    const after = await request(plain.url, 'GET', '/sessions', { headers: bearer(device.accessToken) })
    expect(after.body.sessions).toHaveLength(1)
  })

  test('an unknown session id: 404 session_not_found; the caller’s own: 400 invalid_parameter; no token: 401', async () => {
    const tokens = await signIn(plain, await account('sessbad'))
    expectProblem(
      await request(plain.url, 'DELETE', '/sessions/no-such-session', { headers: bearer(tokens.accessToken) }),
      404,
      'session_not_found',
    )
    const own = (await request(plain.url, 'GET', '/sessions', { headers: bearer(tokens.accessToken) })).body.sessions[0]
      .sessionId as string
    expectProblem(
      await request(plain.url, 'DELETE', `/sessions/${encodeURIComponent(own)}`, {
        headers: bearer(tokens.accessToken),
      }),
      400,
      'invalid_parameter',
    )
    expectProblem(await request(plain.url, 'GET', '/sessions'), 401, 'missing_token')
  })
})

test('no token, password or client secret in any log line', () => {
  expectNoSecrets([...rotating.lines, ...plain.lines], seen)
})
