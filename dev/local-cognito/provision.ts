// Idempotent set-up of the local user pool and app client, in the shape the production pool has
// (deploy/cdk/lib/pool-shape.ts, which the CDK stack builds from too): email as the sign-in name in
// any case, a required mutable nickname, email auto-verified and kept until a new one is verified,
// optional TOTP MFA, session tracking on, choice-based sign-in, the Essentials plan, an app client with
// a secret. The app client is the stack's in either refresh mode: one that rotates refresh tokens
// (with the stack's default grace period), or one that does not and so also allows REFRESH_TOKEN_AUTH;
// each has its own name, so both live in one data directory. Found by name on later runs, so users
// persist across restarts, and brought up to the shape on every start.
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
import {
  CLIENT_SHAPE,
  POOL_SHAPE,
  REFRESH_TOKEN_FLOWS,
  REFRESH_TOKEN_GRACE_SECONDS,
} from '../../deploy/cdk/lib/pool-shape.ts'

export interface LocalPool {
  userPoolId: string
  clientId: string
  clientSecret: string
  /** The app client rotates refresh tokens (GetTokensFromRefreshToken), with this grace period. */
  rotation?: { graceSeconds: number }
}

export interface ProvisionOptions {
  /** An app client that rotates refresh tokens, as the stack's does by default (COGNITO_REFRESH_TOKEN_ROTATION). */
  refreshTokenRotation?: boolean
}

export const POOL_NAME = 'user-service-local'
export const CLIENT_NAME = 'user-service'
export const ROTATING_CLIENT_NAME = 'user-service-rotating'
/** Passkeys belong to this domain; pages on http://localhost:<any port> may use them (dev/passkeys). */
export const LOCAL_RELYING_PARTY_ID = 'localhost'

/** The app client settings of the stack's client (user-pool.ts) in one refresh mode. */
function clientSettings(rotation: boolean) {
  return {
    ExplicitAuthFlows: rotation
      ? [...CLIENT_SHAPE.ExplicitAuthFlows]
      : [...CLIENT_SHAPE.ExplicitAuthFlows, ...REFRESH_TOKEN_FLOWS],
    PreventUserExistenceErrors: CLIENT_SHAPE.PreventUserExistenceErrors,
    EnableTokenRevocation: CLIENT_SHAPE.EnableTokenRevocation,
    AuthSessionValidity: CLIENT_SHAPE.AuthSessionValidity,
    EnablePropagateAdditionalUserContextData: CLIENT_SHAPE.EnablePropagateAdditionalUserContextData,
    ...(rotation
      ? { RefreshTokenRotation: { Feature: 'ENABLED' as const, RetryGracePeriodSeconds: REFRESH_TOKEN_GRACE_SECONDS } }
      : {}),
  }
}

/** The settings UpdateUserPool can change. */
const POOL_SETTINGS = {
  UserPoolTier: POOL_SHAPE.FeaturePlan,
  // The stack's pool sends through SES (emailed sign-in codes need it); cognito-local prints the codes
  // whatever this says, and DescribeUserPool answers it, so the doctor finds the pool as the stack's.
  EmailConfiguration: {
    EmailSendingAccount: 'DEVELOPER' as const,
    From: 'no-reply@localhost',
    SourceArn: 'arn:aws:ses:local:000000000000:identity/no-reply@localhost',
  },
  AutoVerifiedAttributes: [...POOL_SHAPE.AutoVerifiedAttributes],
  UserAttributeUpdateSettings: {
    AttributesRequireVerificationBeforeUpdate: [...POOL_SHAPE.AttributesRequireVerificationBeforeUpdate],
  },
  Policies: {
    PasswordPolicy: POOL_SHAPE.PasswordPolicy,
    SignInPolicy: { AllowedFirstAuthFactors: [...POOL_SHAPE.AllowedFirstAuthFactors] },
  },
}

/**
 * Creates or updates the local pool and the app client of the refresh mode asked for; returns their
 * ids and the client's secret. Throws when the emulator refuses a call or the client has no secret.
 */
export async function provision(
  endpoint: string,
  { refreshTokenRotation = false }: ProvisionOptions = {},
): Promise<LocalPool> {
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

    const clientName = refreshTokenRotation ? ROTATING_CLIENT_NAME : CLIENT_NAME
    const settings = clientSettings(refreshTokenRotation)
    const clients = await admin.send(new ListUserPoolClientsCommand({ UserPoolId: userPoolId, MaxResults: 60 }))
    let clientId = clients.UserPoolClients?.find((c) => c.ClientName === clientName)?.ClientId
    if (!clientId) {
      const created = await admin.send(
        new CreateUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientName: clientName,
          GenerateSecret: CLIENT_SHAPE.GenerateSecret,
          ...settings,
        }),
      )
      clientId = created.UserPoolClient!.ClientId!
    } else {
      // A client from an earlier run gets the settings added since.
      await admin.send(new UpdateUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId, ...settings }))
    }
    const described = await admin.send(
      new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }),
    )
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
    return {
      userPoolId,
      clientId,
      clientSecret,
      ...(refreshTokenRotation ? { rotation: { graceSeconds: REFRESH_TOKEN_GRACE_SECONDS } } : {}),
    }
  } finally {
    admin.destroy()
  }
}
