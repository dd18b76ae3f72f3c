// The user's address reaches Cognito (UserContextData.IpAddress) on every operation that takes it, as
// the service derives it (TRUST_PROXY: the right-most X-Forwarded-For entry), so that threat
// protection scores each user's sign-ins by their own address and not the service task's.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { post } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

let cognito: TestCognito
let behindProxy: RunningService
let publicClient: RunningService
const ADDRESS = '203.0.113.7'
// The client writes the left entries; the load balancer appends the right-most one.
const FORWARDED = { 'x-forwarded-for': `198.51.100.1, ${ADDRESS}` }

beforeAll(async () => {
  cognito = await testCognito()
  ;[behindProxy, publicClient] = await Promise.all([
    startService(cognito.serviceEnv({ TRUST_PROXY: 'true' })),
    startService(
      cognito.serviceEnv({
        TRUST_PROXY: 'true',
        COGNITO_CLIENT_ID: cognito.publicClientId,
        COGNITO_CLIENT_SECRET: undefined,
      }),
    ),
  ])
})
afterAll(async () => {
  await Promise.all([behindProxy?.stop(), publicClient?.stop()])
})

/** The calls `act` made to Cognito. */
async function callsOf(act: () => Promise<unknown>) {
  const before = cognito.proxy.calls.length
  await act()
  return cognito.proxy.calls.slice(before)
}

describe('UserContextData', () => {
  test('sign-up, confirmation, resend, sign-in, a challenge answer and a password reset carry the client address', async () => {
    const email = uniqueEmail('context')
    const on = (path: string, body: unknown) => post(behindProxy.url, path, body, FORWARDED)
    const calls = await callsOf(async () => {
      expect((await on('/signup', { email, password: PASSWORD, nickname: 'n' })).status).toBe(201)
      await on('/signup/resend', { email })
      expect((await on('/signup/confirm', { email, code: await cognito.codeFor(email, 2) })).status).toBe(200)
      expect((await on('/signin', { email, password: PASSWORD })).status).toBe(200)
      const started = await on('/signin/passwordless', { email, method: 'email_otp' })
      await on('/signin/challenge', {
        email,
        challengeName: 'EMAIL_OTP',
        session: started.body.session,
        responses: { EMAIL_OTP_CODE: await cognito.codeFor(email, 3) },
      })
      await on('/password/forgot', { email })
      await on('/password/reset', { email, code: '00000000', password: PASSWORD })
    })
    const operations = new Set(calls.map((c) => c.operation))
    for (const operation of [
      'SignUp',
      'ResendConfirmationCode',
      'ConfirmSignUp',
      'InitiateAuth',
      'RespondToAuthChallenge',
      'ForgotPassword',
      'ConfirmForgotPassword',
    ])
      expect(operations).toContain(operation)
    for (const call of calls)
      expect({ operation: call.operation, ip: call.userContextIp }).toEqual({
        operation: call.operation,
        ip: ADDRESS,
      })
  })

  test('a public app client (no secret, so no propagation) sends none', async () => {
    const calls = await callsOf(() =>
      post(
        publicClient.url,
        '/signup',
        { email: uniqueEmail('context'), password: PASSWORD, nickname: 'n' },
        FORWARDED,
      ),
    )
    expect(calls.map((c) => c.operation)).toContain('SignUp')
    for (const call of calls) expect(call.userContextIp).toBeUndefined()
  })
})
