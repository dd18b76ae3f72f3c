// The local Cognito keeps two active secrets per app client, as Cognito does for a rotation
// (dev/local-cognito/client-secrets.cjs): calls are accepted under either. Calls go straight to the emulator.
import { beforeAll, describe, expect, test } from 'bun:test'
import { createAppClient, type AppClient } from '../support/app-clients.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { referenceSecretHash } from '../support/cognito-wire.ts'
import { callEmulator, emulatorClient, expectRefused } from '../support/emulator-calls.ts'
import { PASSWORD } from '../support/util.ts'

let cognito: TestCognito
let client: AppClient
const ADDED = `added${crypto.randomUUID().replaceAll('-', '')}`

const call = (operation: string, input: Record<string, unknown>) =>
  callEmulator(cognito.emulator.endpoint, operation, input)
const addSecret = (input: Record<string, unknown> = {}) =>
  call('AddUserPoolClientSecret', { UserPoolId: cognito.pool.userPoolId, ClientId: client.clientId, ...input })

beforeAll(async () => {
  cognito = await testCognito()
  client = await createAppClient(cognito, {})
})

describe('AddUserPoolClientSecret', () => {
  test('a second secret: SECRET_HASH and the raw ClientSecret are accepted under either; a third is refused', async () => {
    const { email } = await emulatorClient(cognito).confirmedUser('secrets')
    const signIn = (secret: string) =>
      call('InitiateAuth', {
        ClientId: client.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: {
          USERNAME: email,
          PASSWORD,
          SECRET_HASH: referenceSecretHash(secret, email, client.clientId),
        },
      })
    expectRefused(await signIn(ADDED), 'NotAuthorizedException', /Unable to verify secret hash/)
    const added = await addSecret({ ClientSecret: ADDED })
    expect(added.status).toBe(200)
    // "ClientSecretValue is only returned when Amazon Cognito generates the secret."
    expect(added.body.ClientSecretDescriptor).toEqual({
      ClientSecretId: expect.any(String),
      ClientSecretCreateDate: expect.any(Number),
    })
    for (const secret of [client.clientSecret, ADDED]) {
      const answer = await signIn(secret)
      expect(answer.status).toBe(200)
      const revoked = await call('RevokeToken', {
        ClientId: client.clientId,
        ClientSecret: secret,
        Token: answer.body.AuthenticationResult.RefreshToken,
      })
      expect(revoked.status).toBe(200)
    }
    expectRefused(await signIn('neither-of-the-two-secrets-0000'), 'NotAuthorizedException')
    expectRefused(await addSecret(), 'LimitExceededException')
  })

  test('a public client (no secret) or an unknown one is refused', async () => {
    const unknown = await call('AddUserPoolClientSecret', { UserPoolId: cognito.pool.userPoolId, ClientId: 'nope' })
    expect(unknown.type).toBe('ResourceNotFoundException')
    const publicClient = await call('AddUserPoolClientSecret', {
      UserPoolId: cognito.pool.userPoolId,
      ClientId: cognito.publicClientId,
    })
    expectRefused(publicClient, 'InvalidParameterException')
  })
})
