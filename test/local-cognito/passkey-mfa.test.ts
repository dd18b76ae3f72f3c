// Passkeys as a second factor in the local Cognito (dev/local-cognito/passkey-mfa.cjs):
// SetUserMFAPreference's WebAuthnMfaSettings needs the pool's FactorConfiguration
// MULTI_FACTOR_WITH_USER_VERIFICATION and another MFA method of the user (Cognito API reference,
// SetUserMFAPreference, WebAuthnMfaSettingsType). Called on the emulator directly.
import { beforeAll, describe, expect, test } from 'bun:test'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { createPoolWithMfa, emulatorClient, expectRefused, totpCode } from '../support/emulator-calls.ts'

let cognito: TestCognito
beforeAll(async () => {
  cognito = await testCognito()
})

type Client = ReturnType<typeof emulatorClient>
const passkeyMfa = (client: Client, accessToken: string, enabled: boolean) =>
  client.call('SetUserMFAPreference', { AccessToken: accessToken, WebAuthnMfaSettings: { Enabled: enabled } })

/** A signed-in user of `client`'s pool with TOTP on. */
async function userWithTotp(client: Client, tag: string) {
  const { accessToken } = await client.signedInUser(tag)
  const { SecretCode } = (await client.call('AssociateSoftwareToken', { AccessToken: accessToken })).body
  await client.call('VerifySoftwareToken', { AccessToken: accessToken, UserCode: totpCode(SecretCode) })
  const on = await client.call('SetUserMFAPreference', {
    AccessToken: accessToken,
    SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  })
  expect(on.status).toBe(200)
  return accessToken
}

describe('WebAuthnMfaSettings', () => {
  test('a pool whose passkeys are a single factor refuses it, even for a user with TOTP', async () => {
    const single = emulatorClient(cognito, await createPoolWithMfa(cognito, 'OPTIONAL', true, 'SINGLE_FACTOR'))
    expectRefused(
      await passkeyMfa(single, await userWithTotp(single, 'pkmfa-single'), true),
      'InvalidParameterException',
    )
  })

  test('with MULTI_FACTOR_WITH_USER_VERIFICATION: refused without another MFA method, taken with TOTP on', async () => {
    const multi = emulatorClient(
      cognito,
      await createPoolWithMfa(cognito, 'OPTIONAL', true, 'MULTI_FACTOR_WITH_USER_VERIFICATION'),
    )
    const { accessToken: bare } = await multi.signedInUser('pkmfa-bare')
    expectRefused(await passkeyMfa(multi, bare, true), 'InvalidParameterException')
    const withTotp = await userWithTotp(multi, 'pkmfa-totp')
    expect((await passkeyMfa(multi, withTotp, true)).status).toBe(200)
    expect((await passkeyMfa(multi, withTotp, false)).status).toBe(200)
  })

  test('GetUser reports the setting as WEB_AUTHN in UserMFASettingList (a guess: the reference documents no read)', async () => {
    const multi = emulatorClient(
      cognito,
      await createPoolWithMfa(cognito, 'OPTIONAL', true, 'MULTI_FACTOR_WITH_USER_VERIFICATION'),
    )
    const accessToken = await userWithTotp(multi, 'pkmfa-read')
    const settings = async () =>
      (await multi.call('GetUser', { AccessToken: accessToken })).body.UserMFASettingList as string[]
    expect(await settings()).toEqual(['SOFTWARE_TOKEN_MFA'])
    await passkeyMfa(multi, accessToken, true)
    expect(await settings()).toEqual(['SOFTWARE_TOKEN_MFA', 'WEB_AUTHN'])
    await passkeyMfa(multi, accessToken, false)
    expect(await settings()).toEqual(['SOFTWARE_TOKEN_MFA'])
  })
})
