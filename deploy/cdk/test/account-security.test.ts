// The pool settings the account-security routes rely on, spelled out (stack.test.ts checks the rest of
// the pool against lib/pool-shape.ts): a changed email takes effect only once verified, and users can
// turn on an authenticator app.
import { expect, test } from 'bun:test'
import { only } from './synth.ts'

const pool = only('AWS::Cognito::UserPool').properties

test('a new email is kept pending until its code is verified (users are not locked out by a typo)', () => {
  expect(pool.UserAttributeUpdateSettings).toEqual({ AttributesRequireVerificationBeforeUpdate: ['email'] })
})

test('MFA optional, with authenticator apps (TOTP) and without SMS', () => {
  expect({ mfa: pool.MfaConfiguration, enabled: pool.EnabledMfas }).toEqual({
    mfa: 'OPTIONAL',
    enabled: ['SOFTWARE_TOKEN_MFA'],
  })
})
