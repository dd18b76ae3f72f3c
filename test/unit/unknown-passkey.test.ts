// A refused passkey answer called unknown only when it is this account's handle and not one of the
// passkeys sealed at the start (src/cognito/unknown-passkey.ts).
import { describe, expect, test } from 'bun:test'
import { userHandleOf } from '../../src/cognito/passkeys.ts'
import { isUnknownPasskey, sealedPasskeys } from '../../src/cognito/unknown-passkey.ts'

const USERNAME = '0b5c9d3e-7a41-4f1e-9a3b-2c6f8e1d4a70'
const options = (ids: string[]) => JSON.stringify({ challenge: 'c', allowCredentials: ids.map((id) => ({ id })) })
const assertion = (id: string, userHandle: string) => JSON.stringify({ id, response: { userHandle } })
const claimsFor = (ids: string[], username = USERNAME) => ({
  username,
  account: 'a',
  expiresAt: 0,
  ...sealedPasskeys(options(ids)),
})
const DECOY = { decoy: 'd', account: 'a', expiresAt: 0, ...sealedPasskeys(undefined) }

describe('sealedPasskeys', () => {
  test('a fixed number of fixed-length slots, real or decoy, with no credential id in clear', () => {
    const real = sealedPasskeys(options(['cred-one', 'cred-two']))
    const decoy = sealedPasskeys(undefined)
    expect(JSON.stringify(real).length).toBe(JSON.stringify(decoy).length)
    expect(JSON.stringify(real)).not.toContain('cred-one')
  })
})

describe('isUnknownPasskey', () => {
  const handle = userHandleOf(USERNAME)
  test('this account’s handle, an id it does not have: unknown', () => {
    expect(isUnknownPasskey(assertion('deleted', handle), claimsFor(['kept']))).toBe(true)
  })
  test('an id it has (a wrong signature, a replay): not unknown', () => {
    expect(isUnknownPasskey(assertion('kept', handle), claimsFor(['kept']))).toBe(false)
  })
  test('another account’s handle, a decoy, a username that is an email, a partial list, not JSON: never', () => {
    expect(isUnknownPasskey(assertion('deleted', userHandleOf('someone-else')), claimsFor(['kept']))).toBe(false)
    expect(isUnknownPasskey(assertion('deleted', handle), DECOY)).toBe(false)
    const email = 'kim@example.com'
    expect(isUnknownPasskey(assertion('deleted', userHandleOf(email)), claimsFor(['kept'], email))).toBe(false)
    const many = Array.from({ length: 17 }, (_, i) => `cred-${i}`)
    expect(isUnknownPasskey(assertion('deleted', handle), claimsFor(many))).toBe(false)
    expect(isUnknownPasskey('{not json', claimsFor(['kept']))).toBe(false)
    // Options that list no passkey (not what Cognito answers today) prove nothing either.
    expect(isUnknownPasskey(assertion('deleted', handle), claimsFor([]))).toBe(false)
  })
})
