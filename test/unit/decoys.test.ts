// Decoy sign-in sessions (src/cognito/decoys.ts) and the WebAuthn request options every passkey
// start answers (src/cognito/passkey-options.ts).
import { describe, expect, test } from 'bun:test'
import { createDecoys, DECOY_WRONG_ANSWERS, randomLike } from '../../src/cognito/decoys.ts'
import { createRequestOptions } from '../../src/cognito/passkey-options.ts'

describe('decoys', () => {
  test('a decoy takes as many wrong answers as a real session, then is spent', () => {
    const decoys = createDecoys(() => 1000)
    const id = decoys.id()
    const outcomes = Array.from({ length: DECOY_WRONG_ANSWERS + 2 }, () => decoys.answer(id, 5000))
    expect(outcomes).toEqual(['wrong', 'wrong', 'wrong', 'spent', 'spent'])
    expect(decoys.answer(decoys.id(), 5000)).toBe('wrong')
  })

  test('a decoy session takes the length and alphabet of the last real one', () => {
    const decoys = createDecoys()
    expect(decoys.session()).toMatch(/^[0-9a-f]{64}$/)
    const real = 'AYABeQ_x-'.repeat(100)
    decoys.rememberSession(real)
    const decoy = decoys.session()
    expect(decoy).toHaveLength(real.length)
    expect(decoy).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(decoy).not.toBe(decoys.session())
    expect(randomLike('0123abcd')).toMatch(/^[0-9a-f]{8}$/)
  })
})

describe('passkey request options', () => {
  const cognito = JSON.stringify({
    rpId: 'example.com',
    challenge: 'c'.repeat(43),
    allowCredentials: [{ id: 'secret-credential-id', type: 'public-key' }],
    timeout: 60000,
    userVerification: 'preferred',
  })

  test('Cognito’s options with an empty allow-list; a decoy’s are the same but for the challenge', () => {
    const options = createRequestOptions()
    const real = JSON.parse(options.of(cognito))
    expect(real).toEqual({ ...JSON.parse(cognito), allowCredentials: [] })
    const decoy = JSON.parse(options.of(undefined))
    expect({ ...decoy, challenge: 'x' }).toEqual({ ...real, challenge: 'x' })
    expect(decoy.challenge).toHaveLength(43)
    expect(decoy.challenge).not.toBe(real.challenge)
  })

  test('with the relying party configured: the service’s own options, real and decoy alike, from the first start', () => {
    const options = createRequestOptions({ rpId: 'example.com', userVerification: 'required', timeoutMs: 180_000 })
    const decoy = JSON.parse(options.of(undefined))
    const real = JSON.parse(options.of(cognito))
    expect(Object.keys(decoy)).toEqual(Object.keys(real))
    expect(real).toEqual({
      challenge: 'c'.repeat(43),
      rpId: 'example.com',
      timeout: 180_000,
      userVerification: 'required',
      allowCredentials: [],
    })
    expect(decoy.challenge).toHaveLength(43)
  })
})
