// Authenticator apps end to end: the service over a socket against the local Cognito (strict, with
// dev/local-cognito/mfa.cjs), codes from otplib as an authenticator app computes them. Runs on Bun,
// Node and the binary (SERVICE_TARGET).
import { describe, expect, test } from 'bun:test'
import { signedInAccount } from '../support/accounts.ts'
import { createPoolWithMfa, totpCode } from '../support/emulator-calls.ts'
import { bearer, expectNoSecrets, expectProblem, post, request } from '../support/http.ts'
import { serviceForFile, startService } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'
import { generateSync } from 'otplib'

const file = serviceForFile()
const { seen } = file

const signIn = (email: string) => post(file.service.url, '/signin', { email, password: PASSWORD })
const wrongCodeFor = (secret: string) => (totpCode(secret) === '000000' ? '111111' : '000000')

const signedInUser = () => signedInAccount(file.service.url, file.cognito, { tag: 'totp', seen })
/**
 * The code of the next 30-second step: Cognito (and the local one) accepts it now too, and it differs
 * from the current one, so a test can use a fresh code without waiting for the clock.
 */
const nextCodeFor = (secret: string) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 })

/** A signed-in user whose authenticator app is on (verified with `verifiedWith`, now a used code). */
async function userWithTotp() {
  const user = await signedInUser()
  const enrolled = await request(file.service.url, 'POST', '/me/mfa/totp', { headers: user.auth })
  expect(enrolled.status).toBe(201)
  const secret: string = enrolled.body.secretCode
  seen.push(secret)
  const verifiedWith = totpCode(secret)
  expect((await post(file.service.url, '/me/mfa/totp/verify', { code: verifiedWith }, user.auth)).status).toBe(204)
  return { ...user, secret, verifiedWith }
}
const answerTotp = (email: string, session: string, code: string) =>
  post(file.service.url, '/signin/challenge', {
    email,
    challengeName: 'SOFTWARE_TOKEN_MFA',
    session,
    responses: { SOFTWARE_TOKEN_MFA_CODE: code },
  })
const callsSince = (start: number) => file.cognito.proxy.calls.slice(start).map((c) => c.operation)

describe('TOTP: enrol, verify, sign in with a code, turn off', () => {
  test('the whole path, with every wrong turn on the way', async () => {
    const { email, auth } = await signedInUser()

    // Verifying before enrolling: nothing to verify.
    expectProblem(
      await post(file.service.url, '/me/mfa/totp/verify', { code: '123456' }, auth),
      409,
      'totp_not_enrolled',
    )

    const enrolled = await request(file.service.url, 'POST', '/me/mfa/totp', { headers: auth })
    expect(enrolled.status).toBe(201)
    const { secretCode, otpauthUri } = enrolled.body
    seen.push(secretCode)
    expect(secretCode).toMatch(/^[A-Z2-7]{16,}$/)
    expect(enrolled.body.qrCodeSvg).toStartWith('<svg xmlns="http://www.w3.org/2000/svg"')
    const uri = new URL(otpauthUri)
    expect({ protocol: uri.protocol, type: uri.host, label: decodeURIComponent(uri.pathname) }).toEqual({
      protocol: 'otpauth:',
      type: 'totp',
      label: `/user-service:${email}`,
    })
    expect(Object.fromEntries(uri.searchParams)).toEqual({ secret: secretCode, issuer: 'user-service' })

    // A wrong code turns nothing on.
    expectProblem(
      await post(file.service.url, '/me/mfa/totp/verify', { code: wrongCodeFor(secretCode) }, auth),
      400,
      'code_mismatch',
    )
    expect((await signIn(email)).body.accessToken).toBeString()

    const verified = await post(
      file.service.url,
      '/me/mfa/totp/verify',
      { code: totpCode(secretCode), deviceName: 'Phone' },
      auth,
    )
    expect(verified.status).toBe(204)

    const challenge = await signIn(email)
    expect(challenge.status).toBe(200)
    expect(challenge.body).toMatchObject({
      challengeName: 'SOFTWARE_TOKEN_MFA',
      challengeParameters: { FRIENDLY_DEVICE_NAME: 'Phone' },
    })
    expect(challenge.body.accessToken).toBeUndefined()
    const answer = (session: string, code: string) =>
      post(file.service.url, '/signin/challenge', {
        email,
        challengeName: 'SOFTWARE_TOKEN_MFA',
        session,
        responses: { SOFTWARE_TOKEN_MFA_CODE: code },
      })
    expectProblem(await answer(challenge.body.session, wrongCodeFor(secretCode)), 400, 'code_mismatch')
    const second = await signIn(email)
    // The code that turned the app on is used up: the next step's code signs in.
    const tokens = await answer(second.body.session, nextCodeFor(secretCode))
    expect(tokens.status).toBe(200)
    expect(tokens.body.accessToken).toBeString()
    seen.push(tokens.body.accessToken, tokens.body.refreshToken)
  })

  test('enrolling again replaces the secret: a code from the first no longer verifies', async () => {
    const { auth } = await signedInUser()
    const first = (await request(file.service.url, 'POST', '/me/mfa/totp', { headers: auth })).body.secretCode
    const second = (await request(file.service.url, 'POST', '/me/mfa/totp', { headers: auth })).body.secretCode
    seen.push(first, second)
    expect(second).not.toBe(first)
    const stale = totpCode(first)
    if (stale !== totpCode(second))
      expectProblem(await post(file.service.url, '/me/mfa/totp/verify', { code: stale }, auth), 400, 'code_mismatch')
    expect((await post(file.service.url, '/me/mfa/totp/verify', { code: totpCode(second) }, auth)).status).toBe(204)
  })

  // aws-amplify/amplify-js#1226: enrolling again while the app is on made sign-in ask for no code.
  test('enrolling while the app is on: 409 totp_already_enabled, and sign-in still asks for the code', async () => {
    const { email, auth } = await userWithTotp()
    const again = await request(file.service.url, 'POST', '/me/mfa/totp', { headers: auth })
    expectProblem(again, 409, 'totp_already_enabled')
    const signIn2 = await signIn(email)
    expect(signIn2.body.challengeName).toBe('SOFTWARE_TOKEN_MFA')
    expect(signIn2.body.accessToken).toBeUndefined()
  })

  // neiliro #55, hanko PR #2723: one code accepted at set-up and at two sign-ins in the same window.
  test('a code is accepted once: the one that turned the app on, or signed in, is refused after (RFC 6238 §5.2)', async () => {
    const { email, secret, verifiedWith } = await userWithTotp()
    const first = await signIn(email)
    const before = file.cognito.proxy.calls.length
    expectProblem(await answerTotp(email, first.body.session, verifiedWith), 400, 'code_mismatch')
    // Refused before Cognito: the session is still good for a fresh code.
    expect(callsSince(before)).toEqual([])
    const fresh = nextCodeFor(secret)
    const tokens = await answerTotp(email, first.body.session, fresh)
    expect(tokens.status).toBe(200)
    seen.push(tokens.body.accessToken, tokens.body.refreshToken, tokens.body.idToken)
    const second = await signIn(email)
    const replayed = await answerTotp(email, second.body.session, fresh)
    expectProblem(replayed, 400, 'code_mismatch')
    expect(replayed.body.detail).toBe((await answerTotp(email, second.body.session, '000000')).body.detail)
  })

  // betterlytics PR #955, stellar-client #841: any session could turn the app off without a code.
  test('turning the app off needs the password and a current code, whatever the session', async () => {
    const { email, auth, secret, verifiedWith } = await userWithTotp()
    const off = (json?: unknown) =>
      request(file.service.url, 'DELETE', '/me/mfa/totp', { headers: auth, ...(json ? { json } : {}) })
    expectProblem(await off(), 400, 'validation_failed')
    expectProblem(await off({ password: PASSWORD, code: wrongCodeFor(secret) }), 400, 'code_mismatch')
    const fresh = nextCodeFor(secret)
    const wrongPassword = await off({ password: 'NotThePassword1!', code: fresh })
    expectProblem(wrongPassword, 400, 'password_mismatch')
    expect(wrongPassword.headers.get('www-authenticate')).toBeNull()
    // The code that turned the app on is used up: refused without asking Cognito.
    let before = file.cognito.proxy.calls.length
    expectProblem(await off({ password: PASSWORD, code: verifiedWith }), 400, 'code_mismatch')
    expect(callsSince(before)).toEqual([])
    expect((await signIn(email)).body.challengeName).toBe('SOFTWARE_TOKEN_MFA')

    before = file.cognito.proxy.calls.length
    const done = await off({ password: PASSWORD, code: fresh })
    expect(done.status).toBe(204)
    expect(callsSince(before)).toEqual([
      'InitiateAuth',
      'RespondToAuthChallenge',
      'RevokeToken',
      'SetUserMFAPreference',
    ])
    const after = await signIn(email)
    expect(after.body.accessToken).toBeString()
    seen.push(after.body.accessToken, after.body.refreshToken, after.body.idToken)
    // The caller's own session is untouched.
    expect((await request(file.service.url, 'GET', '/me', { headers: auth })).status).toBe(200)
  })

  test('guessing the code to turn the app off: wrong codes count against the account’s code budget, from any address', async () => {
    const limited = await startService(
      file.cognito.serviceEnv({
        RATE_LIMITS_ENABLED: 'true',
        TRUST_PROXY: 'true',
        RATE_LIMIT_VERIFY_PER_ACCOUNT: '3/5m',
      }),
    )
    try {
      const { email, auth, secret } = await userWithTotp()
      const guess = (i: number) =>
        request(limited.url, 'DELETE', '/me/mfa/totp', {
          headers: { ...auth, 'x-forwarded-for': `198.51.100.${i + 1}` },
          json: { password: PASSWORD, code: wrongCodeFor(secret) },
        })
      for (let i = 0; i < 3; i++) expectProblem(await guess(i), 400, 'code_mismatch')
      const calls = file.cognito.proxy.calls.length
      expectProblem(await guess(3), 429, 'too_many_requests')
      expect(file.cognito.proxy.calls.length).toBe(calls)
      expect((await signIn(email)).body.challengeName).toBe('SOFTWARE_TOKEN_MFA')
    } finally {
      await limited.stop()
    }
  })

  test('no token: 401 on all three routes, no Cognito call', async () => {
    const before = file.cognito.proxy.calls.length
    expectProblem(await request(file.service.url, 'POST', '/me/mfa/totp'), 401, 'missing_token')
    expectProblem(await post(file.service.url, '/me/mfa/totp/verify', { code: '123456' }), 401, 'missing_token')
    expectProblem(await request(file.service.url, 'DELETE', '/me/mfa/totp'), 401, 'missing_token')
    expect(file.cognito.proxy.calls.length).toBe(before)
  })
})

describe('MFA_SETUP: a pool that requires MFA, a user who has none', () => {
  test('sign-in asks to set up an app; set up through the session, verify a code, get tokens; next time a code', async () => {
    const pool = await createPoolWithMfa(file.cognito, 'ON', true)
    seen.push(pool.clientSecret)
    const strict = await startService(
      file.cognito.serviceEnv({
        COGNITO_USER_POOL_ID: pool.userPoolId,
        COGNITO_CLIENT_ID: pool.clientId,
        COGNITO_CLIENT_SECRET: pool.clientSecret,
        COGNITO_ISSUER: `${file.cognito.emulator.endpoint}/${pool.userPoolId}`,
      }),
    )
    try {
      const email = uniqueEmail('setup')
      expect((await post(strict.url, '/signup', { email, password: PASSWORD, nickname: 'Setup' })).status).toBe(201)
      const code = await file.cognito.codeFor(email)
      expect((await post(strict.url, '/signup/confirm', { email, code })).status).toBe(200)

      const challenge = await post(strict.url, '/signin', { email, password: PASSWORD })
      expect(challenge.status).toBe(200)
      expect(challenge.body.challengeName).toBe('MFA_SETUP')
      expect(JSON.parse(challenge.body.challengeParameters.MFAS_CAN_SETUP)).toEqual(['SOFTWARE_TOKEN_MFA'])

      const setup = await post(strict.url, '/signin/mfa-setup', { email, session: challenge.body.session })
      expect(setup.status).toBe(200)
      seen.push(setup.body.secretCode)
      expect(new URL(setup.body.otpauthUri).searchParams.get('secret')).toBe(setup.body.secretCode)
      // The challenge's session did its one step: start signing in again.
      expectProblem(
        await post(strict.url, '/signin/mfa-setup', { email, session: challenge.body.session }),
        400,
        'session_expired',
      )
      const verify = (totp: string) =>
        post(strict.url, '/signin/mfa-setup/verify', { email, session: setup.body.session, code: totp })
      expectProblem(await verify(wrongCodeFor(setup.body.secretCode)), 400, 'code_mismatch')
      const tokens = await verify(totpCode(setup.body.secretCode))
      expect(tokens.status).toBe(200)
      expect(tokens.body.accessToken).toBeString()
      seen.push(tokens.body.accessToken, tokens.body.refreshToken)
      expect((await request(strict.url, 'GET', '/me', { headers: bearer(tokens.body.accessToken) })).body.email).toBe(
        email,
      )

      const next = await post(strict.url, '/signin', { email, password: PASSWORD })
      expect(next.body.challengeName).toBe('SOFTWARE_TOKEN_MFA')
      // The code that finished the set-up is used up.
      expectProblem(
        await post(strict.url, '/signin/challenge', {
          email,
          challengeName: 'SOFTWARE_TOKEN_MFA',
          session: next.body.session,
          responses: { SOFTWARE_TOKEN_MFA_CODE: totpCode(setup.body.secretCode) },
        }),
        400,
        'code_mismatch',
      )
      expectNoSecrets(strict.lines, seen)
    } finally {
      await strict.stop()
    }
  })
})

test('no secret, token or password in any log line', () => {
  expectNoSecrets(file.service.lines, seen)
})
