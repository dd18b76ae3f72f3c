// The shape of the user pool and its app client that the service relies on, as plain data in the
// Cognito API's own names: the CDK stack (user-pool.ts) builds it on AWS, dev/local-cognito/provision.ts
// builds it in the local emulator, and deploy/cdk/test checks the synthesized template against it.
// No CDK import here, so the local pool can read it without aws-cdk-lib.

/**
 * The pool: email is the sign-in name in any letter case, a required mutable nickname, the email
 * auto-verified and a changed one kept pending until its code is verified, optional TOTP MFA, and
 * choice-based sign-in with passwords, emailed codes and passkeys.
 */
export const POOL_SHAPE = {
  UsernameAttributes: ['email'] as const,
  /** signInCaseSensitive: false in CDK. */
  CaseSensitiveUsernames: false,
  AutoVerifiedAttributes: ['email'] as const,
  // A typo in a new address must not lock the user out: the current email stays until the new one
  // is verified (UserAttributeUpdateSettings).
  AttributesRequireVerificationBeforeUpdate: ['email'] as const,
  /** Custom-schema attributes besides email (which every email-as-username pool has). */
  RequiredAttributes: [{ Name: 'nickname', Mutable: true }] as const,
  // The policy the service's messages and the tests' passwords assume.
  PasswordPolicy: {
    MinimumLength: 8,
    RequireLowercase: true,
    RequireUppercase: true,
    RequireNumbers: true,
    RequireSymbols: true,
  },
  // Users may turn on an authenticator app (POST /me/mfa/totp); SMS would need an SNS set-up.
  MfaConfiguration: 'OPTIONAL' as const,
  EnabledMfas: ['SOFTWARE_TOKEN_MFA'] as const,
  // Email codes and passkeys as first factors, and session tracking, need the Essentials plan or Plus
  // (developer guide, "User pool feature plans"); CreateUserPool `UserPoolTier`.
  FeaturePlan: 'ESSENTIALS' as const,
  // Developer guide, "Authentication flows: choice-based authentication".
  AllowedFirstAuthFactors: ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'] as const,
  WebAuthnUserVerification: 'preferred' as const,
  // GET /sessions and DELETE /sessions/{id} need session tracking; 20 is Cognito's default: the 21st
  // sign-in ends the least recently used session.
  UserSessionTracking: 'ENABLED' as const,
  TokenSessionMaxPerUser: 20,
}

/**
 * The app client: a generated secret (every call carries SECRET_HASH), USER_PASSWORD_AUTH (POST
 * /signin) and USER_AUTH (POST /signin/passwordless), unknown users and wrong passwords alike (the
 * service relies on it against enumeration), token revocation on (POST /signout/device; it also puts
 * origin_jti in the tokens, which the revocation list keys on). A client that does not rotate refresh
 * tokens also needs ALLOW_REFRESH_TOKEN_AUTH (REFRESH_TOKEN_FLOWS).
 */
export const CLIENT_SHAPE = {
  GenerateSecret: true,
  ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_AUTH'] as const,
  PreventUserExistenceErrors: 'ENABLED' as const,
  EnableTokenRevocation: true,
  /**
   * Minutes a challenge session lives (CreateUserPoolClient `AuthSessionValidity`, 3-15, default 3).
   * An emailed sign-in code is valid as long as its session, and 3 minutes is too short for a mail
   * to arrive (greylisting and queued delivery take minutes) and its 8 digits to be typed from
   * another device. 10 leaves room for that while keeping the window short: each session still
   * takes only a few wrong answers, and the service's rate limits bound how many sessions are started.
   */
  AuthSessionValidity: 10,
  /**
   * Cognito takes the IpAddress the service sends in UserContextData (the user's address, from the
   * ALB's X-Forwarded-For) only with this on (UserPoolClientType, "you can only activate
   * EnablePropagateAdditionalUserContextData in an app client that has a client secret"); without
   * it threat protection scores every sign-in by the service task's address.
   */
  EnablePropagateAdditionalUserContextData: true,
}

/** RefreshTokenRotation `RetryGracePeriodSeconds` when the client rotates and nothing else is set (0-60). */
export const REFRESH_TOKEN_GRACE_SECONDS = 10

/** The flow a client without refresh-token rotation refreshes with (InitiateAuth REFRESH_TOKEN_AUTH). */
export const REFRESH_TOKEN_FLOWS = ['ALLOW_REFRESH_TOKEN_AUTH'] as const
