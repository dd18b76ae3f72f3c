// The breached-password check end to end: the service over a socket, against the local Cognito and a
// stub of the Pwned Passwords range API on a real port (support/pwned-passwords-stub.ts). New passwords
// the corpus lists are refused; a sign-in with one succeeds and says so; only a 5-character prefix of
// the hash ever leaves the service. Runs on Bun, Node and the binary (SERVICE_TARGET).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { confirmedAccount, signedInAccount } from '../support/accounts.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { generateSync } from 'otplib'
import { totpCode } from '../support/emulator-calls.ts'
import { bearer, expectNoSecrets, expectProblem, post, request } from '../support/http.ts'
import {
  BREACHED_PASSWORDS,
  startPwnedPasswordsStub,
  type PwnedPasswordsStub,
} from '../support/pwned-passwords-stub.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail, waitFor } from '../support/util.ts'

const TIMEOUT_MS = 400
const [BREACHED, OTHER_BREACHED] = BREACHED_PASSWORDS
// Not in the stub's corpus; any password of the pool's policy would do. The service keeps the ranges it
// read, so a test that needs a lookup uses a password whose range no earlier test read.
const CLEAN = 'Unlisted-Horse-Battery-42'

let cognito: TestCognito
let stub: PwnedPasswordsStub
let service: RunningService
let failClosed: RunningService

const checkEnv = (extra: Record<string, string> = {}) =>
  cognito.serviceEnv({
    BREACHED_PASSWORD_CHECK: 'true',
    BREACHED_PASSWORD_API_URL: stub.url,
    BREACHED_PASSWORD_TIMEOUT_MS: String(TIMEOUT_MS),
    METRICS_PORT: '0',
    ...extra,
  })

beforeAll(async () => {
  cognito = await testCognito()
  stub = startPwnedPasswordsStub()
  ;[service, failClosed] = await Promise.all([
    startService(checkEnv()),
    startService(checkEnv({ BREACHED_PASSWORD_FAIL_CLOSED: 'true' })),
  ])
})
afterAll(async () => {
  await Promise.all([service?.stop(), failClosed?.stop()])
  stub?.stop()
})
beforeEach(() => {
  stub.delayMs = 0
  stub.failWith = undefined
})

const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase()

/** An account whose password the corpus lists, made while the range API is down (the check fails open). */
async function accountWithBreachedPassword(password: string): Promise<string> {
  stub.failWith = 503
  const { email } = await confirmedAccount(service.url, cognito, { tag: 'breached', password })
  stub.failWith = undefined
  return email
}

const signUp = (target: RunningService, password: string, tag: string) =>
  post(target.url, '/signup', { email: uniqueEmail(tag), password, nickname: 'B' })

const metricsOf = async (target: RunningService) => {
  const port = target.logs().find((l) => l.msg === 'listening')?.metricsPort
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
}

describe('a new password the corpus lists is refused', () => {
  test('sign-up: 400 password_breached, with a detail a person understands; a clean password signs up', async () => {
    for (const password of [BREACHED, OTHER_BREACHED]) {
      const refused = await signUp(service, password, 'bp')
      expectProblem(refused, 400, 'password_breached', [password])
      expect(refused.body.detail).toContain('leaked in data breaches')
    }
    const clean = await signUp(service, CLEAN, 'bp')
    expect(clean.status).toBe(201)
  })

  test('password change: refused before Cognito is asked; the old password still signs in', async () => {
    const account = await signedInAccount(service.url, cognito, { tag: 'bpchange' })
    const changed = await post(
      service.url,
      '/password/change',
      { previousPassword: PASSWORD, proposedPassword: BREACHED },
      bearer(account.tokens.accessToken),
    )
    expectProblem(changed, 400, 'password_breached', [BREACHED, PASSWORD])
    expect((await post(service.url, '/signin', { email: account.email, password: PASSWORD })).status).toBe(200)
  })

  test('password reset: refused with a valid code, which then still sets a clean password', async () => {
    const { email } = await confirmedAccount(service.url, cognito, { tag: 'bpreset' })
    expect((await post(service.url, '/password/forgot', { email })).status).toBe(202)
    const code = await cognito.codeFor(email, 2)
    const refused = await post(service.url, '/password/reset', { email, code, password: OTHER_BREACHED })
    expectProblem(refused, 400, 'password_breached', [OTHER_BREACHED])
    expect((await post(service.url, '/password/reset', { email, code, password: CLEAN })).status).toBe(200)
    expect((await post(service.url, '/signin', { email, password: CLEAN })).status).toBe(200)
  })

  test('an invited user’s NEW_PASSWORD: refused, and the same challenge then takes a clean one', async () => {
    const email = uniqueEmail('bpinvited')
    await cognito.invite(email, 'TempLocalTest0000!')
    const challenged = await post(service.url, '/signin', { email, password: 'TempLocalTest0000!' })
    expect(challenged.body.challengeName).toBe('NEW_PASSWORD_REQUIRED')
    const answer = (password: string) =>
      post(service.url, '/signin/challenge', {
        email,
        challengeName: 'NEW_PASSWORD_REQUIRED',
        session: challenged.body.session,
        responses: { NEW_PASSWORD: password },
      })
    expectProblem(await answer(BREACHED), 400, 'password_breached', [BREACHED])
    expect((await answer(CLEAN)).status).toBe(200)
  })
})

describe('what reaches the range API', () => {
  test('only the first five hex characters of the SHA-1, with Add-Padding: true; a range is fetched once', async () => {
    const password = BREACHED_PASSWORDS[3]
    const before = stub.requests.length
    for (let i = 0; i < 2; i++) await signUp(service, password, 'bppad')
    const sent = stub.requests.slice(before)
    expect(sent).toHaveLength(1)
    expect(sent[0]!.path).toBe(`/range/${sha1(password).slice(0, 5)}`)
    expect(sent[0]!.search).toBe('?mode=sha1')
    expect(sent[0]!.headers['add-padding']).toBe('true')
    const everything = JSON.stringify(stub.requests)
    for (const secret of [...BREACHED_PASSWORDS, CLEAN, PASSWORD])
      for (const form of [secret, sha1(secret), sha1(secret).slice(5), sha1(secret).toLowerCase()])
        expect(everything).not.toContain(form)
  })
})

describe('signing in with a password the corpus lists', () => {
  test('signs in, with passwordBreached: true in the answer and in the auth event', async () => {
    const email = await accountWithBreachedPassword(BREACHED_PASSWORDS[4])
    const signedIn = await post(service.url, '/signin', { email, password: BREACHED_PASSWORDS[4] })
    expect(signedIn.status).toBe(200)
    expect(signedIn.body.passwordBreached).toBe(true)
    expect(typeof signedIn.body.accessToken).toBe('string')
    // Written after the answer: wait for it.
    const event = await waitFor(
      () => service.logs().find((l) => l.event === 'sign_in' && l.sub && l.passwordBreached === true),
      'the auth event of the flagged sign-in',
    )
    expect(event.outcome).toBe('succeeded')
    const clean = await signedInAccount(service.url, cognito, { tag: 'bpclean' })
    expect(clean.tokens).not.toHaveProperty('passwordBreached')
  })

  test('a user with the authenticator app: the flag is sealed in the challenge session and comes with /signin/challenge’s tokens', async () => {
    const password = BREACHED_PASSWORDS[5]
    const email = await accountWithBreachedPassword(password)
    const auth = bearer((await post(service.url, '/signin', { email, password })).body.accessToken)
    const { secretCode } = (await request(service.url, 'POST', '/me/mfa/totp', { headers: auth })).body
    expect((await post(service.url, '/me/mfa/totp/verify', { code: totpCode(secretCode) }, auth)).status).toBe(204)

    const started = await post(service.url, '/signin', { email, password })
    expect(started.body.challengeName).toBe('SOFTWARE_TOKEN_MFA')
    expect(started.body).not.toHaveProperty('passwordBreached')
    // The code that turned the app on is used up: the next time step's code signs in.
    const next = generateSync({ secret: secretCode, epoch: Math.floor(Date.now() / 1000) + 30 })
    const answered = await post(service.url, '/signin/challenge', {
      email,
      challengeName: 'SOFTWARE_TOKEN_MFA',
      session: started.body.session,
      responses: { SOFTWARE_TOKEN_MFA_CODE: next },
    })
    expect(answered.status).toBe(200)
    expect(typeof answered.body.accessToken).toBe('string')
    expect(answered.body.passwordBreached).toBe(true)
    const event = await waitFor(
      () => service.logs().find((l) => l.event === 'challenge_answered' && l.passwordBreached === true),
      'the auth event of the flagged challenge answer',
    )
    expect(event.outcome).toBe('succeeded')
    expect(JSON.stringify(answered.body)).not.toContain(password)
  })

  test('a wrong password is not looked up: the check runs only after Cognito accepted the password', async () => {
    const { email } = await confirmedAccount(service.url, cognito, { tag: 'bpwrong' })
    const before = stub.requests.length
    const refused = await post(service.url, '/signin', { email, password: 'Never-Looked-Up-3' })
    expectProblem(refused, 401, 'not_authorized')
    expect(stub.requests.length).toBe(before)
  })

  test('a range API slower than the deadline: no flag, and the sign-in waits no longer than the deadline', async () => {
    const email = await accountWithBreachedPassword('Passw0rd!')
    stub.delayMs = 3000
    const startedAt = performance.now()
    const signedIn = await post(service.url, '/signin', { email, password: 'Passw0rd!' })
    expect(signedIn.status).toBe(200)
    expect(signedIn.body).not.toHaveProperty('passwordBreached')
    expect(performance.now() - startedAt).toBeLessThan(TIMEOUT_MS + 1500)
  })
})

describe('when the range API cannot be read', () => {
  test('fail open (the default): the new password is accepted, with a metric and a log line', async () => {
    stub.delayMs = 3000
    const signedUp = await signUp(service, 'Slow-Range-41', 'bpopen')
    expect(signedUp.status).toBe(201)
    stub.delayMs = 0
    stub.failWith = 503
    const again = await signUp(service, 'Down-Range-42', 'bpopen')
    expect(again.status).toBe(201)
    const failures = service.logs().filter((l) => l.msg === 'breached-password check failed')
    expect(failures.map((l) => l.outcome)).toEqual(expect.arrayContaining(['timeout', 'unavailable']))
    expect(failures.every((l) => l.level === 'warn' && l.failClosed === false)).toBe(true)
    const metrics = await metricsOf(service)
    expect(metrics).toMatch(/user_service_breached_password_checks_total\{outcome="timeout"\} [1-9]/)
    expect(metrics).toMatch(/user_service_breached_password_checks_total\{outcome="unavailable"\} [1-9]/)
    expect(metrics).toMatch(/user_service_breached_password_checks_total\{outcome="breached"\} [1-9]/)
  })

  test('fail closed: the new password is refused with 503 password_check_unavailable; sign-in still works', async () => {
    stub.failWith = 503
    const refused = await signUp(failClosed, CLEAN, 'bpclosed')
    expectProblem(refused, 503, 'password_check_unavailable', [CLEAN])
    expect(refused.headers.get('retry-after')).toBe('5')
    stub.failWith = undefined
    const { email } = await confirmedAccount(failClosed.url, cognito, { tag: 'bpclosed' })
    stub.failWith = 503
    const signedIn = await post(failClosed.url, '/signin', { email, password: PASSWORD })
    expect(signedIn.status).toBe(200)
    expect(signedIn.body).not.toHaveProperty('passwordBreached')
    expect((await metricsOf(failClosed)).includes('outcome="unavailable"')).toBe(true)
  })
})

test('no password, hash or hash suffix reaches a log line or a metric', async () => {
  const secrets = [...BREACHED_PASSWORDS, CLEAN, PASSWORD, 'Slow-Range-41', 'Down-Range-42'].flatMap((p) => [
    p,
    sha1(p),
    sha1(p).slice(5),
  ])
  expectNoSecrets([...service.lines, ...failClosed.lines], secrets)
  expectNoSecrets([await metricsOf(service), await metricsOf(failClosed)], secrets)
})
