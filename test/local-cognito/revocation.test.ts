// The local Cognito refuses a revoked access token on every operation that takes one
// (dev/local-cognito/revocation.cjs, which cites the rule), whichever way it was revoked: RevokeToken
// of its refresh token, GlobalSignOut, AdminUserGlobalSignOut, RevokeUserSession of its session.
import { beforeAll, describe, expect, test } from 'bun:test'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { emulatorClient, expectRefused, totpCode, type CognitoAnswer } from '../support/emulator-calls.ts'

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

  test('after AdminUserGlobalSignOut by email: every token of the user issued before it, refresh tokens too', async () => {
    const user = await twoSessions('admin-global')
    await Bun.sleep(1100)
    const signedOut = await local.call('AdminUserGlobalSignOut', {
      UserPoolId: cognito.pool.userPoolId,
      Username: user.email,
    })
    expect(signedOut.status).toBe(200)
    await expectEveryOperationRefuses(user.revokedOne.AccessToken!)
    await expectEveryOperationRefuses(user.liveOne.AccessToken!)
    const refreshed = await local.call('GetTokensFromRefreshToken', {
      ClientId: local.clientId,
      ClientSecret: cognito.pool.clientSecret,
      RefreshToken: user.liveOne.RefreshToken,
    })
    expectRefused(refreshed, 'NotAuthorizedException')
    const again = await local.signIn(user.email)
    await expectMeOperationsWork(again.body.AuthenticationResult.AccessToken)
    expectRefused(
      await local.call('AdminUserGlobalSignOut', {
        UserPoolId: cognito.pool.userPoolId,
        Username: 'nobody@example.com',
      }),
      'UserNotFoundException',
    )
  })

  test('the refresh token of a challenge answer (SOFTWARE_TOKEN_MFA) is a session like a sign-in’s: RevokeToken ends it', async () => {
    const { email, sub, accessToken } = await local.signedInUser('challenge-refresh')
    const { SecretCode } = (await local.call('AssociateSoftwareToken', { AccessToken: accessToken })).body
    expect(
      (await local.call('VerifySoftwareToken', { AccessToken: accessToken, UserCode: totpCode(SecretCode) })).body
        .Status,
    ).toBe('SUCCESS')
    await local.call('SetUserMFAPreference', {
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    })
    const challenge = await local.signIn(email)
    const answered = await local.call('RespondToAuthChallenge', {
      ClientId: local.clientId,
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: challenge.body.Session,
      ChallengeResponses: {
        USERNAME: sub,
        SOFTWARE_TOKEN_MFA_CODE: totpCode(SecretCode),
        SECRET_HASH: local.hash(sub),
      },
    })
    const tokens = answered.body.AuthenticationResult as Record<string, string>
    const revoke = () =>
      local.call('RevokeToken', {
        ClientId: local.clientId,
        ClientSecret: cognito.pool.clientSecret,
        Token: tokens.RefreshToken,
      })
    expect((await revoke()).status).toBe(200)
    await expectEveryOperationRefuses(tokens.AccessToken!)
    expectRefused(await revoke(), 'UnauthorizedException')
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
