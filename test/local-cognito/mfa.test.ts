// The local Cognito's TOTP MFA does what Cognito does: each test calls the emulator directly (not
// through the verifying proxy) and expects Cognito's answer. The rules and their sources are in
// dev/local-cognito/mfa.cjs; codes come from otplib, as an authenticator app computes them.
import { beforeAll, describe, expect, test } from 'bun:test'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { createPoolWithMfa, emulatorClient, expectRefused, totpCode } from '../support/emulator-calls.ts'

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
