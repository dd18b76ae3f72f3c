// Extra app clients of the shared local pool, shaped for the token tests (one that rotates refresh
// tokens, GetTokensFromRefreshToken with a grace period of choice; one with token revocation off) and
// for the enumeration tests (one that reports unknown users: PreventUserExistenceErrors LEGACY).
// Each is registered with the verifying proxy, so calls through it are checked like the main client's.
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  SetUserPoolSessionConfigurationCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import type { TestCognito } from './cognito.ts'

export interface AppClient {
  clientId: string
  clientSecret: string
}

/** An admin client of the test emulator (SigV4 with any credentials); the caller destroys it. */
export const adminOf = (cognito: TestCognito) =>
  new CognitoIdentityProviderClient({
    region: 'local',
    endpoint: cognito.emulator.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })

/** Turns the shared pool's session tracking on or off (SetUserPoolSessionConfiguration, MaxPerUser 20). */
export async function setSessionTracking(cognito: TestCognito, enabled: boolean): Promise<void> {
  const admin = adminOf(cognito)
  try {
    await admin.send(
      new SetUserPoolSessionConfigurationCommand({
        UserPoolId: cognito.pool.userPoolId,
        UserSessionTracking: enabled ? 'ENABLED' : 'DISABLED',
        TokenSession: { MaxPerUser: 20 },
      }),
    )
  } finally {
    admin.destroy()
  }
}

/**
 * A new app client with a secret, USER_PASSWORD_AUTH, USER_AUTH and refresh; `rotation` sets
 * RefreshTokenRotation (RetryGracePeriodSeconds: `graceSeconds`), `revocation: false` turns
 * EnableTokenRevocation off, `preventUserExistenceErrors` sets PreventUserExistenceErrors (Cognito's
 * default, LEGACY, when not given).
 */
export async function createAppClient(
  cognito: TestCognito,
  {
    rotation = false,
    graceSeconds = 0,
    revocation = true,
    preventUserExistenceErrors,
  }: {
    rotation?: boolean
    graceSeconds?: number
    revocation?: boolean
    preventUserExistenceErrors?: 'ENABLED' | 'LEGACY'
  },
): Promise<AppClient> {
  const admin = adminOf(cognito)
  try {
    const created = await admin.send(
      new CreateUserPoolClientCommand({
        UserPoolId: cognito.pool.userPoolId,
        ClientName: `tokens-${rotation ? 'rotating' : 'plain'}-${graceSeconds}-${revocation}-${preventUserExistenceErrors}`,
        GenerateSecret: true,
        ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        EnableTokenRevocation: revocation,
        ...(preventUserExistenceErrors ? { PreventUserExistenceErrors: preventUserExistenceErrors } : {}),
        ...(rotation ? { RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: graceSeconds } } : {}),
      }),
    )
    const client = { clientId: created.UserPoolClient!.ClientId!, clientSecret: created.UserPoolClient!.ClientSecret! }
    cognito.proxy.addClient(client.clientId, client.clientSecret)
    return client
  } finally {
    admin.destroy()
  }
}
