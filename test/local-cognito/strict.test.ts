// The local Cognito refuses what Cognito refuses: each test sends the emulator (directly, not through
// the verifying proxy) a request AWS would refuse, and expects AWS's answer. The rules and their
// sources are in dev/local-cognito/strict.cjs.
import { beforeAll, describe, expect, test } from 'bun:test'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { callEmulator, emulatorClient, expectRefused } from '../support/emulator-calls.ts'
import { referenceSecretHash } from '../support/cognito-wire.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

let cognito: TestCognito

/** One Cognito JSON 1.1 call, straight to the emulator. */
const call = (operation: string, input: Record<string, unknown>) =>
  callEmulator(cognito.emulator.endpoint, operation, input)

const hash = (username: string) => referenceSecretHash(cognito.pool.clientSecret, username, cognito.pool.clientId)
const client = () => ({ ClientId: cognito.pool.clientId })
const badHash = () => `Unable to verify secret hash for client ${cognito.pool.clientId}`

/** `secretHash: null` sends none. */
const signUp = (email: string, secretHash: string | null = hash(email)) =>
  call('SignUp', {
    ...client(),
    Username: email,
    Password: PASSWORD,
    ...(secretHash === null ? {} : { SecretHash: secretHash }),
    UserAttributes: [
      { Name: 'email', Value: email },
      { Name: 'nickname', Value: 'n' },
    ],
  })
const signIn = (username: string, password = PASSWORD, secretHash = hash(username)) =>
  call('InitiateAuth', {
    ...client(),
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: password, SECRET_HASH: secretHash },
  })

/** A confirmed user, signed in. */
const confirmedUser = () => emulatorClient(cognito).signedInUser('strict')

/** An operator-created user: their first sign-in is a NEW_PASSWORD_REQUIRED challenge. */
async function invitedUser() {
  const email = uniqueEmail('invited')
  const temporary = 'TempLocalTest0000!'
  const username = await cognito.invite(email, temporary)
  const challenge = async () => {
    const answer = await signIn(email, temporary)
    expect(answer.body.ChallengeName).toBe('NEW_PASSWORD_REQUIRED')
    return answer.body as { Session: string; ChallengeParameters: Record<string, string> }
  }
  return { email, username, temporary, challenge }
}

const newPassword = (session: string, username: string, secretHash = hash(username)) =>
  call('RespondToAuthChallenge', {
    ...client(),
    ChallengeName: 'NEW_PASSWORD_REQUIRED',
    Session: session,
    ChallengeResponses: { USERNAME: username, NEW_PASSWORD: 'AnotherLocalTest5678!', SECRET_HASH: secretHash },
  })

beforeAll(async () => {
  cognito = await testCognito()
})

describe('SECRET_HASH on every operation that takes one', () => {
  test('SignUp: a missing hash and a wrong one are refused with Cognito’s messages', async () => {
    const email = uniqueEmail('hash')
    expectRefused(
      await signUp(email, null),
      'NotAuthorizedException',
      `Client ${cognito.pool.clientId} is configured for secret but secret was not received`,
    )
    expectRefused(await signUp(email, hash('someone@example.com')), 'NotAuthorizedException', badHash())
    expect((await signUp(email)).status).toBe(200)
  })

  test('ConfirmSignUp, ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword: a hash over another name is refused', async () => {
    const email = uniqueEmail('hash')
    await signUp(email)
    const wrong = hash(email.toUpperCase())
    expectRefused(
      await call('ConfirmSignUp', { ...client(), Username: email, ConfirmationCode: '123456', SecretHash: wrong }),
      'NotAuthorizedException',
      badHash(),
    )
    expectRefused(
      await call('ResendConfirmationCode', { ...client(), Username: email, SecretHash: wrong }),
      'NotAuthorizedException',
      badHash(),
    )
    expectRefused(
      await call('ForgotPassword', { ...client(), Username: email, SecretHash: wrong }),
      'NotAuthorizedException',
      badHash(),
    )
    expectRefused(
      await call('ConfirmForgotPassword', {
        ...client(),
        Username: email,
        ConfirmationCode: '123456',
        Password: PASSWORD,
        SecretHash: wrong,
      }),
      'NotAuthorizedException',
      badHash(),
    )
  })

  test('InitiateAuth USER_PASSWORD_AUTH: the hash is over USERNAME as sent', async () => {
    const { email, sub } = await confirmedUser()
    expectRefused(await signIn(email, PASSWORD, hash(sub)), 'NotAuthorizedException', badHash())
    expect((await signIn(email)).status).toBe(200)
  })

  test('REFRESH_TOKEN_AUTH: the hash is over the token owner’s username; the email or another user’s id is refused', async () => {
    const { email, sub, tokens } = await confirmedUser()
    const other = await confirmedUser()
    const refresh = (over: string) =>
      call('InitiateAuth', {
        ...client(),
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken, SECRET_HASH: hash(over) },
      })
    expectRefused(await refresh(email), 'NotAuthorizedException', badHash())
    expectRefused(await refresh(other.sub), 'NotAuthorizedException', badHash())
    const refreshed = await refresh(sub)
    expect(refreshed.status).toBe(200)
    expect(refreshed.body.AuthenticationResult.AccessToken).toBeString()
  })

  test('a public client (no secret) takes no hash', async () => {
    const email = uniqueEmail('public')
    const answer = await call('SignUp', {
      ClientId: cognito.publicClientId,
      Username: email,
      Password: PASSWORD,
      UserAttributes: [{ Name: 'nickname', Value: 'p' }],
    })
    expect(answer.status).toBe(200)
  })
})

describe('tokens', () => {
  const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString())

  test('a refresh keeps the sign-in’s auth_time: a refreshed token is not a fresh sign-in', async () => {
    const { sub, tokens, accessToken } = await confirmedUser()
    const signedInAt = claimsOf(accessToken).auth_time
    await Bun.sleep(1100)
    const refreshed = await call('InitiateAuth', {
      ...client(),
      AuthFlow: 'REFRESH_TOKEN_AUTH',
      AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken, SECRET_HASH: hash(sub) },
    })
    const { AccessToken, IdToken } = refreshed.body.AuthenticationResult
    for (const token of [AccessToken, IdToken]) {
      expect(claimsOf(token).auth_time).toBe(signedInAt)
      expect(claimsOf(token).iat).toBeGreaterThan(signedInAt)
    }
  })
})

describe('challenge answers', () => {
  test('USERNAME must be the actual username: the email alias (hashed over itself) is refused', async () => {
    const invited = await invitedUser()
    const { Session, ChallengeParameters } = await invited.challenge()
    expect(ChallengeParameters.USER_ID_FOR_SRP).toBe(invited.username)
    expect(invited.username).not.toBe(invited.email)
    expectRefused(await newPassword(Session, invited.email), 'NotAuthorizedException', badHash())
    // The alias with the right hash is still not the user's name.
    expectRefused(
      await newPassword(Session, invited.email, hash(invited.username)),
      'NotAuthorizedException',
      'Invalid session for the user.',
    )
    expect((await newPassword(Session, invited.username)).status).toBe(200)
  })

  test('a made-up session is refused, and the account is untouched', async () => {
    const invited = await invitedUser()
    expectRefused(
      await newPassword('AYABeMadeUpSession0123456789', invited.username),
      'NotAuthorizedException',
      /Invalid session/,
    )
    // Still the temporary password, still the challenge: nothing was replaced or confirmed.
    await invited.challenge()
  })

  test('a session answers only for the user it was issued to', async () => {
    const victim = await invitedUser()
    const attacker = await invitedUser()
    const { Session } = await attacker.challenge()
    // Hashed over the victim: refused as a hash of the wrong user, or as the wrong user for the session.
    expectRefused(
      await newPassword(Session, victim.username),
      'NotAuthorizedException',
      /Invalid session for the user|Unable to verify secret hash/,
    )
    expectRefused(
      await newPassword(Session, victim.username, hash(attacker.username)),
      'NotAuthorizedException',
      'Invalid session for the user.',
    )
    await victim.challenge()
  })

  test('a session answers once', async () => {
    const invited = await invitedUser()
    const { Session } = await invited.challenge()
    expect((await newPassword(Session, invited.username)).status).toBe(200)
    expectRefused(await newPassword(Session, invited.username), 'NotAuthorizedException', /Invalid session/)
  })
})

describe('account states', () => {
  test('an unconfirmed account is UserNotConfirmedException whatever the password', async () => {
    const email = uniqueEmail('unconfirmed')
    await signUp(email)
    expectRefused(await signIn(email, 'WrongPassword1!'), 'UserNotConfirmedException')
    expectRefused(await signIn(email), 'UserNotConfirmedException')
  })

  test('confirming a confirmed account: NotAuthorized, "Current status is CONFIRMED"', async () => {
    const { email } = await confirmedUser()
    const answer = await call('ConfirmSignUp', {
      ...client(),
      Username: email,
      ConfirmationCode: '123456',
      SecretHash: hash(email),
    })
    expectRefused(answer, 'NotAuthorizedException', 'User cannot be confirmed. Current status is CONFIRMED')
  })
})

describe('emails are case-insensitive (the pool: UsernameConfiguration.CaseSensitive false)', () => {
  test('a second sign-up in another case is UsernameExistsException; sign-in works in any case', async () => {
    const email = uniqueEmail('Walker')
    const lower = email.toLowerCase()
    expect(email).not.toBe(lower)
    expect((await signUp(lower)).status).toBe(200)
    expectRefused(await signUp(email), 'UsernameExistsException')
    await cognito.confirm(lower)
    const upper = email.toUpperCase()
    expect((await signIn(upper)).status).toBe(200)
    expect((await call('ForgotPassword', { ...client(), Username: upper, SecretHash: hash(upper) })).status).toBe(200)
  })
})
