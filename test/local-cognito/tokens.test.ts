// The local Cognito rotates and revokes refresh tokens as Cognito does (dev/local-cognito/tokens.cjs,
// which cites the rules): each test calls the emulator directly, not through the verifying proxy.
import { beforeAll, describe, expect, test } from 'bun:test'
import { createAppClient, setSessionTracking, type AppClient } from '../support/app-clients.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { callEmulator, emulatorClient, expectRefused } from '../support/emulator-calls.ts'
import { referenceSecretHash } from '../support/cognito-wire.ts'
import { PASSWORD } from '../support/util.ts'

let cognito: TestCognito
let rotating: AppClient
let rotatingWithGrace: AppClient
let plain: AppClient
let noRevocation: AppClient

const call = (operation: string, input: Record<string, unknown>) =>
  callEmulator(cognito.emulator.endpoint, operation, input)

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())

/** A confirmed user signed in through `client`: the AuthenticationResult. */
async function signedIn(client: AppClient) {
  const { email } = await emulatorClient(cognito).confirmedUser('tokens')
  return signInAgain(client, email)
}

async function signInAgain(
  client: AppClient,
  email: string,
  hash = (name: string) => referenceSecretHash(client.clientSecret, name, client.clientId),
) {
  const answer = await call('InitiateAuth', {
    ClientId: client.clientId,
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: email, PASSWORD: PASSWORD, SECRET_HASH: hash(email) },
  })
  expect(answer.status).toBe(200)
  const { AccessToken, IdToken, RefreshToken } = answer.body.AuthenticationResult as Record<string, string>
  return { email, AccessToken: AccessToken!, IdToken: IdToken!, RefreshToken: RefreshToken! }
}

const getTokens = (client: AppClient, refreshToken: string, secret: string | null = client.clientSecret) =>
  call('GetTokensFromRefreshToken', {
    ClientId: client.clientId,
    RefreshToken: refreshToken,
    ...(secret === null ? {} : { ClientSecret: secret }),
  })
const revoke = (client: AppClient, token: string, secret: string | null = client.clientSecret) =>
  call('RevokeToken', { ClientId: client.clientId, Token: token, ...(secret === null ? {} : { ClientSecret: secret }) })
const getUser = (accessToken: string) => call('GetUser', { AccessToken: accessToken })

beforeAll(async () => {
  cognito = await testCognito()
  ;[rotating, rotatingWithGrace, plain, noRevocation] = await Promise.all([
    createAppClient(cognito, { rotation: true, graceSeconds: 0 }),
    createAppClient(cognito, { rotation: true, graceSeconds: 2 }),
    createAppClient(cognito, {}),
    createAppClient(cognito, { revocation: false }),
  ])
})

describe('GetTokensFromRefreshToken', () => {
  test('with rotation: a new refresh token that works; the old one is RefreshTokenReuseException (no grace period)', async () => {
    const tokens = await signedIn(rotating)
    const first = await getTokens(rotating, tokens.RefreshToken)
    expect(first.status).toBe(200)
    const rotated = first.body.AuthenticationResult.RefreshToken as string
    expect(rotated).toBeString()
    expect(rotated).not.toBe(tokens.RefreshToken)
    expect((await getUser(first.body.AuthenticationResult.AccessToken)).status).toBe(200)
    expectRefused(await getTokens(rotating, tokens.RefreshToken), 'RefreshTokenReuseException')
    expect((await getTokens(rotating, rotated)).status).toBe(200)
  })

  test('within RetryGracePeriodSeconds the rotated-out token still works (a retry); after it, reuse is refused', async () => {
    const tokens = await signedIn(rotatingWithGrace)
    expect((await getTokens(rotatingWithGrace, tokens.RefreshToken)).status).toBe(200)
    const retry = await getTokens(rotatingWithGrace, tokens.RefreshToken)
    expect(retry.status).toBe(200)
    expect(retry.body.AuthenticationResult.RefreshToken).toBeString()
    await Bun.sleep(2100)
    expectRefused(await getTokens(rotatingWithGrace, tokens.RefreshToken), 'RefreshTokenReuseException')
  })

  test('a grace-period token after a global sign-out is refused', async () => {
    const tokens = await signedIn(rotatingWithGrace)
    const next = await getTokens(rotatingWithGrace, tokens.RefreshToken)
    await Bun.sleep(1000)
    expect((await call('GlobalSignOut', { AccessToken: next.body.AuthenticationResult.AccessToken })).status).toBe(200)
    expectRefused(await getTokens(rotatingWithGrace, tokens.RefreshToken), 'RefreshTokenReuseException')
  })

  test('the client secret itself is required: missing and wrong are NotAuthorizedException', async () => {
    const tokens = await signedIn(rotating)
    expectRefused(await getTokens(rotating, tokens.RefreshToken, null), 'NotAuthorizedException', /client secret/)
    expectRefused(
      await getTokens(rotating, tokens.RefreshToken, `${rotating.clientSecret}x`),
      'NotAuthorizedException',
      /client secret/,
    )
    // A SECRET_HASH in its place is not the secret.
    const hash = referenceSecretHash(rotating.clientSecret, tokens.email, rotating.clientId)
    expectRefused(await getTokens(rotating, tokens.RefreshToken, hash), 'NotAuthorizedException', /client secret/)
    expect((await getTokens(rotating, tokens.RefreshToken)).status).toBe(200)
  })

  test('a token never issued is NotAuthorizedException; none at all is InvalidParameterException', async () => {
    expectRefused(await getTokens(rotating, 'made.up.token'), 'NotAuthorizedException', 'Invalid Refresh Token')
    expectRefused(await getTokens(rotating, ''), 'InvalidParameterException')
  })

  test('a rotating client refuses REFRESH_TOKEN_AUTH', async () => {
    const tokens = await signedIn(rotating)
    const answer = await call('InitiateAuth', {
      ClientId: rotating.clientId,
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: {
        REFRESH_TOKEN: tokens.RefreshToken,
        SECRET_HASH: referenceSecretHash(
          rotating.clientSecret,
          claimsOf(tokens.IdToken)['cognito:username'],
          rotating.clientId,
        ),
      },
    })
    expectRefused(answer, 'NotAuthorizedException', /GetTokensFromRefreshToken/)
  })

  test('without rotation it answers new access and ID tokens and no refresh token; the old one keeps working', async () => {
    const tokens = await signedIn(plain)
    const answer = await getTokens(plain, tokens.RefreshToken)
    expect(answer.status).toBe(200)
    expect(answer.body.AuthenticationResult.RefreshToken).toBeUndefined()
    expect((await getTokens(plain, tokens.RefreshToken)).status).toBe(200)
  })

  test('RetryGracePeriodSeconds over 60 is InvalidParameterException', async () => {
    await expect(createAppClient(cognito, { rotation: true, graceSeconds: 61 })).rejects.toThrow(
      /RetryGracePeriodSeconds/,
    )
  })

  test('the refreshed tokens keep the sign-in’s auth_time, and the next refresh too', async () => {
    const tokens = await signedIn(rotating)
    const signedInAt = claimsOf(tokens.AccessToken).auth_time
    await Bun.sleep(1100)
    const first = (await getTokens(rotating, tokens.RefreshToken)).body.AuthenticationResult
    const second = (await getTokens(rotating, first.RefreshToken)).body.AuthenticationResult
    for (const token of [first.AccessToken, first.IdToken, second.AccessToken])
      expect(claimsOf(token).auth_time).toBe(signedInAt)
  })
})

describe('origin_jti', () => {
  test('a sign-in’s access and ID tokens name its refresh token; tokens refreshed from it share the origin, each has its own jti', async () => {
    const tokens = await signedIn(plain)
    const origin = claimsOf(tokens.RefreshToken).jti
    expect(origin).toBeString()
    const refreshed = (await getTokens(plain, tokens.RefreshToken)).body.AuthenticationResult
    for (const token of [tokens.AccessToken, tokens.IdToken, refreshed.AccessToken, refreshed.IdToken])
      expect(claimsOf(token).origin_jti).toBe(origin)
    expect(claimsOf(refreshed.AccessToken).jti).not.toBe(claimsOf(tokens.AccessToken).jti)
  })
})

describe('RevokeToken', () => {
  test('revokes the refresh token and every access token minted from it; the user’s other session stays', async () => {
    const device = await signedIn(plain)
    const other = await signInAgain(plain, device.email)
    const refreshed = (await getTokens(plain, device.RefreshToken)).body.AuthenticationResult
    expect((await revoke(plain, device.RefreshToken)).status).toBe(200)
    for (const token of [device.AccessToken, refreshed.AccessToken])
      expectRefused(await getUser(token), 'NotAuthorizedException', 'Access Token has been revoked')
    expectRefused(await getTokens(plain, device.RefreshToken), 'NotAuthorizedException')
    expect((await getUser(other.AccessToken)).status).toBe(200)
    expect((await getTokens(plain, other.RefreshToken)).status).toBe(200)
  })

  test('a missing or wrong client secret is UnauthorizedException (its own message), and nothing is revoked', async () => {
    const tokens = await signedIn(plain)
    expectRefused(await revoke(plain, tokens.RefreshToken, null), 'UnauthorizedException', 'Invalid client or secret')
    expectRefused(
      await revoke(plain, tokens.RefreshToken, 'wrong'),
      'UnauthorizedException',
      'Invalid client or secret',
    )
    expect((await getUser(tokens.AccessToken)).status).toBe(200)
    expect((await getTokens(plain, tokens.RefreshToken)).status).toBe(200)
  })

  test('a token it will not revoke (never issued, already revoked) is UnauthorizedException with another message', async () => {
    const tokens = await signedIn(plain)
    expectRefused(await revoke(plain, 'never.issued.token'), 'UnauthorizedException', 'Invalid token')
    expect((await revoke(plain, tokens.RefreshToken)).status).toBe(200)
    const again = await revoke(plain, tokens.RefreshToken)
    expectRefused(again, 'UnauthorizedException', 'Invalid token')
    expect(again.message).not.toMatch(/secret/i)
  })

  test('a client with token revocation off: UnsupportedOperationException', async () => {
    const tokens = await signedIn(noRevocation)
    expectRefused(await revoke(noRevocation, tokens.RefreshToken), 'UnsupportedOperationException')
  })

  test('a revoked access token cannot delete the account; a live one can, and then the user is gone', async () => {
    const device = await signedIn(plain)
    const other = await signInAgain(plain, device.email)
    await revoke(plain, device.RefreshToken)
    expectRefused(
      await call('DeleteUser', { AccessToken: device.AccessToken }),
      'NotAuthorizedException',
      'Access Token has been revoked',
    )
    expect((await call('DeleteUser', { AccessToken: other.AccessToken })).status).toBe(200)
    expectRefused(await getUser(other.AccessToken), 'NotAuthorizedException')
  })
})

describe('sessions (ListUserSessions, RevokeUserSession)', () => {
  const list = (accessToken: string) => call('ListUserSessions', { AccessToken: accessToken })
  const revokeSession = (accessToken: string, sessionId: string) =>
    call('RevokeUserSession', { AccessToken: accessToken, SessionId: sessionId })

  test('with session tracking off: OperationNotEnabledException', async () => {
    const tokens = await signedIn(plain)
    await setSessionTracking(cognito, false)
    try {
      expectRefused(await list(tokens.AccessToken), 'OperationNotEnabledException')
    } finally {
      await setSessionTracking(cognito, true)
    }
    expect((await list(tokens.AccessToken)).status).toBe(200)
  })

  test('one session per sign-in, the caller’s marked current; a rotated refresh token stays the same session', async () => {
    await setSessionTracking(cognito, true)
    const first = await signedIn(rotating)
    const second = await signInAgain(rotating, first.email)
    const rotated = (await getTokens(rotating, second.RefreshToken)).body.AuthenticationResult
    const answer = await list(rotated.AccessToken)
    expect(answer.status).toBe(200)
    const sessions = answer.body.Sessions as Array<Record<string, unknown>>
    expect(sessions).toHaveLength(2)
    expect(sessions.map((s) => s.SessionId)).toEqual([
      claimsOf(first.RefreshToken).jti,
      claimsOf(second.RefreshToken).jti,
    ])
    expect(sessions.map((s) => s.IsCurrentSession)).toEqual([false, true])
    expect(sessions.every((s) => s.ClientId === rotating.clientId && s.SessionType === 'TOKEN')).toBe(true)
  })

  test('revoking another session kills its refresh and access tokens; one’s own and an unknown one are refused', async () => {
    await setSessionTracking(cognito, true)
    const mine = await signedIn(plain)
    const other = await signInAgain(plain, mine.email)
    const otherId = claimsOf(other.RefreshToken).jti
    expectRefused(await revokeSession(mine.AccessToken, claimsOf(mine.RefreshToken).jti), 'InvalidParameterException')
    expectRefused(await revokeSession(mine.AccessToken, 'no-such-session'), 'ResourceNotFoundException')
    expect((await revokeSession(mine.AccessToken, otherId)).status).toBe(200)
    expectRefused(await getUser(other.AccessToken), 'NotAuthorizedException', 'Access Token has been revoked')
    expectRefused(await getTokens(plain, other.RefreshToken), 'NotAuthorizedException')
    expect((await getUser(mine.AccessToken)).status).toBe(200)
    expect(((await list(mine.AccessToken)).body.Sessions as unknown[]).length).toBe(1)
  })

  test('a revoked access token cannot list; MaxPerUser out of range is InvalidParameterException', async () => {
    await setSessionTracking(cognito, true)
    const tokens = await signedIn(plain)
    await revoke(plain, tokens.RefreshToken)
    expectRefused(await list(tokens.AccessToken), 'NotAuthorizedException')
    const answer = await call('SetUserPoolSessionConfiguration', {
      UserPoolId: cognito.pool.userPoolId,
      UserSessionTracking: 'ENABLED',
      TokenSession: { MaxPerUser: 101 },
    })
    expectRefused(answer, 'InvalidParameterException')
  })
})
