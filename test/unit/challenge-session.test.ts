// The session a client carries between a challenge and its answer (src/cognito/challenge-session.ts).
import { describe, expect, test } from 'bun:test'
import { createChallengeSessions } from '../../src/cognito/challenge-session.ts'
import { createDecoys } from '../../src/cognito/decoys.ts'
import { ProblemError } from '../../src/http/problem.ts'

const USERNAME = '0b5c9d3e-7a41-4f1e-9a3b-2c6f8e1d4a70'
const SESSION = 'AYABeCognitoSessionExample0123456789'
// A keyed hash's shape (43 base64url characters), as src/state/account-keys.ts makes them.
const ACCOUNT = 'kEyEdHaShOfTheEmail_0123456789-abcdefghijkl'
const OTHER_ACCOUNT = 'aNoThErAcCoUnT_0123456789-abcdefghijklmnopq'
const CLAIMS = { username: USERNAME, account: ACCOUNT }
const VALIDITY_MS = 180_000
const T0 = 1_800_000_000_000

const refusal = async (attempt: () => Promise<unknown>) => {
  try {
    await attempt()
  } catch (error) {
    return error instanceof ProblemError ? error.code : String(error)
  }
  return 'opened'
}

// The value's four parts: version, clear account, carried claims, Cognito's session.
const partsOf = (value: string) => {
  const [version, account, carried] = value.split('.', 3)
  return { version, account, carried, session: value.slice(`${version}.${account}.${carried}.`.length) }
}

describe('with a client secret: sealed', () => {
  test('opens to the claims and Cognito’s session; only the account (a keyed hash) is in clear', async () => {
    const sessions = await createChallengeSessions(['client-secret-1'], VALIDITY_MS, () => T0)
    const value = await sessions.seal(CLAIMS, SESSION)
    expect(partsOf(value)).toMatchObject({ version: 'u4', account: ACCOUNT, session: SESSION })
    expect(value).not.toContain(USERNAME)
    expect(value).not.toContain(Buffer.from(USERNAME).toString('base64url'))
    expect(await sessions.open(value)).toEqual({ claims: { ...CLAIMS, expiresAt: T0 + VALIDITY_MS }, session: SESSION })
    // A fresh IV each time: two seals of the same claims differ.
    expect(await sessions.seal(CLAIMS, SESSION)).not.toBe(value)
  })

  test('the rate limiter reads the account synchronously, without opening the seal', async () => {
    const sessions = await createChallengeSessions(['client-secret-1'], VALIDITY_MS)
    const value = await sessions.seal(CLAIMS, SESSION)
    expect(sessions.accountOf(value)).toBe(ACCOUNT)
    expect(sessions.accountOf(SESSION)).toBeUndefined()
    expect(sessions.accountOf(`u4.user@example.com.x.${SESSION}`)).toBeUndefined()
    expect(sessions.accountOf(`u4.${'a'.repeat(65)}.x.${SESSION}`)).toBeUndefined()
  })

  test('a decoy and a real session carry the same fields in clear, at the same lengths', async () => {
    const sessions = await createChallengeSessions(['client-secret-1'], VALIDITY_MS)
    const real = partsOf(await sessions.seal({ username: USERNAME, account: ACCOUNT }, SESSION))
    const decoy = partsOf(await sessions.seal({ decoy: createDecoys().id(), account: OTHER_ACCOUNT }, SESSION))
    expect(decoy.version).toBe(real.version)
    expect(decoy.account!.length).toBe(real.account!.length)
    expect(decoy.carried!.length).toBe(real.carried!.length)
  })

  test('fields it does not know are kept: the claims can grow', async () => {
    const sessions = await createChallengeSessions(['client-secret-1'], VALIDITY_MS)
    const value = await sessions.seal({ ...CLAIMS, breachedPassword: true } as typeof CLAIMS, SESSION)
    expect((await sessions.open(value)).claims).toMatchObject({ breachedPassword: true })
  })

  test('past its validity: session_expired', async () => {
    let now = T0
    const sessions = await createChallengeSessions(['client-secret-1'], VALIDITY_MS, () => now)
    const value = await sessions.seal(CLAIMS, SESSION)
    now = T0 + VALIDITY_MS - 1
    expect((await sessions.open(value)).session).toBe(SESSION)
    now = T0 + VALIDITY_MS
    expect(await refusal(() => sessions.open(value))).toBe('session_expired')
  })

  test('an edited seal, a seal moved to another session, another secret’s seal: session_expired', async () => {
    const sessions = await createChallengeSessions(['client-secret-1'], VALIDITY_MS)
    const value = await sessions.seal(CLAIMS, SESSION)
    const { carried } = partsOf(value)
    const flipped = `${carried!.slice(0, 10)}${carried![10] === 'A' ? 'B' : 'A'}${carried!.slice(11)}`
    expect(await refusal(() => sessions.open(`u4.${ACCOUNT}.${flipped}.${SESSION}`))).toBe('session_expired')
    expect(await refusal(() => sessions.open(`u4.${ACCOUNT}.${carried}.AYABeAnotherSession9876543210`))).toBe(
      'session_expired',
    )
    const other = await createChallengeSessions(['client-secret-2'], VALIDITY_MS)
    expect(await refusal(() => other.open(value))).toBe('session_expired')
    expect(await refusal(() => sessions.open(`u4.${ACCOUNT}..${SESSION}`))).toBe('session_expired')
  })

  test('a session whose clear account was edited does not open (the account is bound to the seal)', async () => {
    const sessions = await createChallengeSessions(['client-secret-1'], VALIDITY_MS)
    const { carried } = partsOf(await sessions.seal(CLAIMS, SESSION))
    const edited = `u4.${OTHER_ACCOUNT}.${carried}.${SESSION}`
    // The limiter counts what it reads; the answer is refused before Cognito.
    expect(sessions.accountOf(edited)).toBe(OTHER_ACCOUNT)
    expect(await refusal(() => sessions.open(edited))).toBe('session_expired')
  })

  test('a plain value and a raw Cognito session are refused (only sealed ones are handed out)', async () => {
    const sessions = await createChallengeSessions(['client-secret-1'], VALIDITY_MS)
    const plain = `u3.${ACCOUNT}.${Buffer.from(JSON.stringify({ ...CLAIMS, expiresAt: Date.now() + 60_000 })).toString('base64url')}.${SESSION}`
    expect(await refusal(() => sessions.open(plain))).toBe('session_expired')
    expect(await refusal(() => sessions.open(SESSION))).toBe('session_expired')
  })

  test('a key ring: sealed under the current secret, opened under it or the previous one', async () => {
    const old = await createChallengeSessions(['secret-old'], VALIDITY_MS)
    const rotated = await createChallengeSessions(['secret-new', 'secret-old'], VALIDITY_MS)
    const alone = await createChallengeSessions(['secret-new'], VALIDITY_MS)
    const sealedOld = await old.seal(CLAIMS, SESSION)
    expect((await rotated.open(sealedOld)).claims.username).toBe(USERNAME)
    expect(await refusal(() => alone.open(sealedOld))).toBe('session_expired')
    const sealedNew = await rotated.seal(CLAIMS, SESSION)
    expect((await alone.open(sealedNew)).claims.username).toBe(USERNAME)
    expect(await refusal(() => old.open(sealedNew))).toBe('session_expired')
  })

  test('an account not of a keyed hash’s shape is never sealed', async () => {
    const sessions = await createChallengeSessions(['client-secret-1'], VALIDITY_MS)
    expect(await refusal(() => sessions.seal({ account: 'user@example.com' }, SESSION))).toStartWith('Error')
  })
})

describe('without a client secret (a public app client): plain', () => {
  test('the account in clear, the other claims in base64url JSON; a sealed value cannot be opened', async () => {
    const sessions = await createChallengeSessions([], VALIDITY_MS, () => T0)
    const value = await sessions.seal(CLAIMS, SESSION)
    const { version, account, carried } = partsOf(value)
    expect([version, account]).toEqual(['u3', ACCOUNT])
    expect(JSON.parse(Buffer.from(carried!, 'base64url').toString())).toEqual({
      username: USERNAME,
      expiresAt: T0 + VALIDITY_MS,
    })
    expect(await sessions.open(value)).toEqual({ claims: { ...CLAIMS, expiresAt: T0 + VALIDITY_MS }, session: SESSION })
    expect(sessions.accountOf(value)).toBe(ACCOUNT)
    const sealed = await (await createChallengeSessions(['s'], VALIDITY_MS)).seal(CLAIMS, SESSION)
    expect(await refusal(() => sessions.open(sealed))).toBe('session_expired')
  })

  test('claims that are not JSON, or lack the account or expiry: session_expired', async () => {
    const sessions = await createChallengeSessions([], VALIDITY_MS)
    const plain = (text: string, account = ACCOUNT) =>
      `u3.${account}.${Buffer.from(text).toString('base64url')}.${SESSION}`
    expect(await refusal(() => sessions.open(plain('victim-username')))).toBe('session_expired')
    expect(await refusal(() => sessions.open(plain(JSON.stringify({ username: USERNAME }))))).toBe('session_expired')
    const claims = JSON.stringify({ username: USERNAME, expiresAt: Date.now() + 60_000 })
    expect(await refusal(() => sessions.open(plain(claims, '')))).toBe('session_expired')
  })
})
