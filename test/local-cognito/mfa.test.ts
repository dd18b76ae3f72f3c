// The local Cognito's TOTP MFA does what Cognito does: each test calls the emulator directly (not
// through the verifying proxy) and expects Cognito's answer. The rules and their sources are in
// dev/local-cognito/mfa.cjs; codes come from otplib, as an authenticator app computes them.
import { beforeAll, describe, expect, test } from 'bun:test'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { readFileSync } from 'node:fs'
import { createPoolWithMfa, emulatorClient, expectRefused, totpCode } from '../support/emulator-calls.ts'
import { PASSWORD } from '../support/util.ts'

let cognito: TestCognito
let local: ReturnType<typeof emulatorClient>

beforeAll(async () => {
  cognito = await testCognito()
  local = emulatorClient(cognito)
})

const poolWithMfa = async (mfa: 'ON' | 'OFF', totp: boolean) =>
  emulatorClient(cognito, await createPoolWithMfa(cognito, mfa, totp))

describe('enrolling with an access token', () => {
  test('SetUserMFAPreference before VerifySoftwareToken is refused; sign-in still needs no code', async () => {
    const { email, accessToken } = await local.signedInUser('order')
    const associated = await local.call('AssociateSoftwareToken', { AccessToken: accessToken })
    expect(associated.status).toBe(200)
    expect(associated.body.SecretCode).toMatch(/^[A-Z2-7]{16,}$/)
    expectRefused(
      await local.call('SetUserMFAPreference', {
        AccessToken: accessToken,
        SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
      }),
      'InvalidParameterException',
    )
    expect((await local.signIn(email)).body.AuthenticationResult).toBeDefined()
  })

  test('a wrong code is EnableSoftwareTokenMFAException; the right one verifies; then sign-in is SOFTWARE_TOKEN_MFA', async () => {
    const { email, sub, accessToken } = await local.signedInUser('verify')
    const { SecretCode } = (await local.call('AssociateSoftwareToken', { AccessToken: accessToken })).body
    const wrong = totpCode(SecretCode) === '000000' ? '111111' : '000000'
    expectRefused(
      await local.call('VerifySoftwareToken', { AccessToken: accessToken, UserCode: wrong }),
      'EnableSoftwareTokenMFAException',
      'Code mismatch and fail enable Software Token MFA',
    )
    const verified = await local.call('VerifySoftwareToken', {
      AccessToken: accessToken,
      UserCode: totpCode(SecretCode),
    })
    expect(verified.body.Status).toBe('SUCCESS')
    const preferred = await local.call('SetUserMFAPreference', {
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    })
    expect(preferred.status).toBe(200)

    const challenge = await local.signIn(email)
    expect(challenge.body.ChallengeName).toBe('SOFTWARE_TOKEN_MFA')
    const answer = (code: string) =>
      local.call('RespondToAuthChallenge', {
        ClientId: local.clientId,
        ChallengeName: 'SOFTWARE_TOKEN_MFA',
        Session: challenge.body.Session,
        ChallengeResponses: { USERNAME: sub, SOFTWARE_TOKEN_MFA_CODE: code, SECRET_HASH: local.hash(sub) },
      })
    expectRefused(await answer(wrong), 'CodeMismatchException')
    expect((await answer(totpCode(SecretCode))).body.AuthenticationResult.AccessToken).toBeString()
  })

  test('an access token and a session together are refused', async () => {
    const { accessToken } = await local.signedInUser('both')
    expectRefused(
      await local.call('AssociateSoftwareToken', { AccessToken: accessToken, Session: 'x'.repeat(40) }),
      'InvalidParameterException',
    )
    expectRefused(
      await local.call('VerifySoftwareToken', {
        AccessToken: accessToken,
        Session: 'x'.repeat(40),
        UserCode: '123456',
      }),
      'InvalidParameterException',
    )
  })

  test('a pool without TOTP activated: SoftwareTokenMFANotFoundException', async () => {
    const pool = await poolWithMfa('OFF', false)
    const { accessToken } = await pool.signedInUser('nototp')
    expectRefused(
      await pool.call('AssociateSoftwareToken', { AccessToken: accessToken }),
      'SoftwareTokenMFANotFoundException',
    )
  })
})

describe('MFA_SETUP: a pool that requires MFA, a user who has none', () => {
  test('challenge, associate and verify through the session, answer MFA_SETUP; every step refuses a stale session', async () => {
    const pool = await poolWithMfa('ON', true)
    const { email, sub } = await pool.confirmedUser('setup')
    const challenge = await pool.signIn(email)
    expect(challenge.status).toBe(200)
    expect(challenge.body.ChallengeName).toBe('MFA_SETUP')
    expect(JSON.parse(challenge.body.ChallengeParameters.MFAS_CAN_SETUP)).toEqual(['SOFTWARE_TOKEN_MFA'])
    const answer = (session: string) =>
      pool.call('RespondToAuthChallenge', {
        ClientId: pool.clientId,
        ChallengeName: 'MFA_SETUP',
        Session: session,
        ChallengeResponses: { USERNAME: sub, SECRET_HASH: pool.hash(sub) },
      })
    // Not before a code is verified.
    expectRefused(await answer(challenge.body.Session), 'NotAuthorizedException')

    const associated = await pool.call('AssociateSoftwareToken', { Session: challenge.body.Session })
    expect(associated.status).toBe(200)
    expect(associated.body.Session).not.toBe(challenge.body.Session)
    // The challenge's session was for this one step.
    expectRefused(
      await pool.call('AssociateSoftwareToken', { Session: challenge.body.Session }),
      'NotAuthorizedException',
    )

    const { SecretCode, Session } = associated.body
    const wrong = totpCode(SecretCode) === '000000' ? '111111' : '000000'
    expectRefused(
      await pool.call('VerifySoftwareToken', { Session, UserCode: wrong }),
      'EnableSoftwareTokenMFAException',
    )
    const verified = await pool.call('VerifySoftwareToken', { Session, UserCode: totpCode(SecretCode) })
    expect(verified.body.Status).toBe('SUCCESS')
    expectRefused(await answer(Session), 'NotAuthorizedException')

    const tokens = await answer(verified.body.Session)
    expect(tokens.body.AuthenticationResult.AccessToken).toBeString()
    expectRefused(await answer(verified.body.Session), 'NotAuthorizedException')
    // From now on the user signs in with a code.
    expect((await pool.signIn(email)).body.ChallengeName).toBe('SOFTWARE_TOKEN_MFA')
  })

  test('a wrong password is still a wrong password, not a set-up challenge', async () => {
    const pool = await poolWithMfa('ON', true)
    const { email } = await pool.confirmedUser('setuppw')
    expectRefused(
      await pool.signIn(email, 'WrongLocalTest0000!'),
      'NotAuthorizedException',
      'Incorrect username or password.',
    )
  })
})

/** How many codes the emulator has "emailed" to `email` (its log's code delivery lines). */
const codesSentTo = (email: string) =>
  readFileSync(cognito.emulator.logFile, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"code delivery"') && line.includes(JSON.stringify(email))).length

/** A signed-in user whose TOTP is on (associated, verified, preferred): its secret and access token. */
async function userWithTotp(tag: string) {
  const user = await local.signedInUser(tag)
  const { SecretCode } = (await local.call('AssociateSoftwareToken', { AccessToken: user.accessToken })).body
  await local.call('VerifySoftwareToken', { AccessToken: user.accessToken, UserCode: totpCode(SecretCode) })
  const preferred = await local.call('SetUserMFAPreference', {
    AccessToken: user.accessToken,
    SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  })
  expect(preferred.status).toBe(200)
  return { ...user, secret: SecretCode as string }
}

describe('a user with TOTP on signs in with a password and the code only (no passwordless first factor)', () => {
  const userAuth = (email: string, parameters: Record<string, string> = {}) =>
    local.call('InitiateAuth', {
      ClientId: local.clientId,
      AuthFlow: 'USER_AUTH',
      AuthParameters: { USERNAME: email, SECRET_HASH: local.hash(email), ...parameters },
    })

  test('EMAIL_OTP is not offered, not sent, not selectable; the factors list PASSWORD only', async () => {
    const { email, sub, accessToken } = await userWithTotp('nopwless')
    const codesBefore = codesSentTo(email)
    expect(codesBefore).toBeGreaterThan(0)
    const preferences: Record<string, string>[] = [
      {},
      { PREFERRED_CHALLENGE: 'EMAIL_OTP' },
      { PREFERRED_CHALLENGE: 'WEB_AUTHN' },
    ]
    for (const parameters of preferences) {
      const started = await userAuth(email, parameters)
      expect(started.body.ChallengeName).toBe('SELECT_CHALLENGE')
      expect(started.body.AvailableChallenges).toEqual(['PASSWORD'])
    }
    const started = await userAuth(email)
    expectRefused(
      await local.call('RespondToAuthChallenge', {
        ClientId: local.clientId,
        ChallengeName: 'SELECT_CHALLENGE',
        Session: started.body.Session,
        ChallengeResponses: { USERNAME: sub, SECRET_HASH: local.hash(sub), ANSWER: 'EMAIL_OTP' },
      }),
      'InvalidParameterException',
    )
    expect(codesSentTo(email)).toBe(codesBefore)
    const factors = await local.call('GetUserAuthFactors', { AccessToken: accessToken })
    expect(factors.body.ConfiguredUserAuthFactors).toEqual(['PASSWORD'])
  })

  test('the password, by preference or by selection, leads to SOFTWARE_TOKEN_MFA, never to tokens', async () => {
    const { email, sub } = await userWithTotp('pwmfa')
    const preferred = await userAuth(email, { PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD })
    expect(preferred.body.ChallengeName).toBe('SOFTWARE_TOKEN_MFA')
    expect(preferred.body.AuthenticationResult).toBeUndefined()
    const started = await userAuth(email)
    const selected = await local.call('RespondToAuthChallenge', {
      ClientId: local.clientId,
      ChallengeName: 'SELECT_CHALLENGE',
      Session: started.body.Session,
      ChallengeResponses: { USERNAME: sub, SECRET_HASH: local.hash(sub), ANSWER: 'PASSWORD', PASSWORD },
    })
    expect(selected.body.ChallengeName).toBe('SOFTWARE_TOKEN_MFA')
    expect(selected.body.AuthenticationResult).toBeUndefined()
    expectRefused(
      await userAuth(email, { PREFERRED_CHALLENGE: 'PASSWORD', PASSWORD: 'Wrong0000!x' }),
      'NotAuthorizedException',
    )
  })
})

describe('AssociateSoftwareToken while TOTP is on (as AWS does it, per a public report)', () => {
  test('sign-in asks for no code until the new secret is verified, while GetUser still lists TOTP', async () => {
    const { email, sub, accessToken } = await userWithTotp('reassociate')
    expect((await local.signIn(email)).body.ChallengeName).toBe('SOFTWARE_TOKEN_MFA')
    const again = await local.call('AssociateSoftwareToken', { AccessToken: accessToken })
    expect(again.status).toBe(200)
    const suspended = await local.signIn(email)
    expect(suspended.body.ChallengeName).toBeUndefined()
    expect(suspended.body.AuthenticationResult.AccessToken).toBeString()
    const reported = (await local.call('GetUser', { AccessToken: accessToken })).body
    expect(reported.UserMFASettingList).toEqual(['SOFTWARE_TOKEN_MFA'])
    expect(reported.PreferredMfaSetting).toBe('SOFTWARE_TOKEN_MFA')

    const newSecret = again.body.SecretCode as string
    await local.call('VerifySoftwareToken', { AccessToken: accessToken, UserCode: totpCode(newSecret) })
    const challenge = await local.signIn(email)
    expect(challenge.body.ChallengeName).toBe('SOFTWARE_TOKEN_MFA')
    const answered = await local.call('RespondToAuthChallenge', {
      ClientId: local.clientId,
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: challenge.body.Session,
      ChallengeResponses: { USERNAME: sub, SOFTWARE_TOKEN_MFA_CODE: totpCode(newSecret), SECRET_HASH: local.hash(sub) },
    })
    expect(answered.body.AuthenticationResult.AccessToken).toBeString()
  })

  test('turning TOTP off while suspended ends it: GetUser no longer lists it, sign-in needs no code', async () => {
    const { email, accessToken } = await userWithTotp('reassociate-off')
    await local.call('AssociateSoftwareToken', { AccessToken: accessToken })
    const off = await local.call('SetUserMFAPreference', {
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false },
    })
    expect(off.status).toBe(200)
    expect((await local.call('GetUser', { AccessToken: accessToken })).body.UserMFASettingList ?? []).toEqual([])
    expect((await local.signIn(email)).body.AuthenticationResult).toBeDefined()
  })
})
