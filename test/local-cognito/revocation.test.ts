// The local Cognito refuses a revoked access token on every operation that takes one
// (dev/local-cognito/revocation.cjs, which cites the rule), whichever way it was revoked: RevokeToken
// of its refresh token, GlobalSignOut, RevokeUserSession of its session.
import { beforeAll, describe, expect, test } from 'bun:test'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { emulatorClient, expectRefused, type CognitoAnswer } from '../support/emulator-calls.ts'

let cognito: TestCognito
let local: ReturnType<typeof emulatorClient>

beforeAll(async () => {
  cognito = await testCognito()
  local = emulatorClient(cognito)
})

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())

// Every user-pool operation of the API reference that takes an AccessToken, with a request it would
// otherwise accept (or refuse for another reason than the token).
const ACCESS_TOKEN_OPERATIONS: Record<string, Record<string, unknown>> = {
  AssociateSoftwareToken: {},
  ChangePassword: { PreviousPassword: 'x', ProposedPassword: 'y' },
  CompleteWebAuthnRegistration: { Credential: { id: 'x', response: {} } },
  DeleteUser: {},
  DeleteUserAttributes: { UserAttributeNames: ['nickname'] },
  DeleteWebAuthnCredential: { CredentialId: 'x' },
  GetUser: {},
  GetUserAttributeVerificationCode: { AttributeName: 'email' },
  GetUserAuthFactors: {},
  GlobalSignOut: {},
  ListUserSessions: {},
  ListWebAuthnCredentials: {},
  RevokeUserSession: { SessionId: 'x' },
  SetUserMFAPreference: { SoftwareTokenMfaSettings: { Enabled: false, PreferredMfa: false } },
  StartWebAuthnRegistration: {},
  UpdateUserAttributes: { UserAttributes: [{ Name: 'nickname', Value: 'changed' }] },
  VerifySoftwareToken: { UserCode: '123456' },
  VerifyUserAttribute: { AttributeName: 'email', Code: '123456' },
}

/** Two sessions of one user: each sign-in's tokens. */
async function twoSessions(tag: string) {
  const user = await local.confirmedUser(tag)
  const sessions = []
  for (let i = 0; i < 2; i++) {
    const answer = await local.signIn(user.email)
    expect(answer.status).toBe(200)
    sessions.push(answer.body.AuthenticationResult as Record<string, string>)
  }
  return { ...user, revokedOne: sessions[0]!, liveOne: sessions[1]! }
}

async function expectEveryOperationRefuses(accessToken: string) {
  for (const [operation, input] of Object.entries(ACCESS_TOKEN_OPERATIONS)) {
    const answer: CognitoAnswer = await local.call(operation, { ...input, AccessToken: accessToken })
    expect({ operation, type: answer.type, message: answer.message }).toEqual({
      operation,
      type: 'NotAuthorizedException',
      message: 'Access Token has been revoked',
    })
  }
}

/** The five operations behind GET /me/passkeys, GET /me/auth-factors, POST /me/passkeys/options, DELETE /me/mfa/totp, POST /me/email. */
async function expectMeOperationsWork(accessToken: string) {
  for (const operation of [
    'ListWebAuthnCredentials',
    'GetUserAuthFactors',
    'StartWebAuthnRegistration',
    'SetUserMFAPreference',
    'UpdateUserAttributes',
  ]) {
    const answer = await local.call(operation, { ...ACCESS_TOKEN_OPERATIONS[operation], AccessToken: accessToken })
    expect({ operation, status: answer.status }).toEqual({ operation, status: 200 })
  }
}

describe('a revoked access token is refused on every operation that takes one', () => {
  test('after RevokeToken of its refresh token; the other session’s token still works', async () => {
    const user = await twoSessions('revoked-refresh')
    const revoked = await local.call('RevokeToken', {
      ClientId: local.clientId,
      ClientSecret: cognito.pool.clientSecret,
      Token: user.revokedOne.RefreshToken,
    })
    expect(revoked.status).toBe(200)
    await expectEveryOperationRefuses(user.revokedOne.AccessToken!)
    await expectMeOperationsWork(user.liveOne.AccessToken!)
  })

  test('after GlobalSignOut: every token of the user issued before it', async () => {
    const user = await twoSessions('global')
    // A token of an earlier second than the sign-out (iat has second resolution).
    await Bun.sleep(1100)
    const signedOut = await local.call('GlobalSignOut', { AccessToken: user.liveOne.AccessToken })
    expect(signedOut.status).toBe(200)
    await expectEveryOperationRefuses(user.revokedOne.AccessToken!)
    await expectEveryOperationRefuses(user.liveOne.AccessToken!)
    const again = await local.signIn(user.email)
    await expectMeOperationsWork(again.body.AuthenticationResult.AccessToken)
  })

  test('after RevokeUserSession of its session, from another session', async () => {
    const user = await twoSessions('session')
    const sessionId = claimsOf(user.revokedOne.RefreshToken!).jti
    const ended = await local.call('RevokeUserSession', { AccessToken: user.liveOne.AccessToken, SessionId: sessionId })
    expect(ended.status).toBe(200)
    await expectEveryOperationRefuses(user.revokedOne.AccessToken!)
    await expectMeOperationsWork(user.liveOne.AccessToken!)
  })

  test('a token that is not revoked but refused for another reason keeps that reason', async () => {
    const { accessToken } = await local.signedInUser('not-revoked')
    expectRefused(
      await local.call('DeleteWebAuthnCredential', { AccessToken: accessToken, CredentialId: 'unknown' }),
      'ResourceNotFoundException',
    )
  })
})
