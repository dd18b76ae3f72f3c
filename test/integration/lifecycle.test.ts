// The whole account lifecycle over real sockets, against cognito-local (with its compat layer)
// behind the SECRET_HASH-verifying proxy. Codes come from what the emulator "emails".
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { signedInAccount } from '../support/accounts.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { bearer, expectNoSecrets, expectProblem, post, request, type JsonResponse } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

let cognito: TestCognito
let service: RunningService
const NEW_PASSWORD = 'AnotherLocalTest5678!'
const RESET_PASSWORD = 'ResetLocalTest9012#'
const seen: string[] = [PASSWORD, NEW_PASSWORD, RESET_PASSWORD]

beforeAll(async () => {
  cognito = await testCognito()
  seen.push(cognito.pool.clientSecret)
  service = await startService(cognito.serviceEnv())
})
afterAll(() => service?.stop())

const me = (token: string) => request(service.url, 'GET', '/me', { headers: bearer(token) })
const signIn = (email: string, password: string) => post(service.url, '/signin', { email, password })
const remember = (res: JsonResponse) => {
  for (const key of ['idToken', 'accessToken', 'refreshToken'])
    if (typeof res.body?.[key] === 'string') seen.push(res.body[key])
  return res
}

/** A confirmed account, signed in. */
const signedInUser = () => signedInAccount(service.url, cognito, { tag: 'life', seen })

test('one user, the whole life', async () => {
  const email = uniqueEmail('whole')

  const signUp = await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'Whole Life' })
  expect(signUp.status).toBe(201)

  expectProblem(await signIn(email, PASSWORD), 403, 'user_not_confirmed')

  const code = await cognito.codeFor(email)
  const confirmed = await post(service.url, '/signup/confirm', { email, code })
  expect(confirmed.status).toBe(200)
  expect(confirmed.body).toEqual({ message: 'User confirmed successfully!' })

  const first = remember(await signIn(email, PASSWORD))
  expect(first.status).toBe(200)
  const { accessToken, refreshToken, username } = first.body
  expect(username).toBe(signUp.body.userSub)

  const profile = await me(accessToken)
  expect(profile.status).toBe(200)
  expect(profile.body).toEqual({
    username,
    sub: signUp.body.userSub,
    email,
    emailVerified: true,
    nickname: 'Whole Life',
  })
  expect(profile.headers.get('cache-control')).toBe('no-store')

  const refreshed = remember(await post(service.url, '/token/refresh', { refreshToken, username }))
  expect(refreshed.status).toBe(200)
  expect(refreshed.headers.get('cache-control')).toBe('no-store')
  expect(refreshed.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600 })
  expect(refreshed.body.accessToken.split('.')).toHaveLength(3)
  expect(cognito.proxy.calls.findLast((c) => c.operation === 'InitiateAuth')).toMatchObject({
    hashSent: true,
    hashValid: true,
  })
  expect((await me(refreshed.body.accessToken)).status).toBe(200)

  const changed = await post(
    service.url,
    '/password/change',
    { previousPassword: PASSWORD, proposedPassword: NEW_PASSWORD },
    bearer(refreshed.body.accessToken),
  )
  // This device is signed in again with the new password (every session was signed out).
  expect(changed.status).toBe(200)
  remember(changed)
  expect((await me(changed.body.accessToken)).status).toBe(200)
  expectProblem(await signIn(email, PASSWORD), 401, 'not_authorized')
  const second = remember(await signIn(email, NEW_PASSWORD))
  expect(second.status).toBe(200)

  const forgot = await post(service.url, '/password/forgot', { email })
  expect(forgot.status).toBe(202)
  expect(forgot.body.codeDelivery).toMatchObject({ deliveryMedium: 'EMAIL', attributeName: 'email' })
  const resetCode = await cognito.codeFor(email, 2)
  const reset = await post(service.url, '/password/reset', { email, code: resetCode, password: RESET_PASSWORD })
  expect(reset.status).toBe(200)
  expect(reset.body).toEqual({ message: 'Password reset successfully!' })
  const third = remember(await signIn(email, RESET_PASSWORD))
  expect(third.status).toBe(200)

  const out = await request(service.url, 'POST', '/signout', { headers: bearer(third.body.accessToken) })
  expect(out.status).toBe(204)
  const after = await me(third.body.accessToken)
  expectProblem(after, 401, 'invalid_token')
  expect(after.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
  // Global sign-out also ends the refresh token's life.
  expectProblem(
    await post(service.url, '/token/refresh', { refreshToken: third.body.refreshToken, username }),
    401,
    'invalid_token',
  )
})

describe('confirmation', () => {
  test('a wrong code is 400 code_mismatch; an unknown account looks the same', async () => {
    const email = uniqueEmail('wrongcode')
    await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'n' })
    const code = await cognito.codeFor(email)
    const wrong = await post(service.url, '/signup/confirm', { email, code: code === '000000' ? '111111' : '000000' })
    const unknown = await post(service.url, '/signup/confirm', { email: uniqueEmail('nobody'), code: '123456' })
    expectProblem(wrong, 400, 'code_mismatch')
    expect(unknown.text).toBe(wrong.text)
  })

  test('resend: a new code that confirms, and the same answer for unknown and confirmed accounts', async () => {
    const email = uniqueEmail('resend')
    await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'n' })
    const firstCode = await cognito.codeFor(email)
    const resent = await post(service.url, '/signup/resend', { email })
    expect(resent.status).toBe(200)
    expect(resent.body).toEqual({
      codeDelivery: { destination: 'r***@e***', deliveryMedium: 'EMAIL', attributeName: 'email' },
    })
    const newCode = await cognito.codeFor(email, 2)
    expect(newCode).not.toBe(firstCode)
    expect((await post(service.url, '/signup/confirm', { email, code: newCode })).status).toBe(200)

    const confirmedAgain = await post(service.url, '/signup/resend', { email })
    const other = uniqueEmail('resend')
    const unknown = await post(service.url, '/signup/resend', { email: other })
    expect(confirmedAgain.status).toBe(200)
    expect(unknown.status).toBe(200)
    // Same shape and masking rule: only the request's own letters differ.
    expect(unknown.body).toEqual({
      codeDelivery: { destination: 'r***@e***', deliveryMedium: 'EMAIL', attributeName: 'email' },
    })
    expect(confirmedAgain.text).toBe(resent.text)
  })
})

describe('password recovery', () => {
  test('forgot answers 202 with the same body whether or not the account exists', async () => {
    const { email } = await signedInUser()
    const known = await post(service.url, '/password/forgot', { email })
    const unknown = await post(service.url, '/password/forgot', { email: `l${email.slice(1)}x` })
    expect(known.status).toBe(202)
    expect(unknown.status).toBe(202)
    expect(unknown.text).toBe(known.text)
  })

  test('reset with a wrong code is 400 code_mismatch, with a weak-shaped body it is 400 validation_failed', async () => {
    const { email } = await signedInUser()
    await post(service.url, '/password/forgot', { email })
    expectProblem(
      await post(service.url, '/password/reset', { email, code: '999999x', password: RESET_PASSWORD }),
      400,
      'code_mismatch',
      [RESET_PASSWORD],
    )
    expectProblem(
      await post(service.url, '/password/reset', { email, code: '', password: RESET_PASSWORD }),
      400,
      'validation_failed',
      [RESET_PASSWORD],
    )
  })

  test('change password with the wrong previous password is 400 previous_password_mismatch, not a 401 (the token is fine)', async () => {
    const { tokens } = await signedInUser()
    const res = await post(
      service.url,
      '/password/change',
      { previousPassword: 'NotTheRightOne1!', proposedPassword: NEW_PASSWORD },
      bearer(tokens.accessToken),
    )
    expectProblem(res, 400, 'previous_password_mismatch', ['NotTheRightOne1!', NEW_PASSWORD])
    expect((await me(tokens.accessToken)).status).toBe(200)
  })
})

describe("the pool's password policy", () => {
  test('a password the policy refuses: 400 invalid_password at sign-up and at change, never echoed', async () => {
    const weak = 'abc'
    const signUp = await post(service.url, '/signup', { email: uniqueEmail('weak'), password: weak, nickname: 'n' })
    expectProblem(signUp, 400, 'invalid_password', [weak])
    const { email, tokens } = await signedInUser()
    const change = await post(
      service.url,
      '/password/change',
      { previousPassword: PASSWORD, proposedPassword: 'nouppercase1!' },
      bearer(tokens.accessToken),
    )
    expectProblem(change, 400, 'invalid_password', ['nouppercase1!'])
    // The refused change changed nothing.
    expect((await signIn(email, PASSWORD)).status).toBe(200)
  })
})

describe('tokens', () => {
  test('refresh with the email instead of the Cognito username: Cognito refuses the hash, the client gets 401 invalid_token', async () => {
    const { email, tokens } = await signedInUser()
    const res = await post(service.url, '/token/refresh', { refreshToken: tokens.refreshToken, username: email })
    expectProblem(res, 401, 'invalid_token')
    expect(cognito.proxy.calls.findLast((c) => c.operation === 'InitiateAuth')).toMatchObject({ hashValid: false })
  })

  test('a refresh token nobody was issued is 401 invalid_token', async () => {
    expectProblem(
      await post(service.url, '/token/refresh', {
        refreshToken: 'eyJhbGciOiJIUzI1NiJ9.e30.bm9wZQ',
        username: 'someone',
      }),
      401,
      'invalid_token',
    )
  })

  test('no Authorization header: 401 missing_token with WWW-Authenticate: Bearer', async () => {
    for (const [method, path] of [
      ['GET', '/me'],
      ['POST', '/signout'],
      ['POST', '/password/change'],
    ] as const) {
      const res = await request(
        service.url,
        method,
        path,
        method === 'GET' ? {} : { json: { previousPassword: PASSWORD, proposedPassword: NEW_PASSWORD } },
      )
      expectProblem(res, 401, 'missing_token', [PASSWORD])
      expect(res.headers.get('www-authenticate')).toBe('Bearer')
    }
  })

  test('bad tokens are refused locally (401 invalid_token) without calling Cognito', async () => {
    const { tokens } = await signedInUser()
    const [header, payload, signature] = tokens.accessToken.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    const forge = (changes: Record<string, unknown>) =>
      `${header}.${Buffer.from(JSON.stringify({ ...claims, ...changes })).toString('base64url')}.${signature}`
    const bad = {
      garbage: 'not-a-jwt',
      'the ID token': tokens.idToken,
      'a flipped signature': `${header}.${payload}.${signature.slice(0, -4)}AAAA`,
      'a forged expiry': forge({ exp: claims.exp + 3600 }),
      'another client': forge({ client_id: 'someoneelse' }),
      'an unsigned token': `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`,
    }
    const before = cognito.proxy.calls.length
    for (const [what, token] of Object.entries(bad)) {
      const res = await me(token)
      expect({ what, status: res.status, code: res.body?.code }).toEqual({ what, status: 401, code: 'invalid_token' })
    }
    expect(cognito.proxy.calls.length).toBe(before)
  })
})

describe('challenges', () => {
  test('NEW_PASSWORD_REQUIRED: /signin returns the challenge, /signin/challenge answers it with tokens', async () => {
    const email = uniqueEmail('invited')
    const temporary = 'TempLocalTest0000!'
    seen.push(temporary)
    // An invited user (created by an administrator) is how this challenge arises.
    await cognito.invite(email, temporary)

    expectProblem(await signIn(email, 'WrongTemp0000!'), 401, 'not_authorized')
    const challenged = await signIn(email, temporary)
    expect(challenged.status).toBe(200)
    const { challengeName, session } = challenged.body
    expect(challengeName).toBe('NEW_PASSWORD_REQUIRED')
    expect(typeof session).toBe('string')
    expect(challenged.body).not.toHaveProperty('token')

    const answered = remember(
      await post(service.url, '/signin/challenge', {
        email,
        challengeName: 'NEW_PASSWORD_REQUIRED',
        session,
        responses: { NEW_PASSWORD: NEW_PASSWORD, USERNAME: 'someone-else' },
      }),
    )
    expect(answered.status).toBe(200)
    expect(answered.body).toMatchObject({ tokenType: 'Bearer', token: answered.body.idToken })
    expect(cognito.proxy.calls.findLast((c) => c.operation === 'RespondToAuthChallenge')).toMatchObject({
      hashSent: true,
      hashValid: true,
    })
    expect((await me(answered.body.accessToken)).body.email).toBe(email)
    expect((await signIn(email, NEW_PASSWORD)).status).toBe(200)
  })
})

test('no password, token or secret from this file reached a log line', async () => {
  await Bun.sleep(50)
  expectNoSecrets(service.lines, seen)
})
