// A stranger must not lock the owner out: per-account limits count failures per flow, and a device
// token from an earlier sign-in gives the owner's device its own budget (OWASP's device cookies).
// Against the real service and the local Cognito, with the client IPs an ALB would name.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { confirmedAccount } from '../support/accounts.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { expectProblem, post, request } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

let cognito: TestCognito
let service: RunningService
beforeAll(async () => {
  cognito = await testCognito()
  // Sign-in failures at the default 10 per 5 minutes; code checks at 3, to keep the replays short.
  service = await startService(
    cognito.serviceEnv({ RATE_LIMITS_ENABLED: 'true', TRUST_PROXY: 'true', RATE_LIMIT_VERIFY_PER_ACCOUNT: '3/5m' }),
  )
})
afterAll(() => service?.stop())

const from = (ip: string, deviceToken?: string) => ({
  'x-forwarded-for': ip,
  ...(deviceToken === undefined ? {} : { 'x-device-token': deviceToken }),
})
const OWNER_IP = '203.0.113.10'
const attacker = (i: number) => from(`198.51.100.${i + 1}`)
const WRONG = 'Wrong-Passw0rd!'

/** A confirmed account signed in once from the owner's device: its email and that device's token. */
async function ownerWithDevice(tag: string) {
  const { email } = await confirmedAccount(service.url, cognito, { tag })
  const signedIn = await post(service.url, '/signin', { email, password: PASSWORD }, from(OWNER_IP))
  expect(signedIn.status).toBe(200)
  expect(signedIn.body.deviceToken).toMatch(/^[\w-]{50}$/)
  return { email, deviceToken: signedIn.body.deviceToken as string }
}

/** Starts an emailed-code sign-in and answers it with the code from the email. */
async function emailedCodeSignIn(email: string, headers: Record<string, string>, nthCode: number) {
  const started = await post(service.url, '/signin/passwordless', { email, method: 'email_otp' }, headers)
  expect(started.status).toBe(200)
  const code = await cognito.codeFor(email, nthCode)
  const answer = { email, challengeName: 'EMAIL_OTP', session: started.body.session }
  return (extra: Record<string, string> = {}) =>
    post(service.url, '/signin/challenge', { ...answer, responses: { EMAIL_OTP_CODE: code } }, { ...headers, ...extra })
}

describe('an attack on one account', () => {
  test('wrong passwords from elsewhere: the owner’s device token still signs in; without one, 429', async () => {
    const { email, deviceToken } = await ownerWithDevice('owner')
    for (let i = 0; i < 10; i++)
      expect((await post(service.url, '/signin', { email, password: WRONG }, attacker(i))).status).toBe(401)
    const calls = cognito.proxy.calls.length
    expectProblem(
      await post(service.url, '/signin', { email, password: WRONG }, attacker(10)),
      429,
      'too_many_requests',
    )
    // The documented trade-off: a device that never signed in (or lost its token) waits like the attacker.
    expectProblem(
      await post(service.url, '/signin', { email, password: PASSWORD }, from(OWNER_IP)),
      429,
      'too_many_requests',
    )
    expect(cognito.proxy.calls.length).toBe(calls)
    const owner = await post(service.url, '/signin', { email, password: PASSWORD }, from(OWNER_IP, deviceToken))
    expect(owner.status).toBe(200)
    expect(owner.body.accessToken).toEqual(expect.any(String))
    // A new token with every sign-in; the old one still names this device until it expires.
    expect(owner.body.deviceToken).toMatch(/^[\w-]{50}$/)
    // Another account's token is no way around the attack.
    const other = await ownerWithDevice('other-owner')
    expectProblem(
      await post(service.url, '/signin', { email, password: PASSWORD }, from(OWNER_IP, other.deviceToken)),
      429,
      'too_many_requests',
    )
  })

  test('wrong emailed codes from elsewhere: the owner’s emailed code with the device token signs in', async () => {
    const { email, deviceToken } = await ownerWithDevice('owner-code')
    // The attacker's own emailed-code sign-in for the victim, answered with wrong codes.
    const started = await post(service.url, '/signin/passwordless', { email, method: 'email_otp' }, attacker(0))
    const guess = { email, challengeName: 'EMAIL_OTP', session: started.body.session }
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      const res = await post(
        service.url,
        '/signin/challenge',
        { ...guess, responses: { EMAIL_OTP_CODE: `00000${i}` } },
        attacker(i),
      )
      statuses.push(res.status)
    }
    expect(statuses.slice(0, 3).every((s) => s === 400 || s === 401)).toBe(true)
    expect(statuses[3]).toBe(429)
    // The third code to this address: the sign-up's, the attacker's, the owner's.
    const answer = await emailedCodeSignIn(email, from(OWNER_IP), 3)
    expectProblem(await answer(), 429, 'too_many_requests')
    const owner = await answer({ 'x-device-token': deviceToken })
    expect(owner.status).toBe(200)
    expect(owner.body.deviceToken).toMatch(/^[\w-]{50}$/)
  })

  test('the device token of a challenge answer names the account its session was started for, whatever email the body names', async () => {
    const { email } = await confirmedAccount(service.url, cognito, { tag: 'owner-sealed' })
    const started = await post(service.url, '/signin/passwordless', { email, method: 'email_otp' }, from(OWNER_IP))
    const answered = await post(
      service.url,
      '/signin/challenge',
      {
        email: uniqueEmail('made-up'),
        challengeName: 'EMAIL_OTP',
        session: started.body.session,
        responses: { EMAIL_OTP_CODE: await cognito.codeFor(email, 2) },
      },
      from(OWNER_IP),
    )
    expect(answered.status).toBe(200)
    for (let i = 0; i < 10; i++)
      expect((await post(service.url, '/signin', { email, password: WRONG }, attacker(i))).status).toBe(401)
    const owner = await post(
      service.url,
      '/signin',
      { email, password: PASSWORD },
      from(OWNER_IP, answered.body.deviceToken),
    )
    expect(owner.status).toBe(200)
  })

  test('20 wrong passwords at once: Cognito is asked at most the budget’s 10 times', async () => {
    const email = uniqueEmail('parallel')
    const initiateAuth = () => cognito.proxy.calls.filter((c) => c.operation === 'InitiateAuth').length
    const before = initiateAuth()
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        post(service.url, '/signin', { email, password: WRONG }, from(`192.0.2.${i + 1}`)).then((r) => r.status),
      ),
    )
    expect(statuses.filter((s) => s === 401)).toHaveLength(10)
    expect(statuses.filter((s) => s === 429)).toHaveLength(10)
    expect(initiateAuth() - before).toBeLessThanOrEqual(10)
  })
})

describe('what counts', () => {
  test('successes cost nothing: twelve right passwords in a row all sign in', async () => {
    const { email } = await confirmedAccount(service.url, cognito, { tag: 'regular' })
    const statuses: number[] = []
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await post(service.url, '/signin', { email, password: PASSWORD }, from(`192.0.2.${100 + i}`))).status,
      )
    expect(statuses).toEqual(new Array(12).fill(200))
  })

  test('wrong reset codes block neither the right sign-up confirmation nor the right emailed sign-in code', async () => {
    const email = uniqueEmail('flows')
    expect(
      (await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'n' }, from(OWNER_IP))).status,
    ).toBe(201)
    for (let i = 0; i < 3; i++) {
      const reset = { email, code: `99999${i}`, password: PASSWORD }
      const res = await post(service.url, '/password/reset', reset, attacker(i))
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
    }
    expectProblem(
      await post(service.url, '/password/reset', { email, code: '999999', password: PASSWORD }, attacker(3)),
      429,
      'too_many_requests',
    )
    const confirmed = await post(
      service.url,
      '/signup/confirm',
      { email, code: await cognito.codeFor(email) },
      from(OWNER_IP),
    )
    expect(confirmed.status).toBe(200)
    const answer = await emailedCodeSignIn(email, from(OWNER_IP), 2)
    expect((await answer()).status).toBe(200)
  })

  test('the groups that send mail count every request per address, successes too', async () => {
    const email = uniqueEmail('mail')
    for (let i = 0; i < 5; i++)
      expect((await post(service.url, '/password/forgot', { email }, from(`192.0.2.${200 + i}`))).status).toBe(202)
    expectProblem(await post(service.url, '/signup/resend', { email }, from('192.0.2.210')), 429, 'too_many_requests')
  })
})

test('the OpenAPI document describes the device token: the answer’s field and the request header', async () => {
  const doc = (await request(service.url, 'GET', '/swagger/json')).body
  expect(doc.components.schemas.TokenResponse.properties.deviceToken.type).toBe('string')
  for (const path of ['/signin', '/signin/challenge'])
    expect(doc.paths[path].post.parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'X-Device-Token' }),
    )
})
