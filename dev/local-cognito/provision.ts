// Idempotent set-up of the local user pool and app client, shaped like the production pool:
// email as the sign-in name in any case (case-insensitive usernames), a required mutable nickname, email auto-verified, an app client with a
// secret allowing USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH, session tracking on. Found by name on later runs, so users
// persist across restarts.
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  SetUserPoolSessionConfigurationCommand,
} from '@aws-sdk/client-cognito-identity-provider'

export interface LocalPool {
  userPoolId: string
  clientId: string
  clientSecret: string
}

export const POOL_NAME = 'user-service-local'
export const CLIENT_NAME = 'user-service'

export async function provision(endpoint: string): Promise<LocalPool> {
  // Admin operations are SigV4-signed; the emulator accepts any credentials.
  const admin = new CognitoIdentityProviderClient({
    region: 'local',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  try {
    const pools = await admin.send(new ListUserPoolsCommand({ MaxResults: 60 }))
    let userPoolId = pools.UserPools?.find((p) => p.Name === POOL_NAME)?.Id
    if (!userPoolId) {
      const created = await admin.send(
        new CreateUserPoolCommand({
          PoolName: POOL_NAME,
          UsernameAttributes: ['email'],
          // deploy/cdk's pool: signInCaseSensitive: false.
          UsernameConfiguration: { CaseSensitive: false },
          AutoVerifiedAttributes: ['email'],
          Schema: [{ Name: 'nickname', AttributeDataType: 'String', Mutable: true, Required: true }],
          Policies: {
            PasswordPolicy: {
              MinimumLength: 8,
              RequireLowercase: true,
              RequireUppercase: true,
              RequireNumbers: true,
              RequireSymbols: true,
            },
          },
        }),
      )
      userPoolId = created.UserPool!.Id!
    }
    // GET /sessions and DELETE /sessions/{id} need the pool to track sessions (deploy/cdk's pool does too).
    await admin.send(
      new SetUserPoolSessionConfigurationCommand({
        UserPoolId: userPoolId,
        UserSessionTracking: 'ENABLED',
        TokenSession: { MaxPerUser: 20 },
      }),
    )

    const clients = await admin.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }))
    let clientId = clients.UserPoolClients?.find((c) => c.ClientName === CLIENT_NAME)?.ClientId
    if (!clientId) {
      const created = await admin.send(
        new CreateUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientName: CLIENT_NAME,
          GenerateSecret: true,
          ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
        }),
      )
      clientId = created.UserPoolClient!.ClientId!
    }
    const described = await admin.send(
      new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }),
    )
    const clientSecret = described.UserPoolClient?.ClientSecret
    if (!clientSecret) throw new Error(`local app client ${clientId} has no secret`)
    return { userPoolId, clientId, clientSecret }
  } finally {
    admin.destroy()
  }
}
