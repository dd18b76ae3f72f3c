// Passwordless sign-in and passkeys (src/routes/passwordless.ts), in process around the stub gateway:
// validation, what the routes hand the gateway, the recent sign-in rule, the rate limits. The Cognito
// side (codes, sessions, passkey ceremonies) is tested against the local Cognito in
// test/integration/passwordless.test.ts and test/local-cognito/passwordless.test.ts.
import { afterEach, describe, expect, setSystemTime, test } from 'bun:test'
import { bearer, expectProblem } from '../support/http.ts'
import { inProcessApp } from '../support/in-process-app.ts'
import { STUB_PASSKEY_ID, STUB_TOTP_CODE } from '../support/stub-gateway.ts'
import { PASSWORD } from '../support/util.ts'

const EMAIL = 'kim.music@example.com'

afterEach(() => setSystemTime())

describe('POST /signin/passwordless', () => {
  test('email_otp: 200 EMAIL_OTP with the masked destination; the gateway got the email and method', async () => {
    const { call, stub } = inProcessApp()
    const res = await call('POST', '/signin/passwordless', { json: { email: EMAIL, method: 'email_otp' } })
    expect(res.status).toBe(200)
    expect(res.body.challengeName).toBe('EMAIL_OTP')
    expect(res.body.challengeParameters).toEqual({
      CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL',
      CODE_DELIVERY_DESTINATION: 'k***@e***',
    })
    expect(stub.callsOf('startPasswordless')).toEqual([[{ email: EMAIL, method: 'email_otp' }]])
  })

  test('no method: the gateway gets none (no default is filled in)', async () => {
    const { call, stub } = inProcessApp()
    const res = await call('POST', '/signin/passwordless', { json: { email: EMAIL } })
    expect(res.body.availableChallenges).toEqual(['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'])
    expect(stub.callsOf('startPasswordless')).toEqual([[{ email: EMAIL }]])
  })

  test('an unknown method or a missing email: 400 validation_failed naming the field, no gateway call', async () => {
    const { call, stub } = inProcessApp()
    const method = await call('POST', '/signin/passwordless', { json: { email: EMAIL, method: 'sms' } })
    expectProblem(method, 400, 'validation_failed')
    expect(method.body.fields).toEqual(['/method'])
    const email = await call('POST', '/signin/passwordless', { json: { method: 'email_otp' } })
    expectProblem(email, 400, 'validation_failed')
    expect(email.body.fields).toEqual(['/email'])
    expect(stub.calls).toEqual([])
  })

  test('rate limited per account as an email send: 429 with Retry-After', async () => {
    const { call } = inProcessApp({ RATE_LIMITS_ENABLED: 'true', RATE_LIMIT_EMAIL_PER_ACCOUNT: '1/1h' })
    expect((await call('POST', '/signin/passwordless', { json: { email: EMAIL } })).status).toBe(200)
    const limited = await call('POST', '/signin/passwordless', { json: { email: EMAIL.toUpperCase() } })
    expectProblem(limited, 429, 'too_many_requests')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
  })

  /** An app with `verifyPerAccount` as the verify budget per account, and answers to an emailed-code sign-in it started. */
  async function emailOtpAnswers(verifyPerAccount: string) {
    const { call } = inProcessApp({ RATE_LIMITS_ENABLED: 'true', RATE_LIMIT_VERIFY_PER_ACCOUNT: verifyPerAccount })
    const started = await call('POST', '/signin/passwordless', { json: { email: EMAIL, method: 'email_otp' } })
    return ({ email = EMAIL, challengeName = 'EMAIL_OTP' }: { email?: string; challengeName?: string }) =>
      call('POST', '/signin/challenge', {
        json: { email, challengeName, session: started.body.session, responses: { EMAIL_OTP_CODE: '123456' } },
      })
  }

  test('answering an emailed code counts against the code-guessing budget; other challenges do not', async () => {
    const answer = await emailOtpAnswers('1/1h')
    expect((await answer({ challengeName: 'NEW_PASSWORD_REQUIRED' })).status).not.toBe(429)
    expect((await answer({ challengeName: 'NEW_PASSWORD_REQUIRED' })).status).not.toBe(429)
    expect((await answer({})).status).not.toBe(429)
    expectProblem(await answer({}), 429, 'too_many_requests')
  })

  test('a challenge answer counts against the account of its session, whatever email the body names', async () => {
    const answer = await emailOtpAnswers('2/1h')
    expect((await answer({ email: 'made.up.1@example.com' })).status).not.toBe(429)
    expect((await answer({ email: 'made.up.2@example.com' })).status).not.toBe(429)
    expectProblem(await answer({ email: 'made.up.3@example.com' }), 429, 'too_many_requests')
  })
})

describe('passkeys under /me', () => {
  test('without a token: 401 missing_token on every passkey route', async () => {
    const { call, stub } = inProcessApp()
    for (const [method, path] of [
      ['GET', '/me/passkeys'],
      ['GET', '/me/auth-factors'],
      ['DELETE', '/me/passkeys/abc'],
      ['POST', '/me/passkeys/options'],
      ['PUT', '/me/passkeys/mfa'],
    ] as const) {
      expectProblem(await call(method, path), 401, 'missing_token')
    }
    expect(stub.calls).toEqual([])
  })

  test('listing and factors need no recent sign-in; adding or removing a passkey does (403 reauthentication_required)', async () => {
    const { call, stub } = inProcessApp({ RECENT_SIGN_IN_SECONDS: '600' })
    stub.addAccount(EMAIL, PASSWORD)
    const { accessToken } = await stub.signIn(EMAIL, PASSWORD)
    const headers = bearer(accessToken)
    expect((await call('POST', '/me/passkeys/options', { headers })).status).toBe(200)
    setSystemTime(new Date(Date.now() + 601_000))
    expect((await call('GET', '/me/passkeys', { headers })).body).toEqual({
      passkeys: [],
      userHandle: expect.stringMatching(/^[\w-]+$/),
    })
    expect((await call('GET', '/me/auth-factors', { headers })).body).toEqual({ factors: ['PASSWORD', 'EMAIL_OTP'] })
    expectProblem(await call('POST', '/me/passkeys/options', { headers }), 403, 'reauthentication_required')
    expectProblem(
      await call('POST', '/me/passkeys', { headers, json: { credential: { id: 'x' } } }),
      403,
      'reauthentication_required',
    )
    expect(stub.callsOf('completePasskeyRegistration')).toEqual([])
    expectProblem(await call('DELETE', '/me/passkeys/abc', { headers }), 403, 'reauthentication_required')
    expect(stub.callsOf('deletePasskey')).toEqual([])
  })

  test('a credential id with characters outside base64url: 400 validation_failed, no gateway call', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const headers = bearer((await stub.signIn(EMAIL, PASSWORD)).accessToken)
    expectProblem(await call('DELETE', '/me/passkeys/a.b', { headers }), 400, 'validation_failed')
    expect(stub.callsOf('deletePasskey')).toEqual([])
  })

  test('a rejected registration: 400 passkey_rejected; an unknown passkey: 404 passkey_not_found', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const headers = bearer((await stub.signIn(EMAIL, PASSWORD)).accessToken)
    expectProblem(
      await call('POST', '/me/passkeys', { headers, json: { credential: { id: 'x' } } }),
      400,
      'passkey_rejected',
    )
    expectProblem(await call('DELETE', '/me/passkeys/abc', { headers }), 404, 'passkey_not_found')
  })

  test('while passkeys count as MFA, removing one needs the password and a code: 403 factor_proof_required without', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const headers = bearer((await stub.signIn(EMAIL, PASSWORD)).accessToken)
    const remove = (json?: Record<string, unknown>) =>
      call('DELETE', `/me/passkeys/${STUB_PASSKEY_ID}`, { headers, ...(json ? { json } : {}) })
    expect((await remove()).status).toBe(204)
    expect(stub.callsOf('deletePasskey').at(-1)?.slice(2)).toEqual([STUB_PASSKEY_ID, undefined])
    const { secretCode } = (await call('POST', '/me/mfa/totp', { headers })).body
    expect(secretCode).toBeString()
    expect((await call('POST', '/me/mfa/totp/verify', { headers, json: { code: STUB_TOTP_CODE } })).status).toBe(204)
    expect((await call('PUT', '/me/passkeys/mfa', { headers, json: { enabled: true } })).status).toBe(204)
    expectProblem(await remove(), 403, 'factor_proof_required')
    expectProblem(await remove({ password: PASSWORD }), 400, 'validation_failed')
    expectProblem(await remove({ password: PASSWORD, code: '000000' }), 400, 'code_mismatch')
    expectProblem(await remove({ password: `${PASSWORD}x`, code: STUB_TOTP_CODE }), 400, 'password_mismatch')
    const proof = { password: PASSWORD, code: STUB_TOTP_CODE }
    expect((await remove(proof)).status).toBe(204)
    expect(stub.callsOf('deletePasskey').at(-1)?.slice(2)).toEqual([STUB_PASSKEY_ID, proof])
  })

  test('a removal sent without the proof, or naming no passkey, costs no slot of the code budget; a wrong code does', async () => {
    // The page asks for the proof only after a first removal without it: that must never lock the
    // owner out of the proof itself (nor out of turning the app off, the same budget).
    const { call, stub } = inProcessApp({ RATE_LIMITS_ENABLED: 'true' })
    stub.addAccount(EMAIL, PASSWORD)
    const headers = bearer((await stub.signIn(EMAIL, PASSWORD)).accessToken)
    await call('POST', '/me/mfa/totp', { headers })
    expect((await call('POST', '/me/mfa/totp/verify', { headers, json: { code: STUB_TOTP_CODE } })).status).toBe(204)
    const remove = (id: string, json?: Record<string, unknown>) =>
      call('DELETE', `/me/passkeys/${id}`, { headers, ...(json ? { json } : {}) })
    for (let i = 0; i < 15; i++) {
      expectProblem(await remove(STUB_PASSKEY_ID), 403, 'factor_proof_required')
      expectProblem(
        await remove('bm8tc3VjaC1wYXNza2V5', { password: PASSWORD, code: STUB_TOTP_CODE }),
        404,
        'passkey_not_found',
      )
    }
    expect((await remove(STUB_PASSKEY_ID, { password: PASSWORD, code: STUB_TOTP_CODE })).status).toBe(204)
    const statuses: number[] = []
    for (let i = 0; i < 15; i++)
      statuses.push((await remove(STUB_PASSKEY_ID, { password: PASSWORD, code: '000000' })).status)
    expect(statuses).toContain(429)
  })

  test('the optional body: none at all is no proof (whatever the content type); one sent must be exactly the proof', async () => {
    const { call, stub } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD)
    const headers = bearer((await stub.signIn(EMAIL, PASSWORD)).accessToken)
    const path = `/me/passkeys/${STUB_PASSKEY_ID}`
    const withJsonType = { ...headers, 'content-type': 'application/json' }
    expect((await call('DELETE', path, { headers: withJsonType })).status).toBe(204)
    expect((await call('DELETE', path, { headers: { ...withJsonType, 'content-length': '0' }, body: '' })).status).toBe(
      204,
    )
    expect(stub.callsOf('deletePasskey').map((c) => c[3])).toEqual([undefined, undefined])
    const proof = { password: PASSWORD, code: STUB_TOTP_CODE }
    const refused: Array<[string, string, string[], string]> = [
      ['null', 'null', [''], 'The body must be a JSON object'],
      ['a string', JSON.stringify(PASSWORD), [''], 'The body must be a JSON object'],
      ['a number', '42', [''], 'The body must be a JSON object'],
      ['an array', JSON.stringify([proof]), [''], 'The body must be a JSON object'],
      ['an empty object', '{}', ['/password', '/code'], 'password is missing; code is missing'],
      ['the password alone', JSON.stringify({ password: PASSWORD }), ['/code'], 'code is missing'],
      ['the code alone', JSON.stringify({ code: STUB_TOTP_CODE }), ['/password'], 'password is missing'],
      ['a bad code', JSON.stringify({ ...proof, code: '12345' }), ['/code'], 'code must be 6 digits'],
      ['an extra field', JSON.stringify({ ...proof, admin: true }), [], 'fields this route does not accept'],
    ]
    for (const [name, body, fields, detail] of refused) {
      const res = await call('DELETE', path, { headers: withJsonType, body })
      expectProblem(res, 400, 'validation_failed', [PASSWORD])
      expect({ name, fields: res.body.fields, detail: res.body.detail.includes(detail) }).toEqual({
        name,
        fields,
        detail: true,
      })
      // The token is checked before the body: without one, the same body is a 401.
      const anonymous = await call('DELETE', path, { headers: { 'content-type': 'application/json' }, body })
      expectProblem(anonymous, 401, 'missing_token')
    }
    expect(stub.callsOf('deletePasskey')).toHaveLength(2)
    expect((await call('DELETE', path, { headers, json: proof })).status).toBe(204)
  })

  test('PUT /me/passkeys/mfa: a boolean `enabled`, a recent sign-in, and Cognito’s refusal as 409', async () => {
    const { call, stub } = inProcessApp({ RECENT_SIGN_IN_SECONDS: '600' })
    stub.addAccount(EMAIL, PASSWORD)
    const headers = bearer((await stub.signIn(EMAIL, PASSWORD)).accessToken)
    expectProblem(
      await call('PUT', '/me/passkeys/mfa', { headers, json: { enabled: 'yes' } }),
      400,
      'validation_failed',
    )
    expect(stub.callsOf('setPasskeyMfa')).toEqual([])
    expectProblem(
      await call('PUT', '/me/passkeys/mfa', { headers, json: { enabled: true } }),
      409,
      'passkey_mfa_unavailable',
    )
    setSystemTime(new Date(Date.now() + 601_000))
    expectProblem(
      await call('PUT', '/me/passkeys/mfa', { headers, json: { enabled: false } }),
      403,
      'reauthentication_required',
    )
    setSystemTime()
  })
})
