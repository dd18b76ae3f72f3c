// Ending sessions (src/routes/tokens.ts): POST /signout/device, what /signout adds to the revocation list,
// and DELETE /me (src/routes/account.ts),
// in process around the stub gateway (test/support/stub-gateway.ts). Against
// cognito-local over a socket: test/integration/tokens.test.ts.
import { describe, expect, test } from 'bun:test'
import { expectApiHeaders, expectProblem } from '../support/http.ts'
import { inProcessApp } from '../support/in-process-app.ts'
import { PASSWORD } from '../support/util.ts'

const EMAIL = 'kim.music@example.com'
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** An app with one account signed in on two devices. */
async function twoDevices(env: Record<string, string> = {}) {
  const app = inProcessApp(env)
  app.stub.addAccount(EMAIL, PASSWORD)
  const device = await app.stub.signIn(EMAIL, PASSWORD)
  const other = await app.stub.signIn(EMAIL, PASSWORD)
  return { ...app, device, other }
}

describe('POST /signout/device', () => {
  test('204 with no body; the gateway revoked this refresh token; this device’s tokens are refused without asking it, the other device’s are not', async () => {
    const { call, stub, device, other } = await twoDevices()
    const refreshed = await call('POST', '/token/refresh', {
      json: { refreshToken: device.refreshToken, username: device.username },
    })
    const res = await call('POST', '/signout/device', {
      headers: bearer(device.accessToken),
      json: { refreshToken: device.refreshToken },
    })
    expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' })
    expectApiHeaders(res)
    expect(stub.callsOf('revokeToken')).toEqual([[device.refreshToken]])
    const before = stub.callsOf('getUser').length
    for (const token of [device.accessToken, refreshed.body.accessToken])
      expectProblem(await call('GET', '/me', { headers: bearer(token) }), 401, 'invalid_token')
    expect(stub.callsOf('getUser').length).toBe(before)
    expect((await call('GET', '/me', { headers: bearer(other.accessToken) })).status).toBe(200)
  })

  test('a refresh token the gateway calls invalid: still 204, and this access token is refused afterwards', async () => {
    const { call, device } = await twoDevices()
    const res = await call('POST', '/signout/device', {
      headers: bearer(device.accessToken),
      json: { refreshToken: 'stub-refresh.unknown.1' },
    })
    expect(res.status).toBe(204)
    expectProblem(await call('GET', '/me', { headers: bearer(device.accessToken) }), 401, 'invalid_token')
  })

  test('Cognito unreachable: 503, and the token stays valid (nothing was revoked)', async () => {
    const { call, stub, device } = await twoDevices()
    stub.failNext('revokeToken', 'upstream_unavailable')
    const res = await call('POST', '/signout/device', {
      headers: bearer(device.accessToken),
      json: { refreshToken: device.refreshToken },
    })
    expectProblem(res, 503, 'upstream_unavailable', [device.refreshToken!])
    expect((await call('GET', '/me', { headers: bearer(device.accessToken) })).status).toBe(200)
  })

  test('no Authorization: 401 missing_token; a bad refresh token: 400 naming /refreshToken, never echoed; no gateway call', async () => {
    const { call, stub, device } = await twoDevices()
    stub.calls.length = 0
    expectProblem(
      await call('POST', '/signout/device', { json: { refreshToken: device.refreshToken } }),
      401,
      'missing_token',
    )
    for (const refreshToken of ['', 'has space', 'x'.repeat(8193)]) {
      const res = await call('POST', '/signout/device', { headers: bearer(device.accessToken), json: { refreshToken } })
      expectProblem(res, 400, 'validation_failed')
      expect(res.body.fields).toEqual(['/refreshToken'])
      if (refreshToken) expect(res.text).not.toContain(refreshToken)
    }
    expectProblem(
      await call('POST', '/signout/device', {
        headers: { ...bearer(device.accessToken), 'content-type': 'application/json' },
        body: '{',
      }),
      400,
      'malformed_json',
    )
    expect(stub.calls).toEqual([])
  })
})

describe('DELETE /me', () => {
  test('204; the gateway deleted the user; every token of the user is refused at once, without asking the gateway', async () => {
    const { call, stub, device, other } = await twoDevices()
    const res = await call('DELETE', '/me', { headers: bearer(device.accessToken) })
    expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' })
    expectApiHeaders(res)
    expect(stub.callsOf('deleteUser')).toEqual([[device.accessToken]])
    const before = stub.calls.length
    for (const token of [device.accessToken, other.accessToken])
      expectProblem(await call('GET', '/me', { headers: bearer(token) }), 401, 'invalid_token')
    expect(stub.calls.length).toBe(before)
  })

  test('a sign-in older than RECENT_SIGN_IN_SECONDS: 403 reauthentication_required, nothing deleted', async () => {
    const app = inProcessApp({ RECENT_SIGN_IN_SECONDS: '600' })
    app.stub.addAccount(EMAIL, PASSWORD)
    const realNow = Date.now
    Date.now = () => realNow() - 601_000
    let old: Awaited<ReturnType<typeof app.stub.signIn>>
    try {
      old = await app.stub.signIn(EMAIL, PASSWORD)
    } finally {
      Date.now = realNow
    }
    const res = await app.call('DELETE', '/me', { headers: bearer(old.accessToken) })
    expectProblem(res, 403, 'reauthentication_required')
    expect(app.stub.callsOf('deleteUser')).toEqual([])
    expect((await app.call('GET', '/me', { headers: bearer(old.accessToken) })).status).toBe(200)
  })

  test('Cognito fails: the 5xx is passed on and the tokens stay valid', async () => {
    const { call, stub, device } = await twoDevices()
    stub.failNext('deleteUser', 'upstream_timeout')
    expectProblem(await call('DELETE', '/me', { headers: bearer(device.accessToken) }), 504, 'upstream_timeout')
    expect((await call('GET', '/me', { headers: bearer(device.accessToken) })).status).toBe(200)
  })

  test('no token: 401 missing_token; a forged one: 401 invalid_token; no gateway call', async () => {
    const { call, stub } = inProcessApp()
    expectProblem(await call('DELETE', '/me'), 401, 'missing_token')
    expectProblem(await call('DELETE', '/me', { headers: bearer('forged.token.here') }), 401, 'invalid_token')
    expect(stub.calls).toEqual([])
  })
})

describe('POST /signout (everywhere) and the revocation list', () => {
  test('afterwards the user’s tokens issued before it are refused without asking the gateway', async () => {
    const realNow = Date.now
    const app = inProcessApp()
    app.stub.addAccount(EMAIL, PASSWORD)
    // The other device signed in a few seconds earlier (iat has second resolution).
    Date.now = () => realNow() - 5000
    let other: Awaited<ReturnType<typeof app.stub.signIn>>
    try {
      other = await app.stub.signIn(EMAIL, PASSWORD)
    } finally {
      Date.now = realNow
    }
    const device = await app.stub.signIn(EMAIL, PASSWORD)
    expect((await app.call('POST', '/signout', { headers: bearer(device.accessToken) })).status).toBe(204)
    const before = app.stub.calls.length
    for (const token of [device.accessToken, other.accessToken])
      expectProblem(await app.call('GET', '/me', { headers: bearer(token) }), 401, 'invalid_token')
    expect(app.stub.calls.length).toBe(before)
  })
})

describe('GET /sessions and DELETE /sessions/{sessionId}', () => {
  test('the user’s sessions, the caller’s marked current; revoking another one kills its tokens, the caller’s stay', async () => {
    const { call, stub, device, other } = await twoDevices()
    const listed = await call('GET', '/sessions', { headers: bearer(device.accessToken) })
    expect(listed.status).toBe(200)
    expectApiHeaders(listed)
    const sessions = listed.body.sessions as Array<{ sessionId: string; current: boolean; type: string }>
    expect(sessions.map((s) => [s.type, s.current])).toEqual([
      ['TOKEN', true],
      ['TOKEN', false],
    ])
    const otherId = sessions.find((s) => !s.current)!.sessionId
    const res = await call('DELETE', `/sessions/${otherId}`, { headers: bearer(device.accessToken) })
    expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' })
    expect(stub.callsOf('revokeSession')).toEqual([[device.accessToken, otherId]])
    expectProblem(await call('GET', '/me', { headers: bearer(other.accessToken) }), 401, 'invalid_token')
    expect((await call('GET', '/me', { headers: bearer(device.accessToken) })).status).toBe(200)
  })

  test('an unknown session: 404 session_not_found; the caller’s own: 400 invalid_parameter', async () => {
    const { call, device } = await twoDevices()
    expectProblem(
      await call('DELETE', '/sessions/stub-session.999', { headers: bearer(device.accessToken) }),
      404,
      'session_not_found',
    )
    const own = (await call('GET', '/sessions', { headers: bearer(device.accessToken) })).body.sessions.find(
      (s: { current: boolean }) => s.current,
    ).sessionId
    expectProblem(
      await call('DELETE', `/sessions/${own}`, { headers: bearer(device.accessToken) }),
      400,
      'invalid_parameter',
    )
  })

  test('session tracking off (the gateway’s internal_error): 500, no detail leaked', async () => {
    const { call, stub, device } = await twoDevices()
    stub.failNext('listSessions', 'internal_error')
    expectProblem(await call('GET', '/sessions', { headers: bearer(device.accessToken) }), 500, 'internal_error')
  })

  test('no token: 401; a session id with a space or a control character: 400 naming /sessionId; no gateway call', async () => {
    const { call, stub, device } = await twoDevices()
    stub.calls.length = 0
    expectProblem(await call('GET', '/sessions'), 401, 'missing_token')
    expectProblem(await call('DELETE', '/sessions/abc'), 401, 'missing_token')
    for (const id of ['a%20b', 'a%0Ab', 'x'.repeat(257)]) {
      const res = await call('DELETE', `/sessions/${id}`, { headers: bearer(device.accessToken) })
      expectProblem(res, 400, 'validation_failed')
      expect(res.body.fields).toEqual(['/sessionId'])
    }
    expect(stub.calls).toEqual([])
  })
})
