// Idempotent set-up of the local user pool and app client, shaped like the production pool:
// email as the sign-in name in any case (case-insensitive usernames), a required mutable nickname, email auto-verified
// and kept until a new one is verified, optional TOTP MFA, session tracking on, an app client with a
// secret allowing USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH. Found by name on later runs, so users
// persist across restarts.
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
  type AuthFactorType,
  type ExplicitAuthFlowsType,
  SetUserPoolSessionConfigurationCommand,
} from '@aws-sdk/client-cognito-identity-provider'

export interface LocalPool {
  userPoolId: string
  clientId: string
  clientSecret: string
}

export const POOL_NAME = 'user-service-local'
export const CLIENT_NAME = 'user-service'
/** Passkeys belong to this domain; pages on http://localhost:<any port> may use them (dev/passkeys). */
export const LOCAL_RELYING_PARTY_ID = 'localhost'
// deploy/cdk's pool and client: choice-based sign-in with these first factors, user existence hidden.
const FIRST_FACTORS: AuthFactorType[] = ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN']
const AUTH_FLOWS: ExplicitAuthFlowsType[] = ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_AUTH']

/** The settings UpdateUserPool can change, as deploy/cdk's pool has them. */
const POOL_SETTINGS = {
  AutoVerifiedAttributes: ['email' as const],
  // Keep the current email until the new one is verified: a typo in a new address must not lock the
  // user out (deploy/cdk's pool: keepOriginal.email).
  UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email' as const] },
  Policies: {
    PasswordPolicy: {
      MinimumLength: 8,
      RequireLowercase: true,
      RequireUppercase: true,
      RequireNumbers: true,
      RequireSymbols: true,
    },
    SignInPolicy: { AllowedFirstAuthFactors: FIRST_FACTORS },
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
          UsernameAttributes: ['email'],
          // deploy/cdk's pool: signInCaseSensitive: false.
          UsernameConfiguration: { CaseSensitive: false },
          Schema: [{ Name: 'nickname', AttributeDataType: 'String', Mutable: true, Required: true }],
          ...POOL_SETTINGS,
        }),
      )
      userPoolId = created.UserPool!.Id!
    } else {
      // A pool from an earlier run gets the settings added since (UpdateUserPool sets them all at once).
      await admin.send(new UpdateUserPoolCommand({ UserPoolId: userPoolId, ...POOL_SETTINGS }))
    }
    // deploy/cdk's pool: MFA optional, with authenticator apps (TOTP) as the second factor.
    await admin.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: userPoolId,
        MfaConfiguration: 'OPTIONAL',
        SoftwareTokenMfaConfiguration: { Enabled: true },
      }),
    )
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
          ExplicitAuthFlows: AUTH_FLOWS,
          PreventUserExistenceErrors: 'ENABLED',
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
          PreventUserExistenceErrors: 'ENABLED',
        }),
      )
    }
    await admin.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: userPoolId,
        WebAuthnConfiguration: { RelyingPartyId: LOCAL_RELYING_PARTY_ID, UserVerification: 'preferred' },
      }),
    )
    const clientSecret = described.UserPoolClient?.ClientSecret
    if (!clientSecret) throw new Error(`local app client ${clientId} has no secret`)
    return { userPoolId, clientId, clientSecret }
  } finally {
    admin.destroy()
  }
}
