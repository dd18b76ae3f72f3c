// Authenticator apps (src/routes/mfa.ts): POST /me/mfa/totp, POST /me/mfa/totp/verify,
// DELETE /me/mfa/totp and the SOFTWARE_TOKEN_MFA answer on /signin/challenge, in process around the
// stub gateway (test/support/stub-gateway.ts; its authenticator "shows" STUB_TOTP_CODE). Against
// cognito-local with real TOTP codes: test/integration/mfa.test.ts.
import QRCode from 'qrcode'
import { afterEach, describe, expect, setSystemTime, test } from 'bun:test'
import { otpauthUri } from '../../src/answers/totp.ts'
import { bearer, expectApiHeaders, expectProblem } from '../support/http.ts'
import { inProcessApp, signedInApp } from '../support/in-process-app.ts'
import { STUB_TOTP_CODE } from '../support/stub-gateway.ts'
import { PASSWORD } from '../support/util.ts'

const EMAIL = 'kim.music@example.com'

afterEach(() => setSystemTime())

const signedIn = (env: Record<string, string> = {}) => signedInApp(EMAIL, PASSWORD, env)

describe('otpauthUri', () => {
  test('issuer-prefixed label and issuer parameter, both percent-encoded', () => {
    expect(otpauthUri('JBSWY3DPEHPK3PXP', 'kim+a@example.com', 'My App')).toBe(
      'otpauth://totp/My%20App:kim%2Ba%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=My+App',
    )
  })
})

describe('POST /me/mfa/totp', () => {
  test('201 with the secret and an otpauth URI naming the issuer and the email; nothing changes at sign-in yet', async () => {
    const { call, stub, auth, accessToken } = await signedIn()
    const res = await call('POST', '/me/mfa/totp', { headers: auth })
    expect(res.status).toBe(201)
    expectApiHeaders(res)
    expect(res.body.secretCode).toMatch(/^STUBSECRET\d+$/)
    expect(res.body.otpauthUri).toBe(
      `otpauth://totp/user-service:kim.music%40example.com?secret=${res.body.secretCode}&issuer=user-service`,
    )
    // The QR code is of exactly that URI (as the qrcode library draws it), an SVG document.
    expect(res.body.qrCodeSvg).toStartWith('<svg xmlns="http://www.w3.org/2000/svg"')
    expect(res.body.qrCodeSvg).toBe(await QRCode.toString(res.body.otpauthUri, { type: 'svg', margin: 1 }))
    expect(stub.callsOf('associateSoftwareToken')).toEqual([[accessToken]])
    const again = await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })
    expect(again.body.accessToken).toBeString()
  })

  test('a sign-in older than RECENT_SIGN_IN_SECONDS: 403 reauthentication_required, no gateway call', async () => {
    const { call, stub, auth } = await signedIn({ RECENT_SIGN_IN_SECONDS: '60' })
    setSystemTime(new Date(Date.now() + 61_000))
    expectProblem(await call('POST', '/me/mfa/totp', { headers: auth }), 403, 'reauthentication_required')
    expect(stub.callsOf('associateSoftwareToken')).toEqual([])
  })

  test('no token: 401 missing_token; a forged one: 401 invalid_token', async () => {
    const { call, stub } = inProcessApp()
    expectProblem(await call('POST', '/me/mfa/totp'), 401, 'missing_token')
    expectProblem(await call('POST', '/me/mfa/totp', { headers: bearer('forged') }), 401, 'invalid_token')
    expect(stub.calls).toEqual([])
  })

  test('Cognito down: 503 upstream_unavailable', async () => {
    const { call, stub, auth } = await signedIn()
    stub.failNext('associateSoftwareToken', 'upstream_unavailable')
    expectProblem(await call('POST', '/me/mfa/totp', { headers: auth }), 503, 'upstream_unavailable')
  })
})

describe('POST /me/mfa/totp/verify, then sign-in asks for the code', () => {
  test('204; the gateway got the code and device name; sign-in answers SOFTWARE_TOKEN_MFA, answered on /signin/challenge', async () => {
    const { call, stub, auth, accessToken } = await signedIn()
    await call('POST', '/me/mfa/totp', { headers: auth })
    const verified = await call('POST', '/me/mfa/totp/verify', {
      headers: auth,
      json: { code: STUB_TOTP_CODE, deviceName: 'My phone' },
    })
    expect(verified.status).toBe(204)
    expect(stub.callsOf('enableSoftwareToken')).toEqual([[accessToken, expect.any(String), STUB_TOTP_CODE, 'My phone']])

    const challenge = await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })
    expect(challenge.status).toBe(200)
    expect(challenge.body.challengeName).toBe('SOFTWARE_TOKEN_MFA')
    expect(challenge.body.accessToken).toBeUndefined()
    const answer = (code: string) =>
      call('POST', '/signin/challenge', {
        json: {
          email: EMAIL,
          challengeName: 'SOFTWARE_TOKEN_MFA',
          session: challenge.body.session,
          responses: { SOFTWARE_TOKEN_MFA_CODE: code },
        },
      })
    expectProblem(await answer('000000'), 400, 'code_mismatch')
    const tokens = await answer(STUB_TOTP_CODE)
    expect(tokens.status).toBe(200)
    expect(tokens.body.accessToken).toBeString()
  })

  test('a wrong code: 400 code_mismatch, and sign-in still needs no code', async () => {
    const { call, auth } = await signedIn()
    await call('POST', '/me/mfa/totp', { headers: auth })
    expectProblem(
      await call('POST', '/me/mfa/totp/verify', { headers: auth, json: { code: '000000' } }),
      400,
      'code_mismatch',
    )
    const again = await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })
    expect(again.body.accessToken).toBeString()
  })

  test('before POST /me/mfa/totp: 409 totp_not_enrolled', async () => {
    const { call, auth } = await signedIn()
    expectProblem(
      await call('POST', '/me/mfa/totp/verify', { headers: auth, json: { code: STUB_TOTP_CODE } }),
      409,
      'totp_not_enrolled',
    )
  })

  test('verifying needs no recent sign-in (the secret was only handed out to a recent one)', async () => {
    const { call, auth } = await signedIn({ RECENT_SIGN_IN_SECONDS: '60' })
    await call('POST', '/me/mfa/totp', { headers: auth })
    setSystemTime(new Date(Date.now() + 61_000))
    expect((await call('POST', '/me/mfa/totp/verify', { headers: auth, json: { code: STUB_TOTP_CODE } })).status).toBe(
      204,
    )
  })

  for (const [name, body, field] of [
    ['a 5-digit code', { code: '12345' }, '/code'],
    ['letters', { code: 'abcdef' }, '/code'],
    ['no code', {}, '/code'],
    ['a device name with a newline', { code: STUB_TOTP_CODE, deviceName: 'a\nb' }, '/deviceName'],
  ] as const) {
    test(`${name}: 400 validation_failed naming ${field}, no gateway call`, async () => {
      const { call, stub, auth } = await signedIn()
      const res = await call('POST', '/me/mfa/totp/verify', { headers: auth, json: body })
      expectProblem(res, 400, 'validation_failed')
      expect(res.body.fields).toEqual([field])
      expect(stub.callsOf('enableSoftwareToken')).toEqual([])
    })
  }
})

describe('DELETE /me/mfa/totp', () => {
  const withTotpOn = async (env: Record<string, string> = {}) => {
    const app = await signedIn(env)
    await app.call('POST', '/me/mfa/totp', { headers: app.auth })
    await app.call('POST', '/me/mfa/totp/verify', { headers: app.auth, json: { code: STUB_TOTP_CODE } })
    return app
  }
  const signInAnswer = async (call: Awaited<ReturnType<typeof signedIn>>['call']) =>
    (await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })).body

  test('with the password and a current code: 204, the gateway got both, and sign-in asks for no code again', async () => {
    const { call, stub, auth, accessToken } = await withTotpOn()
    const res = await call('DELETE', '/me/mfa/totp', {
      headers: auth,
      json: { password: PASSWORD, code: STUB_TOTP_CODE },
    })
    expect(res.status).toBe(204)
    expect(stub.callsOf('disableSoftwareToken')).toEqual([
      [accessToken, expect.any(String), { password: PASSWORD, code: STUB_TOTP_CODE }],
    ])
    expect((await signInAnswer(call)).accessToken).toBeString()
  })

  for (const [name, body, field] of [
    ['no body', undefined, '/'],
    ['no code', { password: PASSWORD }, '/code'],
    ['no password', { code: STUB_TOTP_CODE }, '/password'],
    ['a 5-digit code', { password: PASSWORD, code: '12345' }, '/code'],
  ] as const) {
    test(`${name}: 400 validation_failed, no gateway call, TOTP stays on`, async () => {
      const { call, stub, auth } = await withTotpOn()
      const res = await call('DELETE', '/me/mfa/totp', { headers: auth, ...(body ? { json: body } : {}) })
      expectProblem(res, 400, 'validation_failed', [PASSWORD])
      if (field !== '/') expect(res.body.fields).toEqual([field])
      expect(stub.callsOf('disableSoftwareToken')).toEqual([])
      expect((await signInAnswer(call)).challengeName).toBe('SOFTWARE_TOKEN_MFA')
    })
  }

  test('a wrong password: 400 password_mismatch (not a 401: the token is fine), TOTP stays on', async () => {
    const { call, auth } = await withTotpOn()
    const res = await call('DELETE', '/me/mfa/totp', {
      headers: auth,
      json: { password: 'Wrong1234!x', code: STUB_TOTP_CODE },
    })
    expectProblem(res, 400, 'password_mismatch')
    expect(res.headers.get('www-authenticate')).toBeNull()
    expect((await signInAnswer(call)).challengeName).toBe('SOFTWARE_TOKEN_MFA')
  })

  test('a wrong code: 400 code_mismatch, TOTP stays on', async () => {
    const { call, auth } = await withTotpOn()
    expectProblem(
      await call('DELETE', '/me/mfa/totp', { headers: auth, json: { password: PASSWORD, code: '000000' } }),
      400,
      'code_mismatch',
    )
    expect((await signInAnswer(call)).challengeName).toBe('SOFTWARE_TOKEN_MFA')
  })

  test('wrong codes count against the code budget of the token’s user, from any address: 429, and another user is not held up', async () => {
    const { call, auth, stub } = await withTotpOn({
      RATE_LIMITS_ENABLED: 'true',
      RATE_LIMIT_VERIFY_PER_ACCOUNT: '3/1h',
      TRUST_PROXY: 'true',
    })
    const wrong = (ip: string, headers = auth) =>
      call('DELETE', '/me/mfa/totp', {
        headers: { ...headers, 'x-forwarded-for': ip },
        json: { password: PASSWORD, code: '000000' },
      })
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
      expectProblem(await wrong(ip), 400, 'code_mismatch')
    const limited = await wrong('198.51.100.4')
    expectProblem(limited, 429, 'too_many_requests')
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(stub.callsOf('disableSoftwareToken')).toHaveLength(3)
    // Another account's token, from the same address, draws on its own budget (its app is off: answered, 204).
    stub.addAccount('other@example.com', PASSWORD)
    const other = bearer((await stub.signIn('other@example.com', PASSWORD)).accessToken)
    expect((await wrong('198.51.100.4', other)).status).toBe(204)
  })

  test('an old sign-in is enough: the proof is a sign-in of its own', async () => {
    const { call, auth } = await withTotpOn({ RECENT_SIGN_IN_SECONDS: '60' })
    setSystemTime(new Date(Date.now() + 61_000))
    const res = await call('DELETE', '/me/mfa/totp', {
      headers: auth,
      json: { password: PASSWORD, code: STUB_TOTP_CODE },
    })
    expect(res.status).toBe(204)
  })

  test('POST /me/mfa/totp while the app is on: 409 totp_already_enabled, sign-in still asks for the code', async () => {
    const { call, auth } = await withTotpOn()
    expectProblem(await call('POST', '/me/mfa/totp', { headers: auth }), 409, 'totp_already_enabled')
    expect((await signInAnswer(call)).challengeName).toBe('SOFTWARE_TOKEN_MFA')
  })

  test('GET on the route: 405 with Allow', async () => {
    const { call } = inProcessApp()
    const res = await call('GET', '/me/mfa/totp')
    expectProblem(res, 405, 'method_not_allowed')
    expect(res.headers.get('allow')).toBe('POST, DELETE')
  })
})

describe('MFA_SETUP: POST /signin/mfa-setup, then POST /signin/mfa-setup/verify', () => {
  async function setupChallenge(env: Record<string, string> = {}) {
    const app = inProcessApp(env)
    app.stub.addAccount(EMAIL, PASSWORD, { mfaRequired: true })
    const challenge = await app.call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })
    expect(challenge.body.challengeName).toBe('MFA_SETUP')
    return { ...app, session: challenge.body.session as string }
  }

  test('the secret, its otpauth URI and a new session; then a code from the app signs in', async () => {
    const { call, stub, session } = await setupChallenge()
    const setup = await call('POST', '/signin/mfa-setup', { json: { email: EMAIL, session } })
    expect(setup.status).toBe(200)
    expect(setup.body).toEqual({
      secretCode: expect.stringMatching(/^STUBSECRET\d+$/),
      otpauthUri: `otpauth://totp/user-service:kim.music%40example.com?secret=${setup.body.secretCode}&issuer=user-service`,
      qrCodeSvg: await QRCode.toString(setup.body.otpauthUri, { type: 'svg', margin: 1 }),
      session: expect.not.stringMatching(session),
    })
    expect(stub.callsOf('associateSoftwareTokenInSetup')).toEqual([[session, EMAIL]])
    const verify = (code: string) =>
      call('POST', '/signin/mfa-setup/verify', { json: { email: EMAIL, session: setup.body.session, code } })
    expectProblem(await verify('000000'), 400, 'code_mismatch')
    const tokens = await verify(STUB_TOTP_CODE)
    expect(tokens.status).toBe(200)
    expect(tokens.body).toMatchObject({ tokenType: 'Bearer', token: tokens.body.idToken })
    const next = await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })
    expect(next.body.challengeName).toBe('SOFTWARE_TOKEN_MFA')
  })

  test('a used or unknown session: 401 not_authorized', async () => {
    const { call, session } = await setupChallenge()
    await call('POST', '/signin/mfa-setup', { json: { email: EMAIL, session } })
    expectProblem(await call('POST', '/signin/mfa-setup', { json: { email: EMAIL, session } }), 401, 'not_authorized')
    expectProblem(
      await call('POST', '/signin/mfa-setup/verify', { json: { email: EMAIL, session, code: STUB_TOTP_CODE } }),
      401,
      'not_authorized',
    )
  })

  for (const [name, body, fields] of [
    ['no session', { email: EMAIL, code: STUB_TOTP_CODE }, ['/session']],
    ['a 7-digit code', { email: EMAIL, session: 'u1.abc.def', code: '1234567' }, ['/code']],
    ['a session with a space', { email: EMAIL, session: 'u1 abc', code: STUB_TOTP_CODE }, ['/session']],
  ] as const) {
    test(`verify with ${name}: 400 validation_failed, no gateway call`, async () => {
      const { call, stub } = inProcessApp()
      const res = await call('POST', '/signin/mfa-setup/verify', { json: body })
      expectProblem(res, 400, 'validation_failed')
      expect(res.body.fields).toEqual([...fields])
      expect(stub.calls).toEqual([])
    })
  }

  test('wrong codes limited per account (the code budget): 429 with Retry-After', async () => {
    const { call, session } = await setupChallenge({
      RATE_LIMITS_ENABLED: 'true',
      RATE_LIMIT_VERIFY_PER_ACCOUNT: '1/1h',
    })
    const setup = await call('POST', '/signin/mfa-setup', { json: { email: EMAIL, session } })
    expect(setup.status).toBe(200)
    const verify = (code: string) =>
      call('POST', '/signin/mfa-setup/verify', { json: { email: EMAIL, session: setup.body.session, code } })
    expectProblem(await verify('000000'), 400, 'code_mismatch')
    const again = await verify(STUB_TOTP_CODE)
    expectProblem(again, 429, 'too_many_requests')
    expect(again.headers.get('retry-after')).toMatch(/^\d+$/)
  })

  test('a right code costs nothing of the code budget', async () => {
    const { call, session } = await setupChallenge({
      RATE_LIMITS_ENABLED: 'true',
      RATE_LIMIT_VERIFY_PER_ACCOUNT: '1/1h',
    })
    const setup = await call('POST', '/signin/mfa-setup', { json: { email: EMAIL, session } })
    const verify = (code: string) =>
      call('POST', '/signin/mfa-setup/verify', { json: { email: EMAIL, session: setup.body.session, code } })
    expect((await verify(STUB_TOTP_CODE)).status).toBe(200)
    // The session is used up now: a failure, and the first one.
    expectProblem(await verify(STUB_TOTP_CODE), 401, 'not_authorized')
    expectProblem(await verify(STUB_TOTP_CODE), 429, 'too_many_requests')
  })
})
