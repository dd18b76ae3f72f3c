// The session a client carries between a challenge and its answer (src/cognito/challenge-session.ts).
import { describe, expect, test } from 'bun:test'
import { createChallengeSessions } from '../../src/cognito/challenge-session.ts'
import { ProblemError } from '../../src/http/problem.ts'

const USERNAME = '0b5c9d3e-7a41-4f1e-9a3b-2c6f8e1d4a70'
const SESSION = 'AYABeCognitoSessionExample0123456789'

const refusal = async (attempt: Promise<unknown>) => {
  try {
    await attempt
  } catch (error) {
    return error instanceof ProblemError ? error.code : String(error)
  }
  return 'opened'
}

describe('with a client secret: sealed', () => {
  test('opens to the username and Cognito’s session; the username is not readable in it', async () => {
    const sessions = await createChallengeSessions('client-secret-1')
    const value = await sessions.seal(USERNAME, SESSION)
    expect(value).toStartWith('u2.')
    expect(value).toEndWith(`.${SESSION}`)
    expect(value).not.toContain(USERNAME)
    expect(value).not.toContain(Buffer.from(USERNAME).toString('base64url'))
    expect(await sessions.open(value, 'someone@example.com')).toEqual({ username: USERNAME, session: SESSION })
    // A fresh IV each time: two seals of the same name differ.
    expect(await sessions.seal(USERNAME, SESSION)).not.toBe(value)
  })

  test('an edited prefix, a prefix moved to another session, or another secret’s seal: not_authorized', async () => {
    const sessions = await createChallengeSessions('client-secret-1')
    const value = await sessions.seal(USERNAME, SESSION)
    const [, sealed] = value.split('.')
    const flipped = `${sealed!.slice(0, 10)}${sealed![10] === 'A' ? 'B' : 'A'}${sealed!.slice(11)}`
    expect(await refusal(sessions.open(`u2.${flipped}.${SESSION}`, 'e@x.co'))).toBe('not_authorized')
    expect(await refusal(sessions.open(`u2.${sealed}.AYABeAnotherSession9876543210`, 'e@x.co'))).toBe('not_authorized')
    const other = await createChallengeSessions('client-secret-2')
    expect(await refusal(other.open(value, 'e@x.co'))).toBe('not_authorized')
    expect(await refusal(sessions.open(`u2..${SESSION}`, 'e@x.co'))).toBe('not_authorized')
  })

  test('a plain prefix is refused (only sealed ones are handed out); a raw Cognito session falls back to the email', async () => {
    const sessions = await createChallengeSessions('client-secret-1')
    const plain = `u1.${Buffer.from('victim-username').toString('base64url')}.${SESSION}`
    expect(await refusal(sessions.open(plain, 'e@x.co'))).toBe('not_authorized')
    expect(await sessions.open(SESSION, 'e@x.co')).toEqual({ username: 'e@x.co', session: SESSION })
  })
})

describe('without a client secret (a public app client): plain', () => {
  test('the username in base64url; a sealed value cannot be opened', async () => {
    const sessions = await createChallengeSessions(undefined)
    const value = await sessions.seal(USERNAME, SESSION)
    expect(value).toBe(`u1.${Buffer.from(USERNAME).toString('base64url')}.${SESSION}`)
    expect(await sessions.open(value, 'e@x.co')).toEqual({ username: USERNAME, session: SESSION })
    const sealed = await (await createChallengeSessions('s')).seal(USERNAME, SESSION)
    expect(await refusal(sessions.open(sealed, 'e@x.co'))).toBe('not_authorized')
  })
})
