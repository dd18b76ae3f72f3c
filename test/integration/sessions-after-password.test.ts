// A password reset ends every session of the account; a change ends every other one and signs this
// device in again. Tried as an attacker would: the intruder's session (another sign-in) must be dead
// on this service (its revocation list) and in Cognito (its refresh token). Both pools: the local
// one tracks sessions, the second one does not. Runs on Bun, Node and the binary (SERVICE_TARGET).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { generateSync } from 'otplib'
import { signedInAccount, type SignedInAccount } from '../support/accounts.ts'
import { createPoolWithMfa, emulatorClient, totpCode } from '../support/emulator-calls.ts'
import { bearer, expectNoSecrets, expectProblem, post, request, type JsonResponse } from '../support/http.ts'
import { serviceForFile, startService, type RunningService } from '../support/service.ts'
import { PASSWORD } from '../support/util.ts'

const NEW_PASSWORD = 'AnotherLocalTest5678!'
const file = serviceForFile()
const { seen } = file
seen.push(NEW_PASSWORD)

/** The second pool: like the local one, but with no session tracking (the emulator's default). */
let untracked: RunningService
let untrackedClient: { clientId: string; clientSecret: string }
beforeAll(async () => {
  const pool = await createPoolWithMfa(file.cognito, 'OPTIONAL', true)
  untrackedClient = pool
  seen.push(pool.clientSecret)
  untracked = await startService(
    file.cognito.serviceEnv({
      COGNITO_USER_POOL_ID: pool.userPoolId,
      COGNITO_CLIENT_ID: pool.clientId,
      COGNITO_CLIENT_SECRET: pool.clientSecret,
      COGNITO_ISSUER: `${file.cognito.emulator.endpoint}/${pool.userPoolId}`,
    }),
  )
})
afterAll(() => untracked?.stop())

const remember = (res: JsonResponse) => {
  for (const key of ['idToken', 'accessToken', 'refreshToken'])
    if (typeof res.body?.[key] === 'string') seen.push(res.body[key])
  return res
}

/** A device's session: its access token fails on this service, its refresh token in Cognito. */
async function expectSessionEnded(
  url: string,
  tokens: { accessToken: string; refreshToken: string; username: string },
) {
  expectProblem(await request(url, 'GET', '/me', { headers: bearer(tokens.accessToken) }), 401, 'invalid_token')
  expectProblem(
    await post(url, '/token/refresh', { refreshToken: tokens.refreshToken, username: tokens.username }),
    401,
    'invalid_token',
  )
}

/** A signed-in account of the untracked pool (signed up in that pool directly, signed in through `url`). */
async function untrackedAccount(url: string): Promise<SignedInAccount> {
  const { email } = await emulatorClient(file.cognito, untrackedClient).confirmedUser('untracked')
  const signedIn = remember(await post(url, '/signin', { email, password: PASSWORD }))
  expect(signedIn.status).toBe(200)
  return { email, tokens: signedIn.body, auth: bearer(signedIn.body.accessToken) }
}

/** Two devices of one account: `owner` (this one) and `intruder` (another sign-in with the password). */
async function twoDevices(url: string) {
  const owner: SignedInAccount =
    url === file.service.url
      ? await signedInAccount(url, file.cognito, { tag: 'two-devices', seen })
      : await untrackedAccount(url)
  const intruder = remember(await post(url, '/signin', { email: owner.email, password: PASSWORD }))
  expect(intruder.status).toBe(200)
  // A sign-in of an earlier second than the reset or change (auth_time has second resolution).
  await Bun.sleep(1100)
  return { owner, intruder: intruder.body as SignedInAccount['tokens'] }
}

/** Turns the authenticator app on for a signed-in account; answers the secret. */
async function turnOnTotp(url: string, auth: Record<string, string>) {
  const enrolled = await request(url, 'POST', '/me/mfa/totp', { headers: auth })
  seen.push(enrolled.body.secretCode)
  expect((await post(url, '/me/mfa/totp/verify', { code: totpCode(enrolled.body.secretCode) }, auth)).status).toBe(204)
  return enrolled.body.secretCode as string
}

async function resetPassword(url: string, email: string) {
  expect((await post(url, '/password/forgot', { email })).status).toBe(202)
  const code = await file.cognito.codeFor(email, 2)
  return post(url, '/password/reset', { email, code, password: NEW_PASSWORD })
}

describe('a password reset ends every session of the account', () => {
  test('both devices are signed out, here and in Cognito; the new password signs in', async () => {
    const { owner, intruder } = await twoDevices(file.service.url)
    const reset = await resetPassword(file.service.url, owner.email)
    expect(reset.status).toBe(200)
    await expectSessionEnded(file.service.url, owner.tokens)
    await expectSessionEnded(file.service.url, intruder)
    const again = remember(await post(file.service.url, '/signin', { email: owner.email, password: NEW_PASSWORD }))
    expect((await request(file.service.url, 'GET', '/me', { headers: bearer(again.body.accessToken) })).status).toBe(
      200,
    )
  })

  test('a user with the authenticator app on: the same, and the new password still needs the code', async () => {
    const { owner, intruder } = await twoDevices(file.service.url)
    await turnOnTotp(file.service.url, owner.auth)
    expect((await resetPassword(file.service.url, owner.email)).status).toBe(200)
    await expectSessionEnded(file.service.url, owner.tokens)
    await expectSessionEnded(file.service.url, intruder)
    const again = await post(file.service.url, '/signin', { email: owner.email, password: NEW_PASSWORD })
    expect(again.body.challengeName).toBe('SOFTWARE_TOKEN_MFA')
  })
})

describe('a password change ends every other session; this device signs in again', () => {
  const pools = () =>
    [
      ['a pool that tracks sessions', file.service.url],
      ['a pool that does not', untracked.url],
    ] as const
  for (const index of [0, 1]) {
    test(`the intruder is signed out, this device gets new tokens (${index === 0 ? 'tracking on' : 'tracking off'})`, async () => {
      const [, url] = pools()[index]!
      const { owner, intruder } = await twoDevices(url)
      const changed = remember(
        await post(url, '/password/change', { previousPassword: PASSWORD, proposedPassword: NEW_PASSWORD }, owner.auth),
      )
      expect(changed.status).toBe(200)
      expect(changed.body).toMatchObject({ tokenType: 'Bearer', username: owner.tokens.username })
      await expectSessionEnded(url, intruder)
      await expectSessionEnded(url, owner.tokens)
      expect((await request(url, 'GET', '/me', { headers: bearer(changed.body.accessToken) })).status).toBe(200)
      const refreshed = remember(
        await post(url, '/token/refresh', { refreshToken: changed.body.refreshToken, username: changed.body.username }),
      )
      expect(refreshed.status).toBe(200)
    })
  }

  test('a user with the authenticator app on: the intruder is out, this device answers SOFTWARE_TOKEN_MFA to get back in', async () => {
    const { owner, intruder } = await twoDevices(file.service.url)
    const secret = await turnOnTotp(file.service.url, owner.auth)
    const changed = await post(
      file.service.url,
      '/password/change',
      { previousPassword: PASSWORD, proposedPassword: NEW_PASSWORD },
      owner.auth,
    )
    expect(changed.status).toBe(200)
    expect(changed.body.challengeName).toBe('SOFTWARE_TOKEN_MFA')
    await expectSessionEnded(file.service.url, intruder)
    // The code that turned the app on is used up: the next step's.
    const next = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 })
    const tokens = remember(
      await post(file.service.url, '/signin/challenge', {
        email: owner.email,
        challengeName: 'SOFTWARE_TOKEN_MFA',
        session: changed.body.session,
        responses: { SOFTWARE_TOKEN_MFA_CODE: next },
      }),
    )
    expect(tokens.status).toBe(200)
    expect((await request(file.service.url, 'GET', '/me', { headers: bearer(tokens.body.accessToken) })).status).toBe(
      200,
    )
  })
})

test('no secret, token or password in any log line', () => {
  expectNoSecrets([...file.service.lines, ...untracked.lines], seen)
})
