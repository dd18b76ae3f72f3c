// Every Cognito API operation the service calls, in one list: the operation-name union, the SDK
// transport's command table (sdk-transport.ts) and the request/response types (transport.ts) are
// all checked against it.

/**
 * Each operation and the transport that carries it. `json`: the thin JSON 1.1 client
 * (json-transport.ts), for the operations behind /signup, every sign-in (/signin, its challenges,
 * passwordless) and /token/refresh, where the traffic is, and the two unauthenticated email routes
 * anyone can call: under mixed traffic, loading the SDK for them alone cost much of the memory and
 * throughput (docs/performance.md, "Choices made for speed"). All of them are unauthenticated in
 * Cognito's API (no SigV4). `sdk`: the AWS SDK, loaded on first use.
 */
export const OPERATIONS = {
  SignUp: 'json',
  InitiateAuth: 'json',
  RespondToAuthChallenge: 'json',
  ConfirmSignUp: 'sdk',
  ResendConfirmationCode: 'json',
  ForgotPassword: 'json',
  ConfirmForgotPassword: 'sdk',
  GetUser: 'sdk',
  GlobalSignOut: 'sdk',
  ChangePassword: 'sdk',
  // TOTP and email change
  AssociateSoftwareToken: 'sdk',
  VerifySoftwareToken: 'sdk',
  SetUserMFAPreference: 'sdk',
  UpdateUserAttributes: 'sdk',
  VerifyUserAttribute: 'sdk',
  // Passkeys
  StartWebAuthnRegistration: 'sdk',
  CompleteWebAuthnRegistration: 'sdk',
  ListWebAuthnCredentials: 'sdk',
  DeleteWebAuthnCredential: 'sdk',
  GetUserAuthFactors: 'sdk',
  // Tokens: rotating refresh, signing out one device, deleting the account, sessions.
  GetTokensFromRefreshToken: 'json',
  RevokeToken: 'sdk',
  DeleteUser: 'sdk',
  ListUserSessions: 'sdk',
  RevokeUserSession: 'sdk',
  // Ending every session of an account after its password changed: the only two operations that
  // need IAM permissions (the task role's; SigV4-signed by the SDK).
  AdminGetUser: 'sdk',
  AdminUserGlobalSignOut: 'sdk',
} as const satisfies Record<string, 'json' | 'sdk'>

/** A Cognito API operation the service calls. */
export type OperationName = keyof typeof OPERATIONS

/**
 * Labels a call can carry instead of its operation's name, where one operation means something else
 * for one use: its failures map differently (errors.ts) and its metrics are counted apart.
 */
export type CallLabel =
  /** InitiateAuth with REFRESH_TOKEN_AUTH: its failures are about the token, not a password. */
  | 'RefreshTokenAuth'
  /** AssociateSoftwareToken / VerifySoftwareToken with an MFA_SETUP session: failures are about the session. */
  | 'AssociateSoftwareTokenInSetup'
  | 'VerifySoftwareTokenInSetup'
  /** InitiateAuth with USER_AUTH (passwordless sign-in). */
  | 'UserAuth'
  /**
   * InitiateAuth USER_PASSWORD_AUTH and RespondToAuthChallenge SOFTWARE_TOKEN_MFA run by a signed-in
   * user to prove both factors (turning the authenticator app off): a wrong password or code is
   * the caller's, never a bearer failure; counted apart from sign-ins.
   */
  | 'FactorProofSignIn'
  | 'FactorProofChallenge'
  /** RevokeToken of the session a factor proof minted: any failure is ours (the change must not go on). */
  | 'FactorProofRevoke'
  /** SetUserMFAPreference with WebAuthnMfaSettings: its refusal is about passkey MFA, not TOTP. */
  | 'SetPasskeyMfa'

/** What a call is known by in the error table and the metrics: its operation, or its label. */
export type CognitoOperation = OperationName | CallLabel
