// The local Cognito's choice-based sign-in (dev/local-cognito/passwordless.cjs): each test sends the
// emulator directly what a client would, and expects Cognito's answer, refusals included.
import { beforeAll, describe, expect, test } from 'bun:test'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { callEmulator, emulatorClient, expectRefused } from '../support/emulator-calls.ts'
import { referenceSecretHash } from '../support/cognito-wire.ts'
import { startSoftwareAuthenticator, type SoftwareAuthenticator } from '../support/software-authenticator.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'
import {
  checkEmailOtp,
  createChallengeStore,
  MAX_WRONG_ANSWERS,
  originAllowed,
  // @ts-expect-error: a CommonJS module of the emulator, without types
} from '../../dev/local-cognito/passwordless.cjs'

let cognito: TestCognito
const ORIGIN = 'http://localhost:8080'

const call = (operation: string, input: Record<string, unknown>) =>
  callEmulator(cognito.emulator.endpoint, operation, input)

const hash = (username: string) => referenceSecretHash(cognito.pool.clientSecret, username, cognito.pool.clientId)

const userAuth = (email: string, preferred?: string) =>
  call('InitiateAuth', {
    ClientId: cognito.pool.clientId,
    AuthFlow: 'USER_AUTH',
    AuthParameters: {
      USERNAME: email,
      SECRET_HASH: hash(email),
      ...(preferred ? { PREFERRED_CHALLENGE: preferred } : {}),
    },
  })

const respond = (challengeName: string, session: string, username: string, responses: Record<string, string>) =>
  call('RespondToAuthChallenge', {
    ClientId: cognito.pool.clientId,
    ChallengeName: challengeName,
    Session: session,
    ChallengeResponses: { USERNAME: username, SECRET_HASH: hash(username), ...responses },
  })

/** A confirmed user; its sign-up code was the first code emailed to it. */
async function confirmedUser() {
  const { email, sub } = await emulatorClient(cognito).confirmedUser('pwl')
  return { email, username: sub }
}

/** An EMAIL_OTP challenge for `email`, and the code emailed with it (the nth code to that address). */
async function emailOtp(email: string, nth: number) {
  const started = await userAuth(email, 'EMAIL_OTP')
  expect(started.status).toBe(200)
  expect(started.body.ChallengeName).toBe('EMAIL_OTP')
  // The parameters name no user (as Amplify's tests show Cognito's): the answer names the email.
  expect(started.body.ChallengeParameters).not.toHaveProperty('USERNAME')
  return {
    session: started.body.Session as string,
    username: email,
    code: await cognito.codeFor(email, nth),
  }
}

beforeAll(async () => {
  cognito = await testCognito()
})

describe('USER_AUTH with email one-time codes', () => {
  test('no preference: SELECT_CHALLENGE lists what the user can answer; ANSWER EMAIL_OTP emails a code that signs in', async () => {
    const { email, username } = await confirmedUser()
    const started = await userAuth(email)
    expect(started.status).toBe(200)
    expect(started.body.ChallengeName).toBe('SELECT_CHALLENGE')
    expect(started.body.AvailableChallenges).toEqual(['PASSWORD', 'EMAIL_OTP'])
    expect(started.body.ChallengeParameters).toEqual({})
    // Answered by the alias the user typed here, by the actual username below: both name the user.
    const selected = await respond('SELECT_CHALLENGE', started.body.Session, email.toUpperCase(), {
      ANSWER: 'EMAIL_OTP',
    })
    expect(Object.keys(selected.body.ChallengeParameters).sort()).toEqual([
      'CODE_DELIVERY_DELIVERY_MEDIUM',
      'CODE_DELIVERY_DESTINATION',
    ])
    expect(selected.body.ChallengeName).toBe('EMAIL_OTP')
    expect(selected.body.ChallengeParameters.CODE_DELIVERY_DESTINATION).toBe(`${email[0]}***@e***`)
    const signedIn = await respond('EMAIL_OTP', selected.body.Session, username, {
      EMAIL_OTP_CODE: await cognito.codeFor(email, 2),
    })
    expect(signedIn.status).toBe(200)
    expect(signedIn.body.AuthenticationResult.AccessToken).toBeString()
  })

  test('a wrong code is CodeMismatchException and the session survives it; the right one signs in once', async () => {
    const { email } = await confirmedUser()
    const { session, username, code } = await emailOtp(email, 2)
    // 8 digits, as Cognito's emailed sign-in codes (amplify-js issue 14428).
    expect(code).toMatch(/^\d{8}$/)
    const wrong = code === '00000000' ? '11111111' : '00000000'
    expectRefused(await respond('EMAIL_OTP', session, username, { EMAIL_OTP_CODE: wrong }), 'CodeMismatchException')
    expect((await respond('EMAIL_OTP', session, username, { EMAIL_OTP_CODE: code })).status).toBe(200)
    // Reused: the session is spent.
    expectRefused(await respond('EMAIL_OTP', session, username, { EMAIL_OTP_CODE: code }), 'NotAuthorizedException')
  })

  test('an answer naming another user is refused; SECRET_HASH is checked over the USERNAME sent', async () => {
    const { email } = await confirmedUser()
    const other = await confirmedUser()
    const { session, code } = await emailOtp(email, 2)
    expectRefused(
      await respond('EMAIL_OTP', session, other.email, { EMAIL_OTP_CODE: code }),
      'NotAuthorizedException',
      'Invalid session for the user.',
    )
    const hashedOverAnother = await call('RespondToAuthChallenge', {
      ClientId: cognito.pool.clientId,
      ChallengeName: 'EMAIL_OTP',
      Session: session,
      ChallengeResponses: { USERNAME: email, SECRET_HASH: hash(other.username), EMAIL_OTP_CODE: code },
    })
    expectRefused(hashedOverAnother, 'NotAuthorizedException', /Unable to verify secret hash/)
    expect((await respond('EMAIL_OTP', session, email, { EMAIL_OTP_CODE: code })).status).toBe(200)
  })

  test(`too many tries: after ${MAX_WRONG_ANSWERS} wrong codes even the right one is refused`, async () => {
    const { email } = await confirmedUser()
    const { session, username, code } = await emailOtp(email, 2)
    const wrong = code === '00000000' ? '11111111' : '00000000'
    for (let i = 0; i < MAX_WRONG_ANSWERS; i++) {
      expectRefused(await respond('EMAIL_OTP', session, username, { EMAIL_OTP_CODE: wrong }), 'CodeMismatchException')
    }
    expectRefused(await respond('EMAIL_OTP', session, username, { EMAIL_OTP_CODE: code }), 'NotAuthorizedException')
  })

  test('an unknown email gets the same challenge shape (no email sent) and every code fails', async () => {
    const known = await confirmedUser()
    const email = uniqueEmail('nobody')
    const [real, decoy] = [await userAuth(known.email, 'EMAIL_OTP'), await userAuth(email, 'EMAIL_OTP')]
    expect(decoy.status).toBe(real.status)
    expect(Object.keys(decoy.body).sort()).toEqual(Object.keys(real.body).sort())
    expect(Object.keys(decoy.body.ChallengeParameters).sort()).toEqual(
      Object.keys(real.body.ChallengeParameters).sort(),
    )
    expect(decoy.body.ChallengeParameters.CODE_DELIVERY_DESTINATION).toBe(`${email[0]}***@e***`)
    expectRefused(
      await respond('EMAIL_OTP', decoy.body.Session, email, { EMAIL_OTP_CODE: '123456' }),
      'CodeMismatchException',
    )
  })

  test('a client without ALLOW_USER_AUTH, a wrong SECRET_HASH and an unknown PREFERRED_CHALLENGE are refused', async () => {
    const { email } = await confirmedUser()
    expectRefused(
      await call('InitiateAuth', {
        ClientId: cognito.publicClientId,
        AuthFlow: 'USER_AUTH',
        AuthParameters: { USERNAME: email },
      }),
      'InvalidParameterException',
    )
    expectRefused(
      await call('InitiateAuth', {
        ClientId: cognito.pool.clientId,
        AuthFlow: 'USER_AUTH',
        AuthParameters: { USERNAME: email, SECRET_HASH: hash(email.toUpperCase()) },
      }),
      'NotAuthorizedException',
    )
    expectRefused(await userAuth(email, 'SMS_OTP_NOPE'), 'InvalidParameterException')
  })

  test('a session answered as another challenge, or for another user, is refused', async () => {
    const { email } = await confirmedUser()
    const other = await confirmedUser()
    const { session, username, code } = await emailOtp(email, 2)
    expectRefused(
      await respond('SELECT_CHALLENGE', session, username, { ANSWER: 'EMAIL_OTP' }),
      'NotAuthorizedException',
    )
    expectRefused(
      await respond('EMAIL_OTP', session, other.username, { EMAIL_OTP_CODE: code }),
      'NotAuthorizedException',
    )
  })
})

describe('the code and session rules, in process with a moved clock', () => {
  test('an expired code: past AuthSessionValidity the session (and its code) is gone', () => {
    let now = 0
    const store = createChallengeStore({ now: () => now })
    const session = store.issue(
      { username: 'u', clientId: 'c', validityMinutes: 3 },
      { challengeName: 'EMAIL_OTP', clientId: 'c', code: '123456' },
    )
    now = 3 * 60_000 - 1
    expect(store.find(session, 'c')?.state.code).toBe('123456')
    now = 3 * 60_000
    expect(store.find(session, 'c')).toBeUndefined()
  })

  test('a decoy challenge never matches, and the last allowed wrong answer spends it', () => {
    const state: Record<string, unknown> = { challengeName: 'EMAIL_OTP' }
    const outcomes = Array.from({ length: MAX_WRONG_ANSWERS }, () => checkEmailOtp(state, '123456'))
    expect(outcomes.at(-1)).toBe('spent')
    expect(outcomes.slice(0, -1).every((o: string) => o === 'mismatch')).toBe(true)
  })

  test('origins: https on the RP id or a subdomain, http only on localhost', () => {
    expect(originAllowed('http://localhost:8080', 'localhost')).toBe(true)
    expect(originAllowed('https://auth.example.com', 'example.com')).toBe(true)
    expect(originAllowed('http://example.com', 'example.com')).toBe(false)
    expect(originAllowed('https://evil-example.com', 'example.com')).toBe(false)
    expect(originAllowed('not a url', 'localhost')).toBe(false)
  })
})

describe('passkeys: the WebAuthn operations and the WEB_AUTHN challenge', () => {
  const signedIn = async (email: string) => {
    const answer = await call('InitiateAuth', {
      ClientId: cognito.pool.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: PASSWORD, SECRET_HASH: hash(email) },
    })
    return answer.body.AuthenticationResult.AccessToken as string
  }
  /** A user with a passkey registered on `authenticator` from ORIGIN. */
  async function userWithPasskey(authenticator: SoftwareAuthenticator) {
    const user = await confirmedUser()
    const accessToken = await signedIn(user.email)
    const started = await call('StartWebAuthnRegistration', { AccessToken: accessToken })
    expect(started.status).toBe(200)
    const Credential = await authenticator.create(ORIGIN, started.body.CredentialCreationOptions)
    const completed = await call('CompleteWebAuthnRegistration', { AccessToken: accessToken, Credential })
    expect(completed.status).toBe(200)
    return { ...user, accessToken, credentialId: Credential.id as string, registration: Credential }
  }
  const webAuthnChallenge = async (email: string) => {
    const started = await userAuth(email, 'WEB_AUTHN')
    expect(started.body.ChallengeName).toBe('WEB_AUTHN')
    return {
      session: started.body.Session as string,
      username: email,
      options: JSON.parse(started.body.ChallengeParameters.CREDENTIAL_REQUEST_OPTIONS),
    }
  }
  let authenticator: SoftwareAuthenticator
  beforeAll(() => {
    authenticator = startSoftwareAuthenticator()
    return () => authenticator.stop()
  })

  test('register, list, factors, then sign in with the passkey', async () => {
    const user = await userWithPasskey(authenticator)
    const listed = await call('ListWebAuthnCredentials', { AccessToken: user.accessToken })
    expect(listed.body.Credentials).toHaveLength(1)
    expect(listed.body.Credentials[0]).toMatchObject({ CredentialId: user.credentialId, RelyingPartyId: 'localhost' })
    const factors = await call('GetUserAuthFactors', { AccessToken: user.accessToken })
    expect(factors.body.ConfiguredUserAuthFactors).toEqual(['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'])
    const { session, username, options } = await webAuthnChallenge(user.email)
    expect(options.rpId).toBe('localhost')
    const assertion = await authenticator.get(ORIGIN, options)
    const answer = await respond('WEB_AUTHN', session, username, { CREDENTIAL: JSON.stringify(assertion) })
    expect(answer.status).toBe(200)
    expect(answer.body.AuthenticationResult.IdToken).toBeString()
  })

  test('a replayed assertion is refused: the session is spent, and a new session has a new challenge', async () => {
    const user = await userWithPasskey(authenticator)
    const first = await webAuthnChallenge(user.email)
    const assertion = JSON.stringify(await authenticator.get(ORIGIN, first.options))
    expect((await respond('WEB_AUTHN', first.session, first.username, { CREDENTIAL: assertion })).status).toBe(200)
    expectRefused(
      await respond('WEB_AUTHN', first.session, first.username, { CREDENTIAL: assertion }),
      'NotAuthorizedException',
    )
    const second = await webAuthnChallenge(user.email)
    expectRefused(
      await respond('WEB_AUTHN', second.session, second.username, { CREDENTIAL: assertion }),
      'NotAuthorizedException',
    )
  })

  test('a wrong origin is refused at registration and at sign-in', async () => {
    const user = await userWithPasskey(authenticator)
    const started = await call('StartWebAuthnRegistration', { AccessToken: user.accessToken })
    const Credential = await authenticator.create('https://localhost.evil.example', {
      ...started.body.CredentialCreationOptions,
      rp: { id: 'localhost.evil.example', name: 'x' },
    })
    expectRefused(
      await call('CompleteWebAuthnRegistration', { AccessToken: user.accessToken, Credential }),
      'WebAuthnOriginNotAllowedException',
    )
    const { session, username, options } = await webAuthnChallenge(user.email)
    const elsewhere = await authenticator
      .get('https://evil.example', { ...options, rpId: 'evil.example' })
      .catch(() => undefined)
    // The authenticator has no passkey for evil.example: forge the origin into a real assertion instead.
    const assertion = elsewhere ?? (await authenticator.get(ORIGIN, options))
    const clientData = JSON.parse(Buffer.from(assertion.response.clientDataJSON, 'base64url').toString())
    assertion.response.clientDataJSON = Buffer.from(
      JSON.stringify({ ...clientData, origin: 'https://evil.example' }),
    ).toString('base64url')
    expectRefused(
      await respond('WEB_AUTHN', session, username, { CREDENTIAL: JSON.stringify(assertion) }),
      'WebAuthnOriginNotAllowedException',
    )
  })

  test('another user’s passkey does not sign this user in', async () => {
    const owner = await userWithPasskey(authenticator)
    const victimsAuthenticator = startSoftwareAuthenticator()
    const victim = await userWithPasskey(victimsAuthenticator).finally(() => victimsAuthenticator.stop())
    const forOwner = await webAuthnChallenge(owner.email)
    const forVictim = await webAuthnChallenge(victim.email)
    // The owner's authenticator answers the victim's challenge with the owner's passkey.
    const assertion = await authenticator.get(ORIGIN, {
      ...forVictim.options,
      allowCredentials: forOwner.options.allowCredentials,
    })
    expectRefused(
      await respond('WEB_AUTHN', forVictim.session, forVictim.username, { CREDENTIAL: JSON.stringify(assertion) }),
      'NotAuthorizedException',
    )
  })

  test('a deleted passkey no longer signs in; deleting it again is ResourceNotFoundException', async () => {
    const user = await userWithPasskey(authenticator)
    const { session, username, options } = await webAuthnChallenge(user.email)
    expect(
      (await call('DeleteWebAuthnCredential', { AccessToken: user.accessToken, CredentialId: user.credentialId }))
        .status,
    ).toBe(200)
    const assertion = await authenticator.get(ORIGIN, options)
    expectRefused(
      await respond('WEB_AUTHN', session, username, { CREDENTIAL: JSON.stringify(assertion) }),
      'NotAuthorizedException',
    )
    expectRefused(
      await call('DeleteWebAuthnCredential', { AccessToken: user.accessToken, CredentialId: user.credentialId }),
      'ResourceNotFoundException',
    )
    // No passkey left: a WEB_AUTHN preference falls back to the choice.
    expect((await userAuth(user.email, 'WEB_AUTHN')).body.ChallengeName).toBe('SELECT_CHALLENGE')
  })

  test('a credential id already registered, to this user or another, is refused (InvalidParameterException, a guess)', async () => {
    const owner = await userWithPasskey(authenticator)
    const listed = async (accessToken: string) =>
      (await call('ListWebAuthnCredentials', { AccessToken: accessToken })).body.Credentials
    const before = await listed(owner.accessToken)
    const other = await confirmedUser()
    const othersToken = await signedIn(other.email)
    // Attestation "none" signs nothing: the owner's registration, replayed with the challenge of a new
    // ceremony, passes every check but the one for a known credential id.
    for (const accessToken of [owner.accessToken, othersToken]) {
      const started = await call('StartWebAuthnRegistration', { AccessToken: accessToken })
      const { response } = owner.registration
      const clientData = JSON.parse(Buffer.from(response.clientDataJSON, 'base64url').toString())
      const clientDataJSON = Buffer.from(
        JSON.stringify({ ...clientData, challenge: started.body.CredentialCreationOptions.challenge }),
      ).toString('base64url')
      const Credential = { ...owner.registration, response: { ...response, clientDataJSON } }
      expectRefused(
        await call('CompleteWebAuthnRegistration', { AccessToken: accessToken, Credential }),
        'InvalidParameterException',
        'This credential is already registered.',
      )
    }
    expect(await listed(owner.accessToken)).toEqual(before)
    expect(await listed(othersToken)).toEqual([])
  })

  test('completing a registration that was never started is WebAuthnChallengeNotFoundException', async () => {
    const user = await confirmedUser()
    const accessToken = await signedIn(user.email)
    expectRefused(
      await call('CompleteWebAuthnRegistration', { AccessToken: accessToken, Credential: { id: 'x', response: {} } }),
      'WebAuthnChallengeNotFoundException',
    )
  })
})
