// The account's life after sign-up (src/routes/account.ts): /signup/confirm, /signup/resend,
// /password/forgot, /password/reset, /me, /password/change, in process around the stub gateway
// (test/support/stub-gateway.ts). Against cognito-local over a socket: test/integration/lifecycle.test.ts.
import { describe, expect, test } from 'bun:test'
import { expectApiHeaders, expectNoSecrets, expectProblem } from '../support/http.ts'
import { inProcessApp } from '../support/in-process-app.ts'
import { STUB_CODE } from '../support/stub-gateway.ts'
import { PASSWORD } from '../support/util.ts'

const EMAIL = 'kim.music@example.com'
const NEW_PASSWORD = 'AnotherLocalTest5678!'
const MASKED = { destination: 'k***@e***', deliveryMedium: 'EMAIL', attributeName: 'email' }

describe('POST /signup/confirm', () => {
  test('200 with the confirmation message; the gateway got the email and code; the account can sign in', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD, { confirmed: false })
    const res = await call('POST', '/signup/confirm', { json: { email: EMAIL, code: STUB_CODE } })
    expect({ status: res.status, body: res.body }).toEqual({
      status: 200,
      body: { message: 'User confirmed successfully!' },
    })
    expectApiHeaders(res)
    expect(stub.callsOf('confirmSignUp')).toEqual([[EMAIL, STUB_CODE]])
    expect((await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })).status).toBe(200)
  })

  test('a wrong code and an unknown account get the same 400 code_mismatch', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD, { confirmed: false })
    const wrong = await call('POST', '/signup/confirm', { json: { email: EMAIL, code: '000000' } })
    const unknown = await call('POST', '/signup/confirm', { json: { email: 'nobody@example.com', code: '000000' } })
    expectProblem(wrong, 400, 'code_mismatch')
    expect(unknown.text).toBe(wrong.text)
  })

  test('an expired code: 400 code_expired', async () => {
    const { call, stub } = inProcessApp()
    stub.failNext('confirmSignUp', 'code_expired')
    expectProblem(
      await call('POST', '/signup/confirm', { json: { email: EMAIL, code: STUB_CODE } }),
      400,
      'code_expired',
    )
  })

  test('a code with a space: 400 validation_failed naming /code, no gateway call', async () => {
    const { call, stub } = inProcessApp()
    const res = await call('POST', '/signup/confirm', { json: { email: EMAIL, code: '123 456' } })
    expectProblem(res, 400, 'validation_failed')
    expect(res.body.fields).toEqual(['/code'])
    expect(stub.calls).toEqual([])
  })
})

describe('POST /signup/resend and POST /password/forgot: the same answer whether or not the account exists', () => {
  for (const [path, status, method] of [
    ['/signup/resend', 200, 'resendConfirmationCode'],
    ['/password/forgot', 202, 'forgotPassword'],
  ] as const) {
    test(`${path}: ${status} with the delivery masked from the request, identical for a known and an unknown email`, async () => {
      const { call, stub } = inProcessApp()
      stub.addAccount(EMAIL, PASSWORD)
      const known = await call('POST', path, { json: { email: EMAIL } })
      const unknown = await call('POST', path, { json: { email: 'kate.nobody@example.com' } })
      expect({ status: known.status, body: known.body }).toEqual({ status, body: { codeDelivery: MASKED } })
      expect({ status: unknown.status, text: unknown.text }).toEqual({ status, text: known.text })
      expectApiHeaders(known)
      expect(stub.callsOf(method)).toEqual([[EMAIL], ['kate.nobody@example.com']])
    })

    test(`${path}: rate limited per account, 429 with Retry-After`, async () => {
      const { call } = inProcessApp({ RATE_LIMITS_ENABLED: 'true', RATE_LIMIT_EMAIL_PER_ACCOUNT: '1/1h' })
      expect((await call('POST', path, { json: { email: EMAIL } })).status).toBe(status)
      const again = await call('POST', path, { json: { email: EMAIL } })
      expectProblem(again, 429, 'too_many_requests')
      expect(again.headers.get('retry-after')).toMatch(/^\d+$/)
    })
  }

  test('/password/forgot without an email: 400 validation_failed naming /email', async () => {
    const res = await inProcessApp().call('POST', '/password/forgot', { json: {} })
    expectProblem(res, 400, 'validation_failed')
    expect(res.body.fields).toEqual(['/email'])
  })
})

describe('POST /password/reset', () => {
  test('200 with the reset message; the gateway got email, code and password; the new password signs in', async () => {
    const { call, stub, logLines } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const res = await call('POST', '/password/reset', {
      json: { email: EMAIL, code: STUB_CODE, password: NEW_PASSWORD },
    })
    expect({ status: res.status, body: res.body }).toEqual({
      status: 200,
      body: { message: 'Password reset successfully!' },
    })
    expect(stub.callsOf('confirmForgotPassword')).toEqual([[EMAIL, STUB_CODE, NEW_PASSWORD]])
    expect((await call('POST', '/signin', { json: { email: EMAIL, password: NEW_PASSWORD } })).status).toBe(200)
    expectNoSecrets([res.text, ...logLines], [NEW_PASSWORD, PASSWORD])
  })

  test('a wrong code: 400 code_mismatch; a password the pool refuses: 400 invalid_password; neither echoes the password', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    expectProblem(
      await call('POST', '/password/reset', { json: { email: EMAIL, code: '000000', password: NEW_PASSWORD } }),
      400,
      'code_mismatch',
      [NEW_PASSWORD],
    )
    stub.failNext('confirmForgotPassword', 'invalid_password')
    expectProblem(
      await call('POST', '/password/reset', { json: { email: EMAIL, code: STUB_CODE, password: 'weakpassword' } }),
      400,
      'invalid_password',
      ['weakpassword'],
    )
  })
})

describe('GET /me', () => {
  test('200 with the profile of the token’s user; the gateway got the access token', async () => {
    const { call, stub } = inProcessApp()
    const sub = stub.addAccount(EMAIL, PASSWORD)
    const { accessToken } = await stub.signIn(EMAIL, PASSWORD)
    const res = await call('GET', '/me', { headers: { authorization: `Bearer ${accessToken}` } })
    expect(res.status).toBe(200)
    expectApiHeaders(res)
    expect(res.body).toEqual({ username: sub, sub, email: EMAIL, emailVerified: true, nickname: 'Stub' })
    expect(stub.callsOf('getUser')).toEqual([[accessToken]])
  })

  test('no token: 401 missing_token; a forged one: 401 invalid_token; neither reaches the gateway', async () => {
    const { call, stub } = inProcessApp()
    const missing = await call('GET', '/me')
    expectProblem(missing, 401, 'missing_token')
    expect(missing.headers.get('www-authenticate')).toBe('Bearer')
    const forged = await call('GET', '/me', { headers: { authorization: 'Bearer not-a-real-token' } })
    expectProblem(forged, 401, 'invalid_token')
    expect(forged.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
    expect(stub.calls).toEqual([])
  })

  test('POST /me is 405 with Allow: GET, DELETE', async () => {
    const res = await inProcessApp().call('POST', '/me')
    expectProblem(res, 405, 'method_not_allowed')
    expect(res.headers.get('allow')).toBe('GET, DELETE')
  })
})

describe('POST /password/reset ends every session', () => {
  test('every token of the account dies; the gateway signed it out by the email', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const first = await stub.signIn(EMAIL, PASSWORD)
    const second = await stub.signIn(EMAIL, PASSWORD)
    expect((await call('POST', '/password/forgot', { json: { email: EMAIL } })).status).toBe(202)
    const res = await call('POST', '/password/reset', {
      json: { email: EMAIL, code: STUB_CODE, password: NEW_PASSWORD },
    })
    expect(res.status).toBe(200)
    expect(stub.callsOf('signOutEverywhereByName')).toEqual([[EMAIL]])
    for (const dead of [first.accessToken, second.accessToken])
      expectProblem(await call('GET', '/me', { headers: { authorization: `Bearer ${dead}` } }), 401, 'invalid_token')
  })

  test('the sign-out fails after the reset: 500 that says the password was reset', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    stub.failNext('signOutEverywhereByName', 'internal_error')
    const res = await call('POST', '/password/reset', {
      json: { email: EMAIL, code: STUB_CODE, password: NEW_PASSWORD },
    })
    expectProblem(res, 500, 'internal_error', [NEW_PASSWORD])
    expect(res.body.detail).toStartWith('The password was reset')
  })
})

describe('POST /password/change', () => {
  test('200 with this device’s new tokens; every session signed out, the old token and the other device’s dead', async () => {
    const { call, stub, logLines } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const { accessToken, username } = await stub.signIn(EMAIL, PASSWORD)
    const other = await stub.signIn(EMAIL, PASSWORD)
    const res = await call('POST', '/password/change', {
      json: { previousPassword: PASSWORD, proposedPassword: NEW_PASSWORD },
      headers: { authorization: `Bearer ${accessToken}` },
    })
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ tokenType: 'Bearer', username })
    expectApiHeaders(res)
    expect(stub.callsOf('changePassword')).toEqual([[accessToken, PASSWORD, NEW_PASSWORD]])
    expect(stub.callsOf('signOutEverywhereByName')).toEqual([[username]])
    for (const dead of [accessToken, other.accessToken])
      expectProblem(await call('GET', '/me', { headers: { authorization: `Bearer ${dead}` } }), 401, 'invalid_token')
    expect((await call('GET', '/me', { headers: { authorization: `Bearer ${res.body.accessToken}` } })).status).toBe(
      200,
    )
    expect((await call('POST', '/signin', { json: { email: EMAIL, password: NEW_PASSWORD } })).status).toBe(200)
    expectNoSecrets(logLines, [PASSWORD, NEW_PASSWORD, accessToken])
  })

  test('the sign-out everywhere fails after the change: 500 that says the password changed, logged', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const { accessToken } = await stub.signIn(EMAIL, PASSWORD)
    stub.failNext('signOutEverywhereByName', 'internal_error')
    const res = await call('POST', '/password/change', {
      json: { previousPassword: PASSWORD, proposedPassword: NEW_PASSWORD },
      headers: { authorization: `Bearer ${accessToken}` },
    })
    expectProblem(res, 500, 'internal_error')
    expect(res.body.detail).toStartWith('The password was changed')
  })

  test('a wrong previous password: 400 previous_password_mismatch, never a 401 (the token stays good)', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const { accessToken } = await stub.signIn(EMAIL, PASSWORD)
    const bearer = { authorization: `Bearer ${accessToken}` }
    const res = await call('POST', '/password/change', {
      json: { previousPassword: 'Wrong-Passw0rd!', proposedPassword: NEW_PASSWORD },
      headers: bearer,
    })
    expectProblem(res, 400, 'previous_password_mismatch', ['Wrong-Passw0rd!', NEW_PASSWORD])
    expect(res.headers.get('www-authenticate')).toBeNull()
    expect((await call('GET', '/me', { headers: bearer })).status).toBe(200)
  })

  test('the token is checked before the body: no token and a bad body is 401 missing_token, not 400', async () => {
    const { call, stub } = inProcessApp()
    expectProblem(await call('POST', '/password/change', { json: { previousPassword: '' } }), 401, 'missing_token')
    expect(stub.calls).toEqual([])
  })

  test('a good token and no proposed password: 400 validation_failed naming /proposedPassword, no gateway call', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const { accessToken } = await stub.signIn(EMAIL, PASSWORD)
    const res = await call('POST', '/password/change', {
      json: { previousPassword: PASSWORD },
      headers: { authorization: `Bearer ${accessToken}` },
    })
    expectProblem(res, 400, 'validation_failed', [PASSWORD])
    expect(res.body.fields).toEqual(['/proposedPassword'])
    expect(stub.callsOf('changePassword')).toEqual([])
  })
})
