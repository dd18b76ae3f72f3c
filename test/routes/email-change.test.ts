// Changing the email (src/routes/email-change.ts): POST /me/email and POST /me/email/verify, in
// process around the stub gateway (test/support/stub-gateway.ts), which keeps the current address
// until the code is verified, as the pool is set to. Against cognito-local: test/integration/email-change.test.ts.
import { afterEach, describe, expect, setSystemTime, test } from 'bun:test'
import { expectApiHeaders, expectProblem } from '../support/http.ts'
import { inProcessApp, signedInApp } from '../support/in-process-app.ts'
import { STUB_CODE } from '../support/stub-gateway.ts'
import { PASSWORD } from '../support/util.ts'

const EMAIL = 'kim.music@example.com'
const NEW_EMAIL = 'kim.new@example.org'

afterEach(() => setSystemTime())

const signedIn = (env: Record<string, string> = {}) => signedInApp(EMAIL, PASSWORD, env)
const signIn = (app: { call: ReturnType<typeof inProcessApp>['call'] }, email: string) =>
  app.call('POST', '/signin', { json: { email, password: PASSWORD } })

describe('POST /me/email', () => {
  test('202 with the masked delivery to the new address; the current address still signs in, the new one not yet', async () => {
    const app = await signedIn()
    const res = await app.call('POST', '/me/email', { headers: app.auth, json: { email: NEW_EMAIL } })
    expect({ status: res.status, body: res.body }).toEqual({
      status: 202,
      body: {
        codeDelivery: { destination: 'k***@e***', deliveryMedium: 'EMAIL', attributeName: 'email' },
        message: 'Verification code sent to the new address; the current address stays in use until it is verified.',
      },
    })
    expectApiHeaders(res)
    expect(app.stub.callsOf('changeEmail')).toEqual([[app.accessToken, NEW_EMAIL]])
    expect((await signIn(app, EMAIL)).status).toBe(200)
    expectProblem(await signIn(app, NEW_EMAIL), 401, 'not_authorized')
  })

  test('a Unicode domain is sent in its ASCII form', async () => {
    const app = await signedIn()
    await app.call('POST', '/me/email', { headers: app.auth, json: { email: 'kim@пример.рф' } })
    expect(app.stub.callsOf('changeEmail')).toEqual([[app.accessToken, 'kim@xn--e1afmkfd.xn--p1ai']])
  })

  test('an address another account has: 409 username_exists', async () => {
    const app = await signedIn()
    app.stub.addAccount(NEW_EMAIL, PASSWORD)
    expectProblem(
      await app.call('POST', '/me/email', { headers: app.auth, json: { email: NEW_EMAIL } }),
      409,
      'username_exists',
    )
  })

  test('an old sign-in: 403 reauthentication_required, no gateway call', async () => {
    const app = await signedIn({ RECENT_SIGN_IN_SECONDS: '60' })
    setSystemTime(new Date(Date.now() + 61_000))
    expectProblem(
      await app.call('POST', '/me/email', { headers: app.auth, json: { email: NEW_EMAIL } }),
      403,
      'reauthentication_required',
    )
    expect(app.stub.callsOf('changeEmail')).toEqual([])
  })

  for (const [name, body] of [
    ['no email', {}],
    ['not an email', { email: 'kim' }],
    ['a non-ASCII local part', { email: 'kïm@example.com' }],
  ] as const) {
    test(`${name}: 400 validation_failed naming /email, no gateway call`, async () => {
      const app = await signedIn()
      const res = await app.call('POST', '/me/email', { headers: app.auth, json: body })
      expectProblem(res, 400, 'validation_failed')
      expect(res.body.fields).toEqual(['/email'])
      expect(app.stub.callsOf('changeEmail')).toEqual([])
    })
  }

  test('no token: 401 missing_token', async () => {
    const { call } = inProcessApp()
    expectProblem(await call('POST', '/me/email', { json: { email: NEW_EMAIL } }), 401, 'missing_token')
  })
})

describe('POST /me/email/verify', () => {
  test('204; then only the new address signs in', async () => {
    const app = await signedIn()
    await app.call('POST', '/me/email', { headers: app.auth, json: { email: NEW_EMAIL } })
    const res = await app.call('POST', '/me/email/verify', { headers: app.auth, json: { code: STUB_CODE } })
    expect(res.status).toBe(204)
    expect(app.stub.callsOf('verifyEmail')).toEqual([[app.accessToken, STUB_CODE]])
    expect((await signIn(app, NEW_EMAIL)).status).toBe(200)
    expectProblem(await signIn(app, EMAIL), 401, 'not_authorized')
  })

  test('a wrong code: 400 code_mismatch, the current address stays', async () => {
    const app = await signedIn()
    await app.call('POST', '/me/email', { headers: app.auth, json: { email: NEW_EMAIL } })
    expectProblem(
      await app.call('POST', '/me/email/verify', { headers: app.auth, json: { code: '000000' } }),
      400,
      'code_mismatch',
    )
    expect((await signIn(app, EMAIL)).status).toBe(200)
  })

  test('an expired code: 400 code_expired', async () => {
    const app = await signedIn()
    app.stub.failNext('verifyEmail', 'code_expired')
    expectProblem(
      await app.call('POST', '/me/email/verify', { headers: app.auth, json: { code: STUB_CODE } }),
      400,
      'code_expired',
    )
  })

  test('needs no recent sign-in (the code proves the new address)', async () => {
    const app = await signedIn({ RECENT_SIGN_IN_SECONDS: '60' })
    await app.call('POST', '/me/email', { headers: app.auth, json: { email: NEW_EMAIL } })
    setSystemTime(new Date(Date.now() + 61_000))
    expect((await app.call('POST', '/me/email/verify', { headers: app.auth, json: { code: STUB_CODE } })).status).toBe(
      204,
    )
  })

  test('a code with a space: 400 validation_failed naming /code', async () => {
    const app = await signedIn()
    const res = await app.call('POST', '/me/email/verify', { headers: app.auth, json: { code: '123 456' } })
    expectProblem(res, 400, 'validation_failed')
    expect(res.body.fields).toEqual(['/code'])
  })
})
