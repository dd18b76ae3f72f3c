// Reads the pool and the app client the service is configured for, with the operator's AWS
// credentials (the SDK's default chain) and the service's own region and endpoint.
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  GetUserPoolMfaConfigCommand,
  GetUserPoolSessionConfigurationCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import type { CognitoConfig } from '../config.ts'
import type { PoolFacts } from './checks.ts'

/** An admin client for the configured pool's region (and endpoint, for an emulator or a VPC endpoint). */
export function adminClient(cognito: Pick<CognitoConfig, 'region' | 'endpoint'>): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: cognito.region,
    ...(cognito.endpoint === undefined ? {} : { endpoint: cognito.endpoint }),
  })
}

/** The error's name and message, for a report line (never a credential: AWS error texts carry none). */
export const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error)

/**
 * DescribeUserPool, DescribeUserPoolClient, GetUserPoolMfaConfig and GetUserPoolSessionConfiguration
 * for the configured pool and client. Throws what the SDK throws for the first three (no pool, no
 * permission: nothing to check); a refused session read is kept as a finding of its own.
 */
export async function readPool(
  admin: CognitoIdentityProviderClient,
  { userPoolId, clientId }: Pick<CognitoConfig, 'userPoolId' | 'clientId'>,
): Promise<PoolFacts> {
  const [pool, client, mfa] = await Promise.all([
    admin.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId })),
    admin.send(new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId })),
    admin.send(new GetUserPoolMfaConfigCommand({ UserPoolId: userPoolId })),
  ])
  const sessionTracking = await admin
    .send(new GetUserPoolSessionConfigurationCommand({ UserPoolId: userPoolId }))
    .then((out) => ({ enabled: out.UserSessionTracking === 'ENABLED' }))
    .catch((error: unknown) => ({ error: describeError(error) }))
  return { pool: pool.UserPool ?? {}, client: client.UserPoolClient ?? {}, mfa, sessionTracking }
}
