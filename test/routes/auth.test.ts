// Signing up, in and out (src/routes/auth.ts): /signup, /signin, /signin/challenge, /token/refresh,
// /signout, in process around the stub gateway (test/support/stub-gateway.ts). The same routes
// against cognito-local over a socket: test/integration/core.test.ts and lifecycle.test.ts.
import { describe, expect, test } from 'bun:test'
import { expectApiHeaders, expectNoSecrets, expectProblem } from '../support/http.ts'
import { inProcessApp } from '../support/in-process-app.ts'
import { PASSWORD } from '../support/util.ts'

const EMAIL = 'kim.music@example.com'
const NEW_PASSWORD = 'AnotherLocalTest5678!'
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('POST /signup', () => {
  test("201 with the seed's message, the new sub and the masked delivery; the gateway got exactly the body", async () => {
    const { call, stub, logLines } = inProcessApp()
    const res = await call('POST', '/signup', { json: { email: EMAIL, password: PASSWORD, nickname: 'KIMMUSIC' } })
    expect(res.status).toBe(201)
    expect(res.headers.get('content-type')).toStartWith('application/json')
    expectApiHeaders(res)
    expect(res.body).toEqual({
      message: 'User signed up successfully!',
      userSub: expect.stringMatching(UUID),
      userConfirmed: false,
      codeDelivery: { destination: 'k***@e***', deliveryMedium: 'EMAIL', attributeName: 'email' },
    })
    expect(stub.callsOf('signUp')).toEqual([[{ email: EMAIL, password: PASSWORD, nickname: 'KIMMUSIC' }]])
    expectNoSecrets([res.text, ...logLines], [PASSWORD])
  })

  test('an email that has an account: 409 username_exists', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const res = await call('POST', '/signup', { json: { email: EMAIL, password: PASSWORD, nickname: 'Again' } })
    expectProblem(res, 409, 'username_exists', [PASSWORD])
    expectApiHeaders(res)
  })

  test('SIGNUP_ENUMERATION_SAFE: an existing email gets a 201 shaped exactly like a new one, with a made-up sub', async () => {
    const { call, stub } = inProcessApp({ SIGNUP_ENUMERATION_SAFE: 'true' })
    const realSub = stub.addAccount(EMAIL, PASSWORD)
    const taken = await call('POST', '/signup', { json: { email: EMAIL, password: PASSWORD, nickname: 'Again' } })
    const fresh = await call('POST', '/signup', {
      json: { email: 'kim.other@example.com', password: PASSWORD, nickname: 'New' },
    })
    expect([taken.status, fresh.status]).toEqual([201, 201])
    expect(Object.keys(taken.body).sort()).toEqual(Object.keys(fresh.body).sort())
    expect(taken.body.userSub).toMatch(UUID)
    expect(taken.body.userSub).not.toBe(realSub)
    expect(taken.body.codeDelivery).toEqual(fresh.body.codeDelivery)
    expect([...taken.headers.keys()].sort()).toEqual([...fresh.headers.keys()].sort())
  })

  test('SIGNUP_ENUMERATION_SAFE hides only the existing account: a weak password is still a 400', async () => {
    const { call, stub } = inProcessApp({ SIGNUP_ENUMERATION_SAFE: 'true' })
    stub.failNext('signUp', 'invalid_password')
    expectProblem(
      await call('POST', '/signup', { json: { email: EMAIL, password: 'short', nickname: 'n' } }),
      400,
      'invalid_password',
      ['short'],
    )
  })

  test.each([
    ['no nickname', { email: EMAIL, password: PASSWORD }, ['/nickname']],
    ['not an email', { email: 'kim.music', password: PASSWORD, nickname: 'n' }, ['/email']],
    ['a password with a leading space', { email: EMAIL, password: ` ${PASSWORD}`, nickname: 'n' }, ['/password']],
    [
      'a newline in the nickname (forged log lines)',
      { email: EMAIL, password: PASSWORD, nickname: 'a\nb' },
      ['/nickname'],
    ],
    ['a number for the email', { email: 42, password: PASSWORD, nickname: 'n' }, ['/email']],
  ])('%s: 400 validation_failed naming the field, never its value, and no gateway call', async (_, body, fields) => {
    const { call, stub } = inProcessApp()
    const res = await call('POST', '/signup', { json: body })
    expectProblem(res, 400, 'validation_failed', [PASSWORD])
    expect(res.body.fields).toEqual(fields)
    expectApiHeaders(res)
    expect(stub.calls).toEqual([])
  })

  test('an unreadable body is 400 malformed_json, a form body 415, a body over 16 KiB 413: all before the gateway', async () => {
    const { call, stub } = inProcessApp()
    expectProblem(
      await call('POST', '/signup', { body: '{"email":', headers: { 'content-type': 'application/json' } }),
      400,
      'malformed_json',
    )
    expectProblem(
      await call('POST', '/signup', {
        body: 'email=a%40b.c',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      415,
      'unsupported_media_type',
    )
    const big = JSON.stringify({ email: EMAIL, password: PASSWORD, nickname: 'x'.repeat(17 * 1024) })
    expectProblem(
      await call('POST', '/signup', { body: big, headers: { 'content-type': 'application/json' } }),
      413,
      'payload_too_large',
    )
    expect(stub.calls).toEqual([])
  })

  test('rate limited per account (the email, any case): 429 too_many_requests with Retry-After, and no gateway call', async () => {
    const { call, stub } = inProcessApp({ RATE_LIMITS_ENABLED: 'true', RATE_LIMIT_SIGNUP_PER_ACCOUNT: '1/1h' })
    expect((await call('POST', '/signup', { json: { email: EMAIL, password: PASSWORD, nickname: 'n' } })).status).toBe(
      201,
    )
    const again = await call('POST', '/signup', {
      json: { email: EMAIL.toUpperCase(), password: PASSWORD, nickname: 'n' },
    })
    expectProblem(again, 429, 'too_many_requests')
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(stub.callsOf('signUp')).toHaveLength(1)
  })

  test('a trailing slash is the same route for the limits too: /signin/ counts against /signin’s budget', async () => {
    const { call, stub } = inProcessApp({ RATE_LIMITS_ENABLED: 'true', RATE_LIMIT_SIGNIN_PER_ACCOUNT: '2/1h' })
    stub.addAccount(EMAIL, PASSWORD)
    const signIn = (path: string) => call('POST', path, { json: { email: EMAIL, password: 'Wrong-Passw0rd!' } })
    expect((await signIn('/signin')).status).toBe(401)
    expect((await signIn('/signin/')).status).toBe(401)
    expectProblem(await signIn('/signin/'), 429, 'too_many_requests')
    expectProblem(await signIn('/signin'), 429, 'too_many_requests')
    expect(stub.callsOf('signIn')).toHaveLength(2)
  })
})

describe('POST /signin', () => {
  test('200 with the tokens (`token` is the ID token) and the Cognito username; the gateway got the email and password', async () => {
    const { call, stub, logLines } = inProcessApp()
    const sub = stub.addAccount(EMAIL, PASSWORD)
    const res = await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })
    expect(res.status).toBe(200)
    expectApiHeaders(res)
    expect(res.body).toEqual({
      token: res.body.idToken,
      idToken: expect.any(String),
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 3600,
      tokenType: 'Bearer',
      username: sub,
      deviceToken: expect.stringMatching(/^[\w-]{50}$/),
    })
    expect(stub.callsOf('signIn')).toEqual([[{ email: EMAIL, password: PASSWORD }]])
    expectNoSecrets(logLines, [PASSWORD, res.body.accessToken, res.body.refreshToken, res.body.deviceToken])
  })

  test('a wrong password and an unknown email get the same 401 not_authorized, byte for byte', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const wrong = await call('POST', '/signin', { json: { email: EMAIL, password: 'Wrong-Passw0rd!' } })
    const unknown = await call('POST', '/signin', {
      json: { email: 'nobody@example.com', password: 'Wrong-Passw0rd!' },
    })
    expectProblem(wrong, 401, 'not_authorized', ['Wrong-Passw0rd!'])
    expect(unknown.text).toBe(wrong.text)
  })

  test('an unconfirmed account: 403 user_not_confirmed', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD, { confirmed: false })
    expectProblem(
      await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } }),
      403,
      'user_not_confirmed',
    )
  })

  test('an account that must choose a new password: 200 with the challenge instead of tokens', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD, { newPasswordRequired: true })
    const res = await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      challengeName: 'NEW_PASSWORD_REQUIRED',
      session: expect.any(String),
      challengeParameters: expect.any(Object),
    })
  })

  test('the identity provider unreachable: 503 upstream_unavailable, logged as an error with the request id', async () => {
    const { call, stub, logLines } = inProcessApp()
    stub.failNext('signIn', 'upstream_unavailable')
    const res = await call('POST', '/signin', {
      json: { email: EMAIL, password: PASSWORD },
      headers: { 'x-request-id': 'outage.1' },
    })
    expectProblem(res, 503, 'upstream_unavailable', [PASSWORD])
    expectApiHeaders(res, 'outage.1')
    const lines = logLines.map((l) => JSON.parse(l))
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'request failed',
        reqId: 'outage.1',
        path: '/signin',
        code: 'upstream_unavailable',
      }),
    )
    expectNoSecrets(logLines, [PASSWORD])
  })

  test('GET /signin is 405 with Allow: POST', async () => {
    const res = await inProcessApp().call('GET', '/signin')
    expectProblem(res, 405, 'method_not_allowed')
    expect(res.headers.get('allow')).toBe('POST')
  })
})

describe('POST /signin/challenge', () => {
  test('the new password answers the challenge: 200 with tokens; the gateway got the email, session and answers', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD, { newPasswordRequired: true })
    const { session } = (await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })).body
    const body = { email: EMAIL, challengeName: 'NEW_PASSWORD_REQUIRED', session, responses: { NEW_PASSWORD } }
    const res = await call('POST', '/signin/challenge', { json: body })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ tokenType: 'Bearer', token: res.body.idToken })
    expect(stub.callsOf('respondToChallenge')).toEqual([[body]])
    expect((await call('POST', '/signin', { json: { email: EMAIL, password: NEW_PASSWORD } })).status).toBe(200)
  })

  test('a stale session: 400 session_expired', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD, { newPasswordRequired: true })
    const res = await call('POST', '/signin/challenge', {
      json: { email: EMAIL, challengeName: 'NEW_PASSWORD_REQUIRED', session: 'stale', responses: { NEW_PASSWORD } },
    })
    expectProblem(res, 400, 'session_expired', [NEW_PASSWORD])
  })

  test.each([
    [
      'a lower-case challenge name',
      { challengeName: 'new_password_required', responses: { NEW_PASSWORD } },
      ['/challengeName'],
    ],
    ['no answers', { challengeName: 'NEW_PASSWORD_REQUIRED', responses: {} }, ['/responses']],
    [
      'an answer with a control character',
      { challengeName: 'NEW_PASSWORD_REQUIRED', responses: { NEW_PASSWORD: 'a\u0000b' } },
      ['/responses'],
    ],
  ])('%s: 400 validation_failed, no gateway call', async (_, fields, failing) => {
    const { call, stub } = inProcessApp()
    const res = await call('POST', '/signin/challenge', { json: { email: EMAIL, session: 'AYABeC', ...fields } })
    expectProblem(res, 400, 'validation_failed')
    expect(res.body.fields).toEqual(failing)
    expect(stub.calls).toEqual([])
  })
})

describe('POST /token/refresh', () => {
  test('200 with new ID and access tokens; the gateway got the refresh token and the Cognito username', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const { refreshToken, username } = await stub.signIn(EMAIL, PASSWORD)
    const res = await call('POST', '/token/refresh', { json: { refreshToken, username } })
    expect(res.status).toBe(200)
    expectApiHeaders(res)
    expect(res.body).toEqual({
      idToken: expect.any(String),
      accessToken: expect.any(String),
      expiresIn: 3600,
      tokenType: 'Bearer',
    })
    expect(stub.callsOf('refresh')).toEqual([[refreshToken, username]])
  })

  test("someone else's username with the token: 401 invalid_token", async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const { refreshToken } = await stub.signIn(EMAIL, PASSWORD)
    const res = await call('POST', '/token/refresh', { json: { refreshToken, username: 'another-user' } })
    expectProblem(res, 401, 'invalid_token', [refreshToken!])
  })

  test('no username: the gateway gets none (with rotation it needs none; without, the gateway refuses it: integration)', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const { refreshToken } = await stub.signIn(EMAIL, PASSWORD)
    const res = await call('POST', '/token/refresh', { json: { refreshToken } })
    expect(res.status).toBe(200)
    expect(stub.callsOf('refresh')).toEqual([[refreshToken, undefined]])
    // The stub rotates when no username is given: the answer's refresh token is a new one.
    expect(res.body.refreshToken).toMatch(/^stub-refresh\./)
    expect(res.body.refreshToken).not.toBe(refreshToken)
  })

  test('a username with a space is still validated: 400 naming /username, no gateway call', async () => {
    const { call, stub } = inProcessApp()
    const res = await call('POST', '/token/refresh', { json: { refreshToken: 'abc.def', username: 'a b' } })
    expectProblem(res, 400, 'validation_failed')
    expect(res.body.fields).toEqual(['/username'])
    expect(stub.calls).toEqual([])
  })
})

describe('POST /signout', () => {
  test('204 with no body; the gateway signed the token out everywhere, so it is refused afterwards', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const { accessToken } = await stub.signIn(EMAIL, PASSWORD)
    const bearer = { authorization: `Bearer ${accessToken}` }
    const res = await call('POST', '/signout', { headers: bearer })
    expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' })
    expectApiHeaders(res)
    expect(stub.callsOf('globalSignOut')).toEqual([[accessToken]])
    expectProblem(await call('GET', '/me', { headers: bearer }), 401, 'invalid_token')
  })

  test('no Authorization header: 401 missing_token with WWW-Authenticate: Bearer, and no gateway call', async () => {
    const { call, stub } = inProcessApp()
    const res = await call('POST', '/signout')
    expectProblem(res, 401, 'missing_token')
    expect(res.headers.get('www-authenticate')).toBe('Bearer')
    expectApiHeaders(res)
    expect(stub.calls).toEqual([])
  })

  test.each([['Basic dXNlcjpwYXNz'], ['Bearer'], ['Bearer two tokens']])(
    'Authorization: %s is 401 missing_token',
    async (authorization) => {
      const res = await inProcessApp().call('POST', '/signout', { headers: { authorization } })
      expectProblem(res, 401, 'missing_token')
    },
  )

  test('a token the verifier refuses: 401 invalid_token with the RFC 6750 error, and no gateway call', async () => {
    const { call, stub } = inProcessApp()
    const res = await call('POST', '/signout', { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.forged' } })
    expectProblem(res, 401, 'invalid_token', ['forged'])
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
    expect(stub.calls).toEqual([])
  })
})
