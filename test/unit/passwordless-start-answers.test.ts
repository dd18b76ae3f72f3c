// A passwordless start under every answer Cognito might give where its documentation is silent (a
// preferred challenge the user cannot answer, an unknown user): the client gets the asked challenge
// either way, and a decoy session whenever Cognito did not answer that challenge
// (src/cognito/passwordless.ts); our own misconfiguration and Cognito failing are not hidden.
import { describe, expect, test } from 'bun:test'
import { createGatewayCore } from '../../src/cognito/gateway-core.ts'
import { passwordlessStart } from '../../src/cognito/passwordless.ts'
import { signInCalls } from '../../src/cognito/sign-in.ts'
import { parseConfig } from '../../src/config.ts'
import { ProblemError } from '../../src/http/problem.ts'
import { createAccountKey } from '../../src/state/account-keys.ts'
import { createStateKeys } from '../../src/state/keyed-hash.ts'

const config = parseConfig({
  COGNITO_USER_POOL_ID: 'local_unit',
  COGNITO_CLIENT_ID: 'unitclient',
  COGNITO_CLIENT_SECRET: 'unit-secret',
  COGNITO_ISSUER: 'http://cognito.invalid/local_unit',
}).cognito

const named = (name: string, message = 'upstream says something') => Object.assign(new Error(message), { name })

/** A start over a Cognito whose every InitiateAuth answers `answer` (or throws it), and what it was asked. */
async function startAnswering(answer: () => unknown) {
  const asked: unknown[] = []
  const core = await createGatewayCore(
    config,
    {
      send: async (_operation: string, input: unknown) => {
        asked.push(input)
        return answer()
      },
    } as never,
    undefined,
    createStateKeys('unit-secret'),
  )
  return { asked, core, start: passwordlessStart(core) }
}

const REAL = { ChallengeName: 'EMAIL_OTP', Session: 'f'.repeat(64), ChallengeParameters: { USERNAME: 'real-user' } }

describe('a passwordless start whose answer is undocumented', () => {
  test('the asked challenge: a real session naming the user, asked once', async () => {
    const { asked, core, start } = await startAnswering(() => REAL)
    const answer = await start({ email: 'user@example.com', method: 'email_otp' })
    expect(asked).toHaveLength(1)
    expect(answer.challengeName).toBe('EMAIL_OTP')
    expect((await core.sessions.open(answer.session)).claims).toMatchObject({
      username: 'real-user',
      account: core.accountOf('user@example.com'),
    })
  })

  test('the sealed account is the key the rate limiter gives the email on /signin (one function, one budget)', async () => {
    const { core, start } = await startAnswering(() => REAL)
    const answer = await start({ email: 'User@Example.com', method: 'email_otp' })
    const limiterKey = createAccountKey(createStateKeys('unit-secret'))
    expect((await core.sessions.open(answer.session)).claims.account).toBe(limiterKey('user@example.com'))
  })

  test.each([
    [
      'SELECT_CHALLENGE (the local guess for a user who cannot answer the asked one)',
      () => ({ ...REAL, ChallengeName: 'SELECT_CHALLENGE' }),
    ],
    ['InvalidParameterException', () => Promise.reject(named('InvalidParameterException'))],
    ['NotAuthorizedException', () => Promise.reject(named('NotAuthorizedException'))],
    ['UserNotFoundException', () => Promise.reject(named('UserNotFoundException'))],
    ['UserNotConfirmedException', () => Promise.reject(named('UserNotConfirmedException'))],
  ])('%s: the asked challenge with a decoy session, asked once', async (_label, answer) => {
    const { asked, core, start } = await startAnswering(answer)
    const started = await start({ email: 'user@example.com', method: 'email_otp' })
    expect(asked).toHaveLength(1)
    expect(started.challengeName).toBe('EMAIL_OTP')
    const { claims } = await core.sessions.open(started.session)
    expect(claims.decoy).toBeString()
    expect(claims.username).toBeUndefined()
    expect(claims.account).toBe(core.accountOf('user@example.com'))
  })

  test('our own secret refused, or Cognito failing: not hidden', async () => {
    for (const error of [
      named('NotAuthorizedException', 'Unable to verify secret hash for client abc'),
      named('InternalErrorException'),
    ]) {
      const { asked, start } = await startAnswering(() => Promise.reject(error))
      const refused = await start({ email: 'user@example.com', method: 'email_otp' }).catch((e: unknown) => e)
      expect(refused).toBeInstanceOf(ProblemError)
      expect((refused as ProblemError).status).toBeGreaterThanOrEqual(500)
      expect(asked).toHaveLength(1)
    }
  })
})

describe('the answer names the user as the start learned it', () => {
  const SESSION = 'e'.repeat(64)
  test.each([
    ['with a USERNAME parameter: that name', { USERNAME: 'real-user' }, 'real-user'],
    [
      'without one (Amplify’s tests show Cognito’s EMAIL_OTP without it): the email, as typed',
      { CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL', CODE_DELIVERY_DESTINATION: 'u***@e***' },
      'user@example.com',
    ],
  ])('%s, with SECRET_HASH over it', async (_label, parameters, expected) => {
    let calls = 0
    const { asked, core } = await startAnswering(() => {
      calls += 1
      if (calls === 1) return { ChallengeName: 'EMAIL_OTP', Session: SESSION, ChallengeParameters: parameters }
      throw named('CodeMismatchException', 'Invalid code received for user')
    })
    const started = await passwordlessStart(core)({ email: 'user@example.com', method: 'email_otp' })
    expect(started.challengeParameters).not.toHaveProperty('USERNAME')
    const answered = signInCalls(core).respondToChallenge({
      email: 'user@example.com',
      challengeName: 'EMAIL_OTP',
      session: started.session,
      responses: { EMAIL_OTP_CODE: '12345678' },
    })
    expect(await answered.catch((error: ProblemError) => error.code)).toBe('code_mismatch')
    expect(asked[1]).toMatchObject({
      ChallengeName: 'EMAIL_OTP',
      Session: SESSION,
      ChallengeResponses: {
        USERNAME: expected,
        SECRET_HASH: await core.secretHash(expected),
        EMAIL_OTP_CODE: '12345678',
      },
    })
  })
})
