// The local Cognito changes an email as Cognito does in a pool that keeps the current address until
// the new one is verified (the local pool is provisioned so): each test calls the emulator directly
// and expects Cognito's answer. The rules and their sources are in dev/local-cognito/email-change.cjs.
import { beforeAll, describe, expect, test } from 'bun:test'
import { DescribeUserPoolCommand, CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider'
import { provision } from '../../dev/local-cognito/provision.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { emulatorClient, expectRefused } from '../support/emulator-calls.ts'
import { uniqueEmail } from '../support/util.ts'

let cognito: TestCognito
let local: ReturnType<typeof emulatorClient>

beforeAll(async () => {
  cognito = await testCognito()
  local = emulatorClient(cognito)
})

const changeEmail = (accessToken: string, email: string) =>
  local.call('UpdateUserAttributes', { AccessToken: accessToken, UserAttributes: [{ Name: 'email', Value: email }] })
const verifyEmail = (accessToken: string, code: string) =>
  local.call('VerifyUserAttribute', { AccessToken: accessToken, AttributeName: 'email', Code: code })

test('the provisioned pool keeps the current email until the new one is verified, and has TOTP MFA optional, also when provisioned again (UpdateUserPool)', async () => {
  const admin = new CognitoIdentityProviderClient({
    region: 'local',
    endpoint: cognito.emulator.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  try {
    for (const round of [1, 2]) {
      if (round === 2) expect(await provision(cognito.emulator.endpoint)).toEqual(cognito.pool)
      const { UserPool } = await admin.send(new DescribeUserPoolCommand({ UserPoolId: cognito.pool.userPoolId }))
      expect(UserPool?.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate).toEqual(['email'])
      expect(UserPool?.MfaConfiguration).toBe('OPTIONAL')
      expect(UserPool?.AutoVerifiedAttributes).toEqual(['email'])
    }
  } finally {
    admin.destroy()
  }
})

describe('UpdateUserAttributes with a new email', () => {
  test('the code goes to the new address; until verified the old one signs in and gets reset codes, the new one does not sign in', async () => {
    const { email, accessToken } = await local.signedInUser('change')
    const next = uniqueEmail('changed')
    const changed = await changeEmail(accessToken, next)
    expect(changed.status).toBe(200)
    expect(changed.body.CodeDeliveryDetailsList).toEqual([
      { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: next },
    ])
    const code = await cognito.codeFor(next)

    expect((await local.signIn(email)).body.AuthenticationResult).toBeDefined()
    expectRefused(await local.signIn(next), 'NotAuthorizedException')
    const forgot = await local.call('ForgotPassword', {
      ClientId: local.clientId,
      Username: email,
      SecretHash: local.hash(email),
    })
    expect(forgot.body.CodeDeliveryDetails.Destination).toBe(email)
    expect(await cognito.codeFor(email, 2)).toMatch(/^\d+$/)

    expectRefused(await verifyEmail(accessToken, code === '000000' ? '111111' : '000000'), 'CodeMismatchException')
    expect((await verifyEmail(accessToken, code)).status).toBe(200)
    expect((await local.signIn(next)).body.AuthenticationResult).toBeDefined()
    expectRefused(await local.signIn(email), 'NotAuthorizedException')
    const attributes = await cognito.userAttributes(accessToken)
    expect({ email: attributes.email, verified: attributes.email_verified }).toEqual({ email: next, verified: 'true' })
  })

  test('an address another user has: AliasExistsException, nothing sent, nothing pending', async () => {
    const { accessToken } = await local.signedInUser('taker')
    const other = await local.confirmedUser('taken')
    expectRefused(
      await changeEmail(accessToken, other.email),
      'AliasExistsException',
      'An account with the given email already exists.',
    )
    expectRefused(await verifyEmail(accessToken, '123456'), 'CodeMismatchException')
  })

  test('an address taken by another user before the code comes back: VerifyUserAttribute is AliasExistsException', async () => {
    const first = await local.signedInUser('racer1')
    const second = await local.signedInUser('racer2')
    const contested = uniqueEmail('contested')
    await changeEmail(first.accessToken, contested)
    const firstCode = await cognito.codeFor(contested)
    await changeEmail(second.accessToken, contested)
    const secondCode = await cognito.codeFor(contested, 2)
    expect((await verifyEmail(second.accessToken, secondCode)).status).toBe(200)
    expectRefused(await verifyEmail(first.accessToken, firstCode), 'AliasExistsException')
    expect((await local.signIn(first.email)).body.AuthenticationResult).toBeDefined()
  })
})
