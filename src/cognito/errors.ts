// Cognito failure -> Problem, in one table. Mapped by the exception's name (and, for transport
// failures, its code), never by echoing Cognito's message to the client.
import { ProblemError, type ProblemCode } from '../http/problem.ts'
import type { CognitoOperation } from './operations.ts'

const BY_NAME: Readonly<Record<string, ProblemCode>> = {
  UsernameExistsException: 'username_exists',
  AliasExistsException: 'username_exists',
  InvalidPasswordException: 'invalid_password',
  InvalidParameterException: 'invalid_parameter',
  NotAuthorizedException: 'not_authorized',
  UserNotFoundException: 'not_authorized',
  UserNotConfirmedException: 'user_not_confirmed',
  PasswordResetRequiredException: 'password_reset_required',
  CodeMismatchException: 'code_mismatch',
  ExpiredCodeException: 'code_expired',
  TooManyRequestsException: 'too_many_requests',
  LimitExceededException: 'too_many_requests',
  TooManyFailedAttemptsException: 'too_many_requests',
  // The pool or client named in our configuration does not exist or is misconfigured: our fault.
  ResourceNotFoundException: 'internal_error',
  InvalidUserPoolConfigurationException: 'internal_error',
  InvalidLambdaResponseException: 'upstream_error',
  UnexpectedLambdaException: 'upstream_error',
  UserLambdaValidationException: 'upstream_error',
  InternalErrorException: 'upstream_error',
  // Passkeys: the client's response is refused, or the pool is not set up for them (our fault).
  WebAuthnOriginNotAllowedException: 'passkey_rejected',
  WebAuthnRelyingPartyMismatchException: 'passkey_rejected',
  WebAuthnChallengeNotFoundException: 'passkey_rejected',
  WebAuthnClientMismatchException: 'passkey_rejected',
  WebAuthnCredentialNotSupportedException: 'passkey_rejected',
  WebAuthnNotEnabledException: 'internal_error',
  WebAuthnConfigurationMissingException: 'internal_error',
  // A feature the pool's plan lacks (session tracking, passwordless on Lite): the deployment's choice.
  FeatureUnavailableInTierException: 'internal_error',
}

const TOKEN_FAILURE: Readonly<Record<string, ProblemCode>> = {
  NotAuthorizedException: 'invalid_token',
  UserNotFoundException: 'invalid_token',
}
// An unknown account must look exactly like a wrong code (enumeration.ts).
const CODE_FAILURE: Readonly<Record<string, ProblemCode>> = {
  UserNotFoundException: 'code_mismatch',
  NotAuthorizedException: 'code_mismatch',
}

// Admin operations act on an account whose password was just changed: any refusal (IAM's
// AccessDeniedException above all) is our deployment's fault, never the caller's.
const OUR_FAILURE: Readonly<Record<string, ProblemCode>> = {
  AccessDeniedException: 'internal_error',
  NotAuthorizedException: 'internal_error',
  UserNotFoundException: 'internal_error',
  InvalidParameterException: 'internal_error',
}

// Where an exception means something else for one operation than BY_NAME says.
const BY_OPERATION: Partial<Record<CognitoOperation, Readonly<Record<string, ProblemCode>>>> = {
  // "SignUp is not permitted for this user pool" and the like: a pool setting, not the caller.
  SignUp: { NotAuthorizedException: 'internal_error' },
  RefreshTokenAuth: TOKEN_FAILURE,
  GetUser: TOKEN_FAILURE,
  GlobalSignOut: TOKEN_FAILURE,
  // A NotAuthorizedException about the token itself is caught before this table (see problemFromCognitoError).
  ChangePassword: { UserNotFoundException: 'invalid_token', NotAuthorizedException: 'previous_password_mismatch' },
  ConfirmSignUp: CODE_FAILURE,
  ConfirmForgotPassword: CODE_FAILURE,
  // TOTP and email change. VerifySoftwareToken errors: a wrong code is
  // EnableSoftwareTokenMFAException ("Code mismatch and fail enable Software Token MFA") or
  // CodeMismatchException; InvalidParameterException there, and on SetUserMFAPreference, means no
  // token was associated (or verified) first.
  AssociateSoftwareToken: TOKEN_FAILURE,
  VerifySoftwareToken: {
    ...TOKEN_FAILURE,
    EnableSoftwareTokenMFAException: 'code_mismatch',
    InvalidParameterException: 'totp_not_enrolled',
  },
  SetUserMFAPreference: { ...TOKEN_FAILURE, InvalidParameterException: 'totp_not_enrolled' },
  // WebAuthnMfaSettings: the pool's passkeys are a single factor, or the user has no other MFA method
  // (SetUserMFAPreference, WebAuthnMfaSettingsType); the reference names no exception for either.
  SetPasskeyMfa: { ...TOKEN_FAILURE, InvalidParameterException: 'passkey_mfa_unavailable' },
  UpdateUserAttributes: TOKEN_FAILURE,
  VerifyUserAttribute: TOKEN_FAILURE,
  VerifySoftwareTokenInSetup: { EnableSoftwareTokenMFAException: 'code_mismatch' },
  // Proving password and code (DELETE /me/mfa/totp): the bearer was fine, so nothing here is a 401.
  FactorProofSignIn: {
    NotAuthorizedException: 'password_mismatch',
    UserNotFoundException: 'invalid_token',
    UserNotConfirmedException: 'internal_error',
  },
  // An expired or spent proof session is the same outcome for the caller as a wrong code: try again.
  FactorProofChallenge: {
    NotAuthorizedException: 'code_mismatch',
    ExpiredCodeException: 'code_mismatch',
    UserNotFoundException: 'invalid_token',
  },
  // A credential id the user does not have.
  DeleteWebAuthnCredential: { ...TOKEN_FAILURE, ResourceNotFoundException: 'passkey_not_found' },
  // GetTokensFromRefreshToken errors: RefreshTokenReuseException, "the refresh token has already been
  // rotated out" (past the app client's RetryGracePeriodSeconds): the holder must sign in again.
  GetTokensFromRefreshToken: { ...TOKEN_FAILURE, RefreshTokenReuseException: 'invalid_token' },
  // RevokeToken errors: UnauthorizedException for a token it will not revoke (a refusal of our client
  // secret, the same exception, is caught before this table); UnsupportedOperationException when the
  // app client has token revocation off (our pool's configuration).
  RevokeToken: {
    ...TOKEN_FAILURE,
    UnauthorizedException: 'invalid_token',
    // Not a refresh token (an access token sent by mistake): the client's error, not Cognito's.
    UnsupportedTokenTypeException: 'invalid_token',
    UnsupportedOperationException: 'internal_error',
  },
  DeleteUser: TOKEN_FAILURE,
  // The pool's session tracking is off (OperationNotEnabledException, "not available ... for the
  // current user pool configuration"; which exception Cognito uses is undocumented, `doctor` checks the
  // setting): the deployment's configuration, not the caller. ListUserSessions takes nothing from the
  // client but its token, so an InvalidParameterException there is ours too.
  ListUserSessions: {
    ...TOKEN_FAILURE,
    OperationNotEnabledException: 'internal_error',
    InvalidParameterException: 'internal_error',
  },
  // RevokeUserSession: ResourceNotFoundException for a SessionId the user does not have. Its refusal of
  // the caller's own session is undocumented (InvalidParameterException locally): a NotAuthorizedException
  // that is not about the access token (those are caught above) is that refusal too, never a bad token.
  RevokeUserSession: {
    OperationNotEnabledException: 'internal_error',
    ResourceNotFoundException: 'session_not_found',
    NotAuthorizedException: 'invalid_parameter',
    UserNotFoundException: 'invalid_token',
  },
  AdminGetUser: OUR_FAILURE,
  AdminUserGlobalSignOut: OUR_FAILURE,
}

// Operations whose SECRET_HASH is computed over a username the client supplied (/token/refresh
// names it without rotation): a refused hash there is the client's mistake, so nobody can set the
// alarm below off from outside. Everywhere else the service chose the name it hashed over (a
// challenge answer's comes from the sealed session), so a refusal is our configuration failing.
const CLIENT_NAMED_USER: Partial<Record<CognitoOperation, ProblemCode>> = {
  RefreshTokenAuth: 'invalid_token',
}

/** The cause of a 500 for a secret Cognito refused: its name is what the alarm counts (the error log line's `error.name`). */
export const CLIENT_SECRET_REFUSED = 'ClientSecretRefused'

/** Our app client secret (or id) refused: a 500 whose logged cause says so, Cognito's answer as its cause. */
const clientSecretRefused = (error: unknown) => {
  const { name, message } = error as CognitoLikeError
  const refused = new Error(
    `Cognito refused the client secret (check COGNITO_CLIENT_ID and COGNITO_CLIENT_SECRET): ${String(name)} ${String(message)}`,
    { cause: error },
  )
  refused.name = CLIENT_SECRET_REFUSED
  return new ProblemError('internal_error', undefined, { cause: refused })
}

// GetTokensFromRefreshToken and RevokeToken take the raw ClientSecret. Each documents one exception
// for refusing it (NotAuthorizedException, UnauthorizedException), neither its message, and RevokeToken
// uses the same exception for a token it will not revoke: so either exception counts, and only a
// message naming the secret ("Invalid client or secret", as a public report quotes AWS; the local
// Cognito answers it too) tells a refused secret from a refused token. A guess until the doctor's
// probe settles it (docs/testing.md).
const RAW_SECRET_OPERATIONS: ReadonlySet<CognitoOperation> = new Set(['GetTokensFromRefreshToken', 'RevokeToken'])
const SECRET_REFUSALS: ReadonlySet<string> = new Set(['NotAuthorizedException', 'UnauthorizedException'])

/** True when a raw-secret operation's error says our client secret was refused. */
const refusesRawSecret = (operation: CognitoOperation, name: string, message: unknown): boolean =>
  RAW_SECRET_OPERATIONS.has(operation) && SECRET_REFUSALS.has(name) && /secret/i.test(String(message))

// Operations that take a sign-in challenge's session: Cognito refuses one that expired or was spent by
// wrong answers with NotAuthorizedException "Invalid session for the user, session is expired."
// (RespondToAuthChallenge errors). The remedy is a new sign-in, not another password.
const CHALLENGE_SESSION_OPERATIONS: ReadonlySet<CognitoOperation> = new Set([
  'RespondToAuthChallenge',
  'AssociateSoftwareTokenInSetup',
  'VerifySoftwareTokenInSetup',
])

// Seconds a client should wait: throttling clears fast, per-account limits (code sends, failed
// attempts) take longer.
const RETRY_AFTER: Readonly<Record<string, string>> = {
  TooManyRequestsException: '1',
  LimitExceededException: '60',
  TooManyFailedAttemptsException: '60',
}

const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ConnectionRefused',
])

/** What this module reads of a thrown Cognito (or transport) error. */
export interface CognitoLikeError {
  name?: unknown
  code?: unknown
  message?: unknown
}

/** True for the one failure that means our client secret (or client id) is wrong. */
export const isSecretHashFailure = (err: CognitoLikeError): boolean =>
  err.name === 'NotAuthorizedException' && typeof err.message === 'string' && /secret hash/i.test(err.message)

/**
 * The ProblemError a failed Cognito call answers with: by the exception's name (per operation where
 * it means something else there), transport failures by their code, a passed deadline as a timeout.
 * Cognito's message is kept as the cause (logged), never shown to the client.
 */
export function problemFromCognitoError(
  error: unknown,
  operation: CognitoOperation,
  deadlineExceeded: boolean,
): ProblemError {
  if (error instanceof ProblemError) return error
  const err = (typeof error === 'object' && error !== null ? error : {}) as CognitoLikeError
  const name = typeof err.name === 'string' ? err.name : ''
  const cause = { cause: error }

  if (deadlineExceeded) return new ProblemError('upstream_timeout', undefined, cause)
  // Transport failures first: the SDK's Node handler names a reset socket "TimeoutError" but sets
  // code ECONNRESET, so the code decides before the name does.
  if (typeof err.code === 'string' && CONNECTION_FAILURES.has(err.code)) {
    return new ProblemError('upstream_unavailable', undefined, cause)
  }
  if (name === 'TimeoutError' || name === 'AbortError') return new ProblemError('upstream_timeout', undefined, cause)
  if (isSecretHashFailure(err)) {
    const clientsMistake = CLIENT_NAMED_USER[operation]
    return clientsMistake ? new ProblemError(clientsMistake, undefined, cause) : clientSecretRefused(error)
  }
  // A refusal of the raw ClientSecret is our configuration, not the caller's token.
  if (refusesRawSecret(operation, name, err.message)) return clientSecretRefused(error)
  if (
    CHALLENGE_SESSION_OPERATIONS.has(operation) &&
    name === 'NotAuthorizedException' &&
    /session/i.test(String(err.message))
  )
    return new ProblemError('session_expired', undefined, cause)
  // A revoked or expired access token ("Access Token has been revoked") on any bearer operation.
  if (name === 'NotAuthorizedException' && typeof err.message === 'string' && /access token/i.test(err.message)) {
    return new ProblemError('invalid_token', undefined, cause)
  }

  const code = BY_OPERATION[operation]?.[name] ?? BY_NAME[name]
  if (code !== undefined) {
    const retryAfter = RETRY_AFTER[name]
    return new ProblemError(code, undefined, {
      ...cause,
      ...(retryAfter ? { headers: { 'retry-after': retryAfter } } : {}),
    })
  }
  // Anything else, a Cognito 5xx included, is the provider's failure, not the caller's.
  return new ProblemError('upstream_error', undefined, cause)
}

/**
 * A failed call's outcome label for the metrics: `timeout`, `unavailable`, `client_secret_refused`
 * (our configuration: alarm on it), the Cognito exception's name when it is one this module knows,
 * else `other_error` (an arbitrary name from a proxy in between must not become a series).
 */
export function cognitoOutcome(problem: ProblemError): string {
  if (problem.code === 'upstream_timeout') return 'timeout'
  if (problem.code === 'upstream_unavailable') return 'unavailable'
  const name = (problem.cause as CognitoLikeError | undefined)?.name
  if (name === CLIENT_SECRET_REFUSED) return 'client_secret_refused'
  return typeof name === 'string' && name in BY_NAME ? name : 'other_error'
}

/** Attempts beyond the first that a call's answer or error says it took (the SDK's $metadata.attempts). */
export function retriesOf(answerOrError: unknown): number {
  const attempts = (answerOrError as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts
  return typeof attempts === 'number' && attempts > 1 ? attempts - 1 : 0
}
