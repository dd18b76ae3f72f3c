// The session a client carries between a challenge and its answer (src/cognito/challenge-session.ts).
import { describe, expect, test } from 'bun:test'
import { createChallengeSessions } from '../../src/cognito/challenge-session.ts'
import { createDecoys } from '../../src/cognito/decoys.ts'
import { ProblemError } from '../../src/http/problem.ts'

const USERNAME = '0b5c9d3e-7a41-4f1e-9a3b-2c6f8e1d4a70'
const SESSION = 'AYABeCognitoSessionExample0123456789'
const ACCOUNT = 'keyed-hash-of-the-email'
const CLAIMS = { username: USERNAME, account: ACCOUNT }
const VALIDITY_MS = 180_000
const T0 = 1_800_000_000_000

const refusal = (attempt: () => unknown) => {
  try {
    attempt()
  } catch (error) {
    return error instanceof ProblemError ? error.code : String(error)
  }
  return 'opened'
}

describe('with a client secret: sealed', () => {
  test('opens to the claims and Cognito’s session; nothing of the claims is readable in it', () => {
    const sessions = createChallengeSessions('client-secret-1', VALIDITY_MS, () => T0)
    const value = sessions.seal(CLAIMS, SESSION)
    expect(value).toStartWith('u2.')
    expect(value).toEndWith(`.${SESSION}`)
    for (const secret of [USERNAME, ACCOUNT]) {
      expect(value).not.toContain(secret)
      expect(value).not.toContain(Buffer.from(secret).toString('base64url'))
    }
    expect(sessions.open(value)).toEqual({ claims: { ...CLAIMS, expiresAt: T0 + VALIDITY_MS }, session: SESSION })
    // A fresh IV each time: two seals of the same claims differ.
    expect(sessions.seal(CLAIMS, SESSION)).not.toBe(value)
  })

  test('a decoy and a real session seal to the same length (the marker is inside the seal)', () => {
    const sessions = createChallengeSessions('client-secret-1', VALIDITY_MS)
    const real = sessions.seal({ username: USERNAME, account: ACCOUNT }, SESSION)
    const decoy = sessions.seal({ decoy: createDecoys().id(), account: ACCOUNT }, SESSION)
    expect(decoy.length).toBe(real.length)
  })

  test('fields it does not know are kept: the claims can grow', () => {
    const sessions = createChallengeSessions('client-secret-1', VALIDITY_MS)
    const value = sessions.seal({ ...CLAIMS, breachedPassword: true } as typeof CLAIMS, SESSION)
    expect(sessions.open(value).claims).toMatchObject({ breachedPassword: true })
  })

  test('past its validity: session_expired', () => {
    let now = T0
    const sessions = createChallengeSessions('client-secret-1', VALIDITY_MS, () => now)
    const value = sessions.seal(CLAIMS, SESSION)
    now = T0 + VALIDITY_MS - 1
    expect(sessions.open(value).session).toBe(SESSION)
    now = T0 + VALIDITY_MS
    expect(refusal(() => sessions.open(value))).toBe('session_expired')
  })

  test('an edited prefix, a prefix moved to another session, another secret’s seal: session_expired', () => {
    const sessions = createChallengeSessions('client-secret-1', VALIDITY_MS)
    const value = sessions.seal(CLAIMS, SESSION)
    const [, sealed] = value.split('.')
    const flipped = `${sealed!.slice(0, 10)}${sealed![10] === 'A' ? 'B' : 'A'}${sealed!.slice(11)}`
    expect(refusal(() => sessions.open(`u2.${flipped}.${SESSION}`))).toBe('session_expired')
    expect(refusal(() => sessions.open(`u2.${sealed}.AYABeAnotherSession9876543210`))).toBe('session_expired')
    const other = createChallengeSessions('client-secret-2', VALIDITY_MS)
    expect(refusal(() => other.open(value))).toBe('session_expired')
    expect(refusal(() => sessions.open(`u2..${SESSION}`))).toBe('session_expired')
  })

  test('a plain prefix and a raw Cognito session are refused (only sealed ones are handed out)', () => {
    const sessions = createChallengeSessions('client-secret-1', VALIDITY_MS)
    const plain = `u1.${Buffer.from(JSON.stringify({ ...CLAIMS, expiresAt: Date.now() + 60_000 })).toString('base64url')}.${SESSION}`
    expect(refusal(() => sessions.open(plain))).toBe('session_expired')
    expect(refusal(() => sessions.open(SESSION))).toBe('session_expired')
  })
})

describe('without a client secret (a public app client): plain', () => {
  test('the claims in base64url JSON; a sealed value cannot be opened', () => {
    const sessions = createChallengeSessions(undefined, VALIDITY_MS, () => T0)
    const value = sessions.seal(CLAIMS, SESSION)
    const claims = { ...CLAIMS, expiresAt: T0 + VALIDITY_MS }
    expect(value).toStartWith('u1.')
    expect(JSON.parse(Buffer.from(value.split('.')[1]!, 'base64url').toString())).toEqual(claims)
    expect(sessions.open(value)).toEqual({ claims, session: SESSION })
    const sealed = createChallengeSessions('s', VALIDITY_MS).seal(CLAIMS, SESSION)
    expect(refusal(() => sessions.open(sealed))).toBe('session_expired')
  })

  test('claims that are not JSON, or lack the account or expiry: session_expired', () => {
    const sessions = createChallengeSessions(undefined, VALIDITY_MS)
    const plain = (text: string) => `u1.${Buffer.from(text).toString('base64url')}.${SESSION}`
    expect(refusal(() => sessions.open(plain('victim-username')))).toBe('session_expired')
    expect(refusal(() => sessions.open(plain(JSON.stringify({ username: USERNAME }))))).toBe('session_expired')
  })
})
