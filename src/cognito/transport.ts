// What the gateway needs from a Cognito client: send one operation, typed by the SDK's own request
// and response shapes. Two implementations: the AWS SDK (sdk-transport.ts) and a thin JSON 1.1
// client for the hot path (json-transport.ts). Errors of both look alike to errors.ts: an Error
// named after the Cognito exception, with $metadata.httpStatusCode, or a transport error with a code.
import type {
  AdminGetUserRequest,
  AdminGetUserResponse,
  AdminUserGlobalSignOutRequest,
  AdminUserGlobalSignOutResponse,
  ChangePasswordRequest,
  ChangePasswordResponse,
  ConfirmForgotPasswordRequest,
  ConfirmForgotPasswordResponse,
  ConfirmSignUpRequest,
  ConfirmSignUpResponse,
  DeleteUserRequest,
  ForgotPasswordRequest,
  ForgotPasswordResponse,
  GetUserRequest,
  GetTokensFromRefreshTokenRequest,
  GetTokensFromRefreshTokenResponse,
  GetUserResponse,
  GlobalSignOutRequest,
  GlobalSignOutResponse,
  InitiateAuthRequest,
  InitiateAuthResponse,
  ListUserSessionsRequest,
  ListUserSessionsResponse,
  ResendConfirmationCodeRequest,
  ResendConfirmationCodeResponse,
  RespondToAuthChallengeRequest,
  RespondToAuthChallengeResponse,
  RevokeTokenRequest,
  RevokeTokenResponse,
  RevokeUserSessionRequest,
  RevokeUserSessionResponse,
  SignUpRequest,
  SignUpResponse,
  AssociateSoftwareTokenRequest,
  AssociateSoftwareTokenResponse,
  VerifySoftwareTokenRequest,
  VerifySoftwareTokenResponse,
  SetUserMFAPreferenceRequest,
  SetUserMFAPreferenceResponse,
  UpdateUserAttributesRequest,
  UpdateUserAttributesResponse,
  VerifyUserAttributeRequest,
  VerifyUserAttributeResponse,
  StartWebAuthnRegistrationRequest,
  StartWebAuthnRegistrationResponse,
  CompleteWebAuthnRegistrationRequest,
  CompleteWebAuthnRegistrationResponse,
  ListWebAuthnCredentialsRequest,
  ListWebAuthnCredentialsResponse,
  DeleteWebAuthnCredentialRequest,
  DeleteWebAuthnCredentialResponse,
  GetUserAuthFactorsRequest,
  GetUserAuthFactorsResponse,
} from '@aws-sdk/client-cognito-identity-provider'
import type { OperationName } from './operations.ts'

/** A table with exactly one entry per operation of operations.ts: a missing or extra one fails to compile. */
type PerOperation<T extends Record<OperationName, [object, object]> & Record<Exclude<keyof T, OperationName>, never>> =
  T

/** Cognito API operation -> [request, response]. */
export type CognitoOperations = PerOperation<{
  SignUp: [SignUpRequest, SignUpResponse]
  InitiateAuth: [InitiateAuthRequest, InitiateAuthResponse]
  RespondToAuthChallenge: [RespondToAuthChallengeRequest, RespondToAuthChallengeResponse]
  ConfirmSignUp: [ConfirmSignUpRequest, ConfirmSignUpResponse]
  ResendConfirmationCode: [ResendConfirmationCodeRequest, ResendConfirmationCodeResponse]
  ForgotPassword: [ForgotPasswordRequest, ForgotPasswordResponse]
  ConfirmForgotPassword: [ConfirmForgotPasswordRequest, ConfirmForgotPasswordResponse]
  GetUser: [GetUserRequest, GetUserResponse]
  GlobalSignOut: [GlobalSignOutRequest, GlobalSignOutResponse]
  ChangePassword: [ChangePasswordRequest, ChangePasswordResponse]
  // TOTP and email change
  AssociateSoftwareToken: [AssociateSoftwareTokenRequest, AssociateSoftwareTokenResponse]
  VerifySoftwareToken: [VerifySoftwareTokenRequest, VerifySoftwareTokenResponse]
  SetUserMFAPreference: [SetUserMFAPreferenceRequest, SetUserMFAPreferenceResponse]
  UpdateUserAttributes: [UpdateUserAttributesRequest, UpdateUserAttributesResponse]
  VerifyUserAttribute: [VerifyUserAttributeRequest, VerifyUserAttributeResponse]
  // Passwordless sign-in and passkeys
  StartWebAuthnRegistration: [StartWebAuthnRegistrationRequest, StartWebAuthnRegistrationResponse]
  CompleteWebAuthnRegistration: [CompleteWebAuthnRegistrationRequest, CompleteWebAuthnRegistrationResponse]
  ListWebAuthnCredentials: [ListWebAuthnCredentialsRequest, ListWebAuthnCredentialsResponse]
  DeleteWebAuthnCredential: [DeleteWebAuthnCredentialRequest, DeleteWebAuthnCredentialResponse]
  GetUserAuthFactors: [GetUserAuthFactorsRequest, GetUserAuthFactorsResponse]
  // Tokens: rotating refresh, signing out one device, deleting the account.
  GetTokensFromRefreshToken: [GetTokensFromRefreshTokenRequest, GetTokensFromRefreshTokenResponse]
  RevokeToken: [RevokeTokenRequest, RevokeTokenResponse]
  // DeleteUser answers an empty body (the SDK declares no response type for it).
  DeleteUser: [DeleteUserRequest, Record<string, never>]
  ListUserSessions: [ListUserSessionsRequest, ListUserSessionsResponse]
  RevokeUserSession: [RevokeUserSessionRequest, RevokeUserSessionResponse]
  // Ending every session after a password change (IAM).
  AdminGetUser: [AdminGetUserRequest, AdminGetUserResponse]
  AdminUserGlobalSignOut: [AdminUserGlobalSignOutRequest, AdminUserGlobalSignOutResponse]
}>

export interface CognitoTransport {
  send<K extends OperationName>(
    operation: K,
    input: CognitoOperations[K][0],
    abortSignal: AbortSignal,
  ): Promise<CognitoOperations[K][1]>
}
