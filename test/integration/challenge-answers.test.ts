// Answers to a sign-in challenge (POST /signin/challenge), replayed as an attacker would: they count
// against the account the sign-in was started for, not the email the body names; and a session that
// is used up, made up or never valid says so (session_expired), the same for a real session and a
// decoy. Runs on Bun, Node and the binary (SERVICE_TARGET).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { confirmedAccount } from '../support/accounts.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { expectProblem, post } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { uniqueEmail } from '../support/util.ts'

let cognito: TestCognito
let service: RunningService

beforeAll(async () => {
  cognito = await testCognito()
  // The per-account limits as deployed; the per-IP ones out of the way (every request here comes from one IP).
  service = await startService(
    cognito.serviceEnv({
      RATE_LIMITS_ENABLED: 'true',
      RATE_LIMIT_SIGNIN_PER_IP: '1000/5m',
      RATE_LIMIT_VERIFY_PER_IP: '1000/5m',
      RATE_LIMIT_EMAIL_PER_IP: '1000/5m',
      RATE_LIMIT_SIGNUP_PER_IP: '1000/5m',
    }),
  )
})
afterAll(() => service.stop())

const start = async (email: string) => {
  const started = await post(service.url, '/signin/passwordless', { email, method: 'email_otp' })
  expect(started.status).toBe(200)
  return started.body.session as string
}
const answer = (email: string, session: string, code = '000000') =>
  post(service.url, '/signin/challenge', {
    email,
    challengeName: 'EMAIL_OTP',
    session,
    responses: { EMAIL_OTP_CODE: code },
  })

describe('challenge answers count against the account of the session', () => {
  test('12 wrong emailed codes for one victim, a made-up email in each body: 429 before the 12th', async () => {
    const victim = (await confirmedAccount(service.url, cognito, { tag: 'victim' })).email
    const statuses: number[] = []
    let session = ''
    for (let i = 0; i < 12; i++) {
      // A session is spent after three wrong answers: the attacker starts another for the victim.
      if (i % 3 === 0) session = await start(victim)
      statuses.push((await answer(uniqueEmail('madeup'), session)).status)
    }
    expect(statuses).toContain(429)
    expect(statuses.slice(0, 9).every((s) => s === 400)).toBe(true)
  })
})

describe('a used-up, made-up or never-valid session: 400 session_expired, not "Incorrect email or password."', () => {
  test('three wrong codes spend a session, real or decoy, in the same steps', async () => {
    const real = (await confirmedAccount(service.url, cognito, { tag: 'spent' })).email
    const unknown = uniqueEmail('spent')
    const steps = async (email: string) => {
      const session = await start(email)
      const codes: string[] = []
      for (let i = 0; i < 4; i++) codes.push((await answer(email, session)).body.code)
      return codes
    }
    const expected = ['code_mismatch', 'code_mismatch', 'code_mismatch', 'session_expired']
    expect(await steps(real)).toEqual(expected)
    expect(await steps(unknown)).toEqual(expected)
  })

  test('a session this service never handed out, or one edited: session_expired with a detail to start again', async () => {
    const email = uniqueEmail('made-up')
    const madeUp = await answer(email, 'AYABeMadeUpSession0123456789')
    expectProblem(madeUp, 400, 'session_expired')
    expect(madeUp.body.detail).toBe('This sign-in expired or was used up; start signing in again.')
    const session = await start(email)
    const edited = `${session.slice(0, 10)}${session[10] === 'A' ? 'B' : 'A'}${session.slice(11)}`
    expectProblem(await answer(email, edited), 400, 'session_expired')
  })
})
