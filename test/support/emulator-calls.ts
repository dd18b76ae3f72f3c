// Cognito JSON 1.1 calls straight to the local Cognito (not through the verifying proxy), for the
// tests that show what the emulator itself accepts and refuses (test/local-cognito/*).
import { expect } from 'bun:test'
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  SetUserPoolMfaConfigCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import { generateSync } from 'otplib'
import { AMZ_JSON_11, referenceSecretHash } from './cognito-wire.ts'
import type { TestCognito } from './cognito.ts'
import { PASSWORD, uniqueEmail } from './util.ts'

export interface CognitoAnswer {
  status: number
  type: string | undefined
  message: string | undefined
  body: Record<string, any>
}

/** One Cognito JSON 1.1 call to the emulator at `endpoint`: its status, exception name and message, body. */
export async function callEmulator(
  endpoint: string,
  operation: string,
  input: Record<string, unknown>,
): Promise<CognitoAnswer> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': AMZ_JSON_11, 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
    body: JSON.stringify(input),
  })
  const body = (await res.json()) as Record<string, any>
  return { status: res.status, type: body.__type ?? body.code, message: body.message, body }
}

/** A 400 with Cognito's exception name (and message, when given). */
export function expectRefused(answer: CognitoAnswer, type: string, message?: string | RegExp): void {
  expect({ status: answer.status, type: answer.type }).toEqual({ status: 400, type })
  if (message !== undefined) expect(answer.message).toMatch(message)
}

/** The current code of an authenticator app holding `secret` (RFC 6238: SHA-1, 6 digits, 30 s, as Cognito). */
export const totpCode = (secret: string): string => generateSync({ secret })

/** Calls for one app client of a pool of the emulator (the test pool's own by default). */
export function emulatorClient(
  cognito: TestCognito,
  app = { clientId: cognito.pool.clientId, clientSecret: cognito.pool.clientSecret },
) {
  const call = (operation: string, input: Record<string, unknown>) =>
    callEmulator(cognito.emulator.endpoint, operation, input)
  const hash = (username: string) => referenceSecretHash(app.clientSecret, username, app.clientId)
  const signIn = (email: string, password = PASSWORD) =>
    call('InitiateAuth', {
      ClientId: app.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password, SECRET_HASH: hash(email) },
    })
  /** SignUp of `email` with `password` (nickname "n"). */
  const signUp = (email: string, password = PASSWORD) =>
    call('SignUp', {
      ClientId: app.clientId,
      Username: email,
      Password: password,
      SecretHash: hash(email),
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'nickname', Value: 'n' },
      ],
    })
  /** A signed-up, confirmed user (the code read from what the emulator "emailed"). */
  const confirmedUser = async (tag: string) => {
    const email = uniqueEmail(tag)
    const created = await signUp(email)
    expect(created.status).toBe(200)
    const confirmed = await call('ConfirmSignUp', {
      ClientId: app.clientId,
      Username: email,
      ConfirmationCode: await cognito.codeFor(email),
      SecretHash: hash(email),
    })
    expect(confirmed.status).toBe(200)
    return { email, sub: created.body.UserSub as string }
  }
  /** A confirmed user, signed in: its AuthenticationResult (`tokens`) and access token. */
  const signedInUser = async (tag: string) => {
    const user = await confirmedUser(tag)
    const signedIn = await signIn(user.email)
    expect(signedIn.status).toBe(200)
    const tokens = signedIn.body.AuthenticationResult as Record<string, string>
    return { ...user, tokens, accessToken: tokens.AccessToken! }
  }
  return { call, hash, signUp, signIn, confirmedUser, signedInUser, clientId: app.clientId }
}

/** The environment (for `cognito.serviceEnv`) of a service on a pool createPoolWithMfa made. */
export const poolServiceEnv = (
  cognito: TestCognito,
  pool: { userPoolId: string; clientId: string; clientSecret: string },
) => ({
  COGNITO_USER_POOL_ID: pool.userPoolId,
  COGNITO_CLIENT_ID: pool.clientId,
  COGNITO_CLIENT_SECRET: pool.clientSecret,
  COGNITO_ISSUER: `${cognito.emulator.endpoint}/${pool.userPoolId}`,
})

/**
 * A new pool of the emulator like the local one (email sign-in, nickname) but with this MFA
 * configuration (and WebAuthnConfiguration.FactorConfiguration when given), and an app client with a
 * secret; registered with the verifying proxy.
 */
export async function createPoolWithMfa(
  cognito: TestCognito,
  mfa: 'ON' | 'OFF' | 'OPTIONAL',
  totp: boolean,
  passkeyFactors?: 'SINGLE_FACTOR' | 'MULTI_FACTOR_WITH_USER_VERIFICATION',
) {
  const admin = new CognitoIdentityProviderClient({
    region: 'local',
    endpoint: cognito.emulator.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  try {
    const pool = await admin.send(
      new CreateUserPoolCommand({
        PoolName: `mfa-${mfa}-${totp}-${Date.now()}`,
        UsernameAttributes: ['email'],
        AutoVerifiedAttributes: ['email'],
        Schema: [{ Name: 'nickname', AttributeDataType: 'String', Mutable: true, Required: true }],
        // With a passkey configuration, passkeys and emailed codes can sign in (and passkeys be registered) too.
        ...(passkeyFactors
          ? { Policies: { SignInPolicy: { AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'] } } }
          : {}),
      }),
    )
    const userPoolId = pool.UserPool!.Id!
    await admin.send(
      new SetUserPoolMfaConfigCommand({
        UserPoolId: userPoolId,
        MfaConfiguration: mfa,
        SoftwareTokenMfaConfiguration: { Enabled: totp },
        ...(passkeyFactors
          ? { WebAuthnConfiguration: { RelyingPartyId: 'localhost', FactorConfiguration: passkeyFactors } }
          : {}),
      }),
    )
    const client = await admin.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: 'mfa',
        GenerateSecret: true,
        ExplicitAuthFlows: [
          'ALLOW_USER_PASSWORD_AUTH',
          'ALLOW_REFRESH_TOKEN_AUTH',
          ...(passkeyFactors ? ['ALLOW_USER_AUTH' as const] : []),
        ],
      }),
    )
    const clientId = client.UserPoolClient!.ClientId!
    const clientSecret = client.UserPoolClient!.ClientSecret!
    cognito.proxy.addClient(clientId, clientSecret)
    return { userPoolId, clientId, clientSecret }
  } finally {
    admin.destroy()
  }
}
