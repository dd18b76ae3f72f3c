// The AWS SDK v3 as a CognitoTransport. Loaded on first use only (see gateway-core.ts): the SDK is the
// largest part of the service's start-up and memory, and the hot routes do not need it.
import {
  AdminGetUserCommand,
  AdminUserGlobalSignOutCommand,
  ChangePasswordCommand,
  CognitoIdentityProviderClient,
  ConfirmForgotPasswordCommand,
  ConfirmSignUpCommand,
  DeleteUserCommand,
  ForgotPasswordCommand,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ListUserSessionsCommand,
  ResendConfirmationCodeCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  RevokeUserSessionCommand,
  SignUpCommand,
  AssociateSoftwareTokenCommand,
  VerifySoftwareTokenCommand,
  SetUserMFAPreferenceCommand,
  UpdateUserAttributesCommand,
  VerifyUserAttributeCommand,
  StartWebAuthnRegistrationCommand,
  CompleteWebAuthnRegistrationCommand,
  ListWebAuthnCredentialsCommand,
  DeleteWebAuthnCredentialCommand,
  GetUserAuthFactorsCommand,
} from '@aws-sdk/client-cognito-identity-provider'
import type { CognitoConfig } from '../config.ts'
import type { OperationName } from './operations.ts'
import type { CognitoTransport } from './transport.ts'

const COMMANDS = {
  SignUp: SignUpCommand,
  InitiateAuth: InitiateAuthCommand,
  RespondToAuthChallenge: RespondToAuthChallengeCommand,
  ConfirmSignUp: ConfirmSignUpCommand,
  ResendConfirmationCode: ResendConfirmationCodeCommand,
  ForgotPassword: ForgotPasswordCommand,
  ConfirmForgotPassword: ConfirmForgotPasswordCommand,
  GetUser: GetUserCommand,
  GlobalSignOut: GlobalSignOutCommand,
  ChangePassword: ChangePasswordCommand,
  // TOTP and email change
  AssociateSoftwareToken: AssociateSoftwareTokenCommand,
  VerifySoftwareToken: VerifySoftwareTokenCommand,
  SetUserMFAPreference: SetUserMFAPreferenceCommand,
  UpdateUserAttributes: UpdateUserAttributesCommand,
  VerifyUserAttribute: VerifyUserAttributeCommand,
  StartWebAuthnRegistration: StartWebAuthnRegistrationCommand,
  CompleteWebAuthnRegistration: CompleteWebAuthnRegistrationCommand,
  ListWebAuthnCredentials: ListWebAuthnCredentialsCommand,
  DeleteWebAuthnCredential: DeleteWebAuthnCredentialCommand,
  GetUserAuthFactors: GetUserAuthFactorsCommand,
  GetTokensFromRefreshToken: GetTokensFromRefreshTokenCommand,
  RevokeToken: RevokeTokenCommand,
  DeleteUser: DeleteUserCommand,
  ListUserSessions: ListUserSessionsCommand,
  RevokeUserSession: RevokeUserSessionCommand,
  AdminGetUser: AdminGetUserCommand,
  AdminUserGlobalSignOut: AdminUserGlobalSignOutCommand,
} as const satisfies Record<OperationName, unknown>

export function createSdkTransport(config: CognitoConfig): CognitoTransport {
  const client = new CognitoIdentityProviderClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    // Bounded retries (transient and throttling errors only, by the SDK's standard strategy); the
    // per-call deadline caps the total.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: config.connectTimeoutMs, requestTimeout: config.timeoutMs },
  })
  return {
    send(operation, input, abortSignal) {
      const Command = COMMANDS[operation] as unknown as new (input: unknown) => Parameters<typeof client.send>[0]
      return client.send(new Command(input), { abortSignal }) as never
    },
  }
}
