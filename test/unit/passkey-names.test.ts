// What a passkey is called in GET /me/passkeys (src/cognito/passkeys.ts): Cognito's
// FriendlyCredentialName, else what a person can tell passkeys apart by.
import { describe, expect, test } from 'bun:test'
import { passkeyOf } from '../../src/cognito/passkeys.ts'

const CREATED = new Date('2026-12-06T04:30:00Z')

describe('passkey names', () => {
  test('Cognito’s FriendlyCredentialName when it has one', () => {
    const passkey = passkeyOf({
      CredentialId: 'abc',
      FriendlyCredentialName: 'iCloud Keychain',
      RelyingPartyId: 'example.com',
      AuthenticatorAttachment: 'platform',
      AuthenticatorTransports: ['internal', 'hybrid'],
      CreatedAt: CREATED,
    })
    expect(passkey).toEqual({
      credentialId: 'abc',
      name: 'iCloud Keychain',
      relyingPartyId: 'example.com',
      authenticatorAttachment: 'platform',
      transports: ['internal', 'hybrid'],
      createdAt: '2026-12-06T04:30:00.000Z',
    })
  })

  test('otherwise the kind of authenticator, how it connects and the day it was added', () => {
    const named = (attachment: string | undefined, transports: string[], friendly = '') =>
      passkeyOf({
        CredentialId: 'abc',
        FriendlyCredentialName: friendly,
        RelyingPartyId: 'example.com',
        ...(attachment ? { AuthenticatorAttachment: attachment } : {}),
        AuthenticatorTransports: transports,
        CreatedAt: CREATED,
      }).name
    expect(named('cross-platform', ['usb', 'nfc'])).toBe('Security key or phone (usb, nfc), added 2026-12-06')
    expect(named('platform', ['internal'], '  ')).toBe('Passkey on a device (internal), added 2026-12-06')
    expect(named(undefined, [])).toBe('Passkey, added 2026-12-06')
  })
})
