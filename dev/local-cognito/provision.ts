// Idempotent set-up of the local user pool and app client, in the shape the production pool has
// (deploy/cdk/lib/pool-shape.ts, which the CDK stack builds from too): email as the sign-in name in
// any case, a required mutable nickname, email auto-verified and kept until a new one is verified,
// optional TOTP MFA, session tracking on, choice-based sign-in, an app client with a secret. The
// local client does not rotate refresh tokens, so it also allows REFRESH_TOKEN_AUTH. Found by name on
// later runs, so users persist across restarts.
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DescribeUserPoolClientCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  SetUserPoolMfaConfigCommand,
  UpdateUserPoolCommand,
  UpdateUserPoolClientCommand,
  SetUserPoolSessionConfigurationCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import { CLIENT_SHAPE, POOL_SHAPE, REFRESH_TOKEN_FLOWS } from '../../deploy/cdk/lib/pool-shape.ts'

export interface LocalPool {
  userPoolId: string
  clientId: string
  clientSecret: string
}

export const POOL_NAME = 'user-service-local'
export const CLIENT_NAME = 'user-service'
/** Passkeys belong to this domain; pages on http://localhost:<any port> may use them (dev/passkeys). */
export const LOCAL_RELYING_PARTY_ID = 'localhost'
const AUTH_FLOWS = [...CLIENT_SHAPE.ExplicitAuthFlows, ...REFRESH_TOKEN_FLOWS]

/** The settings UpdateUserPool can change. */
const POOL_SETTINGS = {
  AutoVerifiedAttributes: [...POOL_SHAPE.AutoVerifiedAttributes],
  UserAttributeUpdateSettings: {
    AttributesRequireVerificationBeforeUpdate: [...POOL_SHAPE.AttributesRequireVerificationBeforeUpdate],
  },
  Policies: {
    PasswordPolicy: POOL_SHAPE.PasswordPolicy,
    SignInPolicy: { AllowedFirstAuthFactors: [...POOL_SHAPE.AllowedFirstAuthFactors] },
  },
}

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
          UsernameAttributes: [...POOL_SHAPE.UsernameAttributes],
          UsernameConfiguration: { CaseSensitive: POOL_SHAPE.CaseSensitiveUsernames },
          Schema: POOL_SHAPE.RequiredAttributes.map(({ Name, Mutable }) => ({
            Name,
            AttributeDataType: 'String' as const,
            Mutable,
            Required: true,
          })),
          ...POOL_SETTINGS,
        }),
      )
      userPoolId = created.UserPool!.Id!
    } else {
      // A pool from an earlier run gets the settings added since (UpdateUserPool sets them all at once).
      await admin.send(new UpdateUserPoolCommand({ UserPoolId: userPoolId, ...POOL_SETTINGS }))
    }
    await admin.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: userPoolId,
        MfaConfiguration: POOL_SHAPE.MfaConfiguration,
        SoftwareTokenMfaConfiguration: {
          Enabled: (POOL_SHAPE.EnabledMfas as readonly string[]).includes('SOFTWARE_TOKEN_MFA'),
        },
      }),
    )
    await admin.send(
      new SetUserPoolSessionConfigurationCommand({
        UserPoolId: userPoolId,
        UserSessionTracking: POOL_SHAPE.UserSessionTracking,
        TokenSession: { MaxPerUser: POOL_SHAPE.TokenSessionMaxPerUser },
      }),
    )

    const clients = await admin.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }))
    let clientId = clients.UserPoolClients?.find((c) => c.ClientName === CLIENT_NAME)?.ClientId
    if (!clientId) {
      const created = await admin.send(
        new CreateUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientName: CLIENT_NAME,
          GenerateSecret: CLIENT_SHAPE.GenerateSecret,
          ExplicitAuthFlows: AUTH_FLOWS,
          PreventUserExistenceErrors: CLIENT_SHAPE.PreventUserExistenceErrors,
          EnableTokenRevocation: CLIENT_SHAPE.EnableTokenRevocation,
        }),
      )
      clientId = created.UserPoolClient!.ClientId!
    }
    const described = await admin.send(
      new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }),
    )
    // Pools and clients made before passwordless sign-in existed get it on the next start.
    if (!described.UserPoolClient?.ExplicitAuthFlows?.includes('ALLOW_USER_AUTH')) {
      await admin.send(
        new UpdateUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientId: clientId,
          ExplicitAuthFlows: AUTH_FLOWS,
          PreventUserExistenceErrors: CLIENT_SHAPE.PreventUserExistenceErrors,
          EnableTokenRevocation: CLIENT_SHAPE.EnableTokenRevocation,
        }),
      )
    }
    await admin.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: userPoolId,
        WebAuthnConfiguration: {
          RelyingPartyId: LOCAL_RELYING_PARTY_ID,
          UserVerification: POOL_SHAPE.WebAuthnUserVerification,
        },
      }),
    )
    const clientSecret = described.UserPoolClient?.ClientSecret
    if (!clientSecret) throw new Error(`local app client ${clientId} has no secret`)
    return { userPoolId, clientId, clientSecret }
  } finally {
    admin.destroy()
  }
}
