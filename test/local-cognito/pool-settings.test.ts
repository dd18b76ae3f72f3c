// The local Cognito applies the pool's password policy where Cognito does (password-policy.cjs) and
// describes the pool and app client back with the settings they were made with (describe.cjs), as
// the doctor reads them. Calls go straight to the emulator.
import { beforeAll, describe, expect, test } from 'bun:test'
import {
  type CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  GetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import { CLIENT_SHAPE, POOL_SHAPE, REFRESH_TOKEN_GRACE_SECONDS } from '../../deploy/cdk/lib/pool-shape.ts'
import { LOCAL_RELYING_PARTY_ID, provision } from '../../dev/local-cognito/provision.ts'
import { adminOf } from '../support/app-clients.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { emulatorClient, expectRefused } from '../support/emulator-calls.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

let cognito: TestCognito
let admin: CognitoIdentityProviderClient

beforeAll(async () => {
  cognito = await testCognito()
  admin = adminOf(cognito)
  return () => admin.destroy()
})

const signUp = (password: string) => emulatorClient(cognito).signUp(uniqueEmail('policy'), password)

describe('the password policy (8+, upper, lower, number, symbol)', () => {
  test.each([
    ['abc', 'Password not long enough'],
    ['lowercase1!', 'Password must have uppercase characters'],
    ['UPPERCASE1!', 'Password must have lowercase characters'],
    ['NoNumbers!!', 'Password must have numeric characters'],
    ['NoSymbols123', 'Password must have symbol characters'],
  ])('SignUp with %p is InvalidPasswordException: %s', async (password, rule) => {
    expectRefused(await signUp(password), 'InvalidPasswordException', `Password did not conform with policy: ${rule}`)
  })

  test('a password that fits signs up; an inner space counts as a symbol', async () => {
    expect((await signUp(PASSWORD)).status).toBe(200)
    expect((await signUp('Inner Space1')).status).toBe(200)
  })

  test('ChangePassword with a weak new password is InvalidPasswordException, not a wrong-password refusal', async () => {
    const { call, signedInUser } = emulatorClient(cognito)
    const { accessToken } = await signedInUser('policy-change')
    const answer = await call('ChangePassword', {
      AccessToken: accessToken,
      PreviousPassword: PASSWORD,
      ProposedPassword: 'abc',
    })
    expectRefused(answer, 'InvalidPasswordException', /Password not long enough/)
  })

  test('AdminSetUserPassword and ConfirmForgotPassword apply it too', async () => {
    const { call, hash, confirmedUser } = emulatorClient(cognito)
    const { email } = await confirmedUser('policy-admin')
    const admin = await call('AdminSetUserPassword', {
      UserPoolId: cognito.pool.userPoolId,
      Username: email,
      Password: 'short',
      Permanent: true,
    })
    expectRefused(admin, 'InvalidPasswordException')
    const reset = await call('ConfirmForgotPassword', {
      ClientId: cognito.pool.clientId,
      Username: email,
      ConfirmationCode: '123456',
      Password: 'weakweakweak',
      SecretHash: hash(email),
    })
    expectRefused(reset, 'InvalidPasswordException')
  })
})

describe('the describe calls answer the settings the pool and client were made with', () => {
  test('DescribeUserPool: the feature plan and the kept email; DescribeUserPoolClient: session validity, rotation, revocation', async () => {
    const pool = (await admin.send(new DescribeUserPoolCommand({ UserPoolId: cognito.pool.userPoolId }))).UserPool!
    expect(pool.UserPoolTier).toBe(POOL_SHAPE.FeaturePlan)
    expect(pool.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate).toEqual(['email'])
    const described = await admin.send(
      new DescribeUserPoolClientCommand({ UserPoolId: cognito.pool.userPoolId, ClientId: cognito.pool.clientId }),
    )
    expect(described.UserPoolClient).toMatchObject({
      AuthSessionValidity: CLIENT_SHAPE.AuthSessionValidity,
      EnableTokenRevocation: true,
      EnablePropagateAdditionalUserContextData: CLIENT_SHAPE.EnablePropagateAdditionalUserContextData,
      PreventUserExistenceErrors: 'ENABLED',
    })
    expect(described.UserPoolClient?.RefreshTokenRotation).toBeUndefined()
  })

  test('GetUserPoolMfaConfig names the passkey relying party', async () => {
    const mfa = await admin.send(new GetUserPoolMfaConfigCommand({ UserPoolId: cognito.pool.userPoolId }))
    expect(mfa.WebAuthnConfiguration?.RelyingPartyId).toBe(LOCAL_RELYING_PARTY_ID)
    expect(mfa.SoftwareTokenMfaConfiguration?.Enabled).toBe(true)
  })

  test('an app client made without them: Cognito defaults (AuthSessionValidity 3); out of range is refused', async () => {
    const created = await admin.send(
      new CreateUserPoolClientCommand({ UserPoolId: cognito.pool.userPoolId, ClientName: 'defaults' }),
    )
    expect(created.UserPoolClient?.AuthSessionValidity).toBe(3)
    const { call } = emulatorClient(cognito)
    const tooLong = await call('CreateUserPoolClient', {
      UserPoolId: cognito.pool.userPoolId,
      ClientName: 'too-long',
      AuthSessionValidity: 16,
    })
    expectRefused(tooLong, 'InvalidParameterException')
  })

  test('provision in rotation mode: a second client of the same pool that rotates, with the stack default grace period', async () => {
    const rotating = await provision(cognito.emulator.endpoint, { refreshTokenRotation: true })
    expect(rotating.userPoolId).toBe(cognito.pool.userPoolId)
    expect(rotating.clientId).not.toBe(cognito.pool.clientId)
    const client = (
      await admin.send(
        new DescribeUserPoolClientCommand({ UserPoolId: rotating.userPoolId, ClientId: rotating.clientId }),
      )
    ).UserPoolClient!
    expect(client.RefreshTokenRotation).toEqual({
      Feature: 'ENABLED',
      RetryGracePeriodSeconds: REFRESH_TOKEN_GRACE_SECONDS,
    })
    expect(client.ExplicitAuthFlows).not.toContain('ALLOW_REFRESH_TOKEN_AUTH')
    expect(client.AuthSessionValidity).toBe(CLIENT_SHAPE.AuthSessionValidity)
  })
})
