import { describe, expect, test } from 'bun:test'
import { revealsAccountState } from '../../src/cognito/enumeration.ts'
import { CLIENT_SECRET_REFUSED, cognitoOutcome, problemFromCognitoError } from '../../src/cognito/errors.ts'
import type { CognitoOperation } from '../../src/cognito/operations.ts'
import { PROBLEMS, ProblemError, type ProblemCode } from '../../src/http/problem.ts'

const named = (name: string, message = 'upstream says something', extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, ...extra })

// [operation, error, expected status, expected code, expected Retry-After]
const TABLE: Array<[CognitoOperation, Error, number, string, string | undefined]> = [
  ['SignUp', named('UsernameExistsException'), 409, 'username_exists', undefined],
  ['SignUp', named('InvalidPasswordException'), 400, 'invalid_password', undefined],
  ['SignUp', named('InvalidParameterException'), 400, 'invalid_parameter', undefined],
  [
    'SignUp',
    named('NotAuthorizedException', 'SignUp is not permitted for this user pool'),
    500,
    'internal_error',
    undefined,
  ],
  ['SignUp', named('ResourceNotFoundException'), 500, 'internal_error', undefined],
  ['SignUp', named('TooManyRequestsException'), 429, 'too_many_requests', '1'],
  ['SignUp', named('LimitExceededException'), 429, 'too_many_requests', '60'],
  [
    'InitiateAuth',
    named('NotAuthorizedException', 'Incorrect username or password.'),
    401,
    'not_authorized',
    undefined,
  ],
  ['InitiateAuth', named('UserNotFoundException'), 401, 'not_authorized', undefined],
  [
    'InitiateAuth',
    named('NotAuthorizedException', 'Unable to verify secret hash for client abc'),
    500,
    'internal_error',
    undefined,
  ],
  [
    'RefreshTokenAuth',
    named('NotAuthorizedException', 'Unable to verify secret hash for client abc'),
    401,
    'invalid_token',
    undefined,
  ],
  // The service chose the name it hashed a challenge answer over: a refusal is our configuration.
  [
    'RespondToAuthChallenge',
    named('NotAuthorizedException', 'Unable to verify secret hash for client abc'),
    500,
    'internal_error',
    undefined,
  ],
  ['InitiateAuth', named('UserNotConfirmedException'), 403, 'user_not_confirmed', undefined],
  ['InitiateAuth', named('PasswordResetRequiredException'), 403, 'password_reset_required', undefined],
  ['InitiateAuth', named('TooManyFailedAttemptsException'), 429, 'too_many_requests', '60'],
  ['InitiateAuth', named('InternalErrorException'), 502, 'upstream_error', undefined],
  ['InitiateAuth', named('SomethingNewException'), 502, 'upstream_error', undefined],
  [
    'ChangePassword',
    named('NotAuthorizedException', 'Incorrect username or password.'),
    400,
    'previous_password_mismatch',
    undefined,
  ],
  ['ChangePassword', named('NotAuthorizedException', 'Access Token has been revoked'), 401, 'invalid_token', undefined],
  ['ConfirmSignUp', named('CodeMismatchException'), 400, 'code_mismatch', undefined],
  ['ConfirmSignUp', named('ExpiredCodeException'), 400, 'code_expired', undefined],
  [
    'SignUp',
    named('Error', 'connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED' }),
    503,
    'upstream_unavailable',
    undefined,
  ],
  // The SDK's Node handler names a reset socket TimeoutError: the code must win.
  ['SignUp', named('TimeoutError', 'socket hang up', { code: 'ECONNRESET' }), 503, 'upstream_unavailable', undefined],
  ['SignUp', named('TimeoutError', 'Request timed out'), 504, 'upstream_timeout', undefined],
  ['SignUp', named('AbortError', 'aborted'), 504, 'upstream_timeout', undefined],
  // Tokens: rotating refresh, signing out one device, deleting the account.
  ['GetTokensFromRefreshToken', named('RefreshTokenReuseException'), 401, 'invalid_token', undefined],
  [
    'GetTokensFromRefreshToken',
    named('NotAuthorizedException', 'Invalid Refresh Token'),
    401,
    'invalid_token',
    undefined,
  ],
  [
    'GetTokensFromRefreshToken',
    named('NotAuthorizedException', 'Invalid client secret for client abc'),
    500,
    'internal_error',
    undefined,
  ],
  ['RevokeToken', named('UnauthorizedException'), 401, 'invalid_token', undefined],
  // RevokeToken's one documented refusal also covers our client secret: the message tells it apart.
  ['RevokeToken', named('UnauthorizedException', 'Invalid client or secret'), 500, 'internal_error', undefined],
  ['RevokeToken', named('UnsupportedTokenTypeException'), 401, 'invalid_token', undefined],
  ['RevokeToken', named('UnsupportedOperationException'), 500, 'internal_error', undefined],
  [
    'RevokeToken',
    named('NotAuthorizedException', 'Client abc is configured with a client secret but none was received'),
    500,
    'internal_error',
    undefined,
  ],
  ['DeleteUser', named('NotAuthorizedException', 'Access Token has been revoked'), 401, 'invalid_token', undefined],
  ['DeleteUser', named('UserNotFoundException'), 401, 'invalid_token', undefined],
  ['ListUserSessions', named('OperationNotEnabledException'), 500, 'internal_error', undefined],
  [
    'ListUserSessions',
    named('NotAuthorizedException', 'Access Token has been revoked'),
    401,
    'invalid_token',
    undefined,
  ],
  ['RevokeUserSession', named('ResourceNotFoundException', 'Session not found'), 404, 'session_not_found', undefined],
  ['RevokeUserSession', named('InvalidParameterException'), 400, 'invalid_parameter', undefined],
  // Undocumented answers (docs/testing.md: guesses the doctor's probe settles), each plausible one
  // mapped so that neither the caller is blamed for our configuration nor the other way round.
  // A refused raw client secret under either documented exception:
  ['RevokeToken', named('UnauthorizedException', 'Invalid client or secret'), 500, 'internal_error', undefined],
  [
    'RevokeToken',
    named('UnauthorizedException', 'The token was not issued to this client'),
    401,
    'invalid_token',
    undefined,
  ],
  [
    'GetTokensFromRefreshToken',
    named('UnauthorizedException', 'Invalid client secret'),
    500,
    'internal_error',
    undefined,
  ],
  // Session tracking off, however Cognito says it:
  ['ListUserSessions', named('InvalidParameterException', 'tracking is off'), 500, 'internal_error', undefined],
  ['ListUserSessions', named('FeatureUnavailableInTierException'), 500, 'internal_error', undefined],
  ['RevokeUserSession', named('OperationNotEnabledException'), 500, 'internal_error', undefined],
  // The caller's own session, however Cognito refuses it: never "your token is bad".
  [
    'RevokeUserSession',
    named('NotAuthorizedException', "You can't revoke the current session"),
    400,
    'invalid_parameter',
    undefined,
  ],
  [
    'RevokeUserSession',
    named('NotAuthorizedException', 'Access Token has been revoked'),
    401,
    'invalid_token',
    undefined,
  ],
  // A sign-in challenge's session that expired or was spent: start again, not "Incorrect email or password.".
  [
    'RespondToAuthChallenge',
    named('NotAuthorizedException', 'Invalid session for the user, session is expired.'),
    400,
    'session_expired',
    undefined,
  ],
  [
    'VerifySoftwareTokenInSetup',
    named('NotAuthorizedException', 'Invalid session for the user, session is expired.'),
    400,
    'session_expired',
    undefined,
  ],
  [
    'RespondToAuthChallenge',
    named('NotAuthorizedException', 'Incorrect username or password.'),
    401,
    'not_authorized',
    undefined,
  ],
]

describe('Cognito error -> problem', () => {
  test('our secret refused: a 500 whose logged cause says so (Cognito’s answer behind it), its own metric outcome', () => {
    const cognitoAnswer = named('NotAuthorizedException', 'Unable to verify secret hash for client abc')
    for (const operation of ['RespondToAuthChallenge', 'InitiateAuth', 'SignUp'] as const) {
      const problem = problemFromCognitoError(cognitoAnswer, operation, false)
      expect(problem.status).toBe(500)
      expect((problem.cause as Error).name).toBe(CLIENT_SECRET_REFUSED)
      expect((problem.cause as Error).cause).toBe(cognitoAnswer)
      expect(cognitoOutcome(problem)).toBe('client_secret_refused')
    }
    const raw = problemFromCognitoError(
      named('UnauthorizedException', 'Invalid client or secret'),
      'RevokeToken',
      false,
    )
    expect(cognitoOutcome(raw)).toBe('client_secret_refused')
    // The client named the user (a refresh without rotation): its mistake, no alarm.
    const refresh = problemFromCognitoError(cognitoAnswer, 'RefreshTokenAuth', false)
    expect(refresh.code).toBe('invalid_token')
    expect(cognitoOutcome(refresh)).toBe('NotAuthorizedException')
  })

  test.each(
    TABLE.map((row) => [`${row[0]} ${row[1].name} (${row[1].message}) -> ${row[2]} ${row[3]}`, ...row] as const),
  )('%s', (_label, operation, error, status, code, retryAfter) => {
    const problem = problemFromCognitoError(error, operation, false)
    expect(problem.status).toBe(status)
    expect(problem.code).toBe(code as never)
    expect(problem.headers?.['retry-after']).toBe(retryAfter as never)
    // Cognito's message never reaches the client.
    expect(JSON.stringify(problem.problemDetails())).not.toContain(error.message)
  })

  test('an exceeded deadline is a 504 whatever the error says', () => {
    expect(problemFromCognitoError(named('UsernameExistsException'), 'SignUp', true).code).toBe('upstream_timeout')
  })

  test('unknown user and wrong password render byte-identical problems', () => {
    const a = problemFromCognitoError(named('UserNotFoundException', 'User does not exist.'), 'InitiateAuth', false)
    const b = problemFromCognitoError(
      named('NotAuthorizedException', 'Incorrect username or password.'),
      'InitiateAuth',
      false,
    )
    expect(JSON.stringify(a.problemDetails())).toBe(JSON.stringify(b.problemDetails()))
  })

  test('every 401 carries a WWW-Authenticate challenge (RFC 9110 §15.5.2)', () => {
    const unauthorized = (Object.keys(PROBLEMS) as ProblemCode[]).filter((code) => PROBLEMS[code].status === 401)
    expect(unauthorized.length).toBeGreaterThan(0)
    for (const code of unauthorized)
      expect([code, new ProblemError(code).headers?.['www-authenticate']]).toEqual([code, expect.any(String)])
    expect(new ProblemError('not_authorized').headers?.['www-authenticate']).toBe('SignIn')
  })

  test('non-Error throwables map to 502, not a crash', () => {
    expect(problemFromCognitoError('boom', 'SignUp', false).code).toBe('upstream_error')
    expect(problemFromCognitoError(null, 'SignUp', false).code).toBe('upstream_error')
  })
})

describe('revealsAccountState: what the enumeration-safe routes swallow', () => {
  test('account state and the per-user code limits count; throttling, our secret and outages do not', () => {
    for (const name of [
      'UserNotFoundException',
      'UserNotConfirmedException',
      'LimitExceededException',
      'CodeDeliveryFailureException',
    ])
      expect(revealsAccountState(named(name))).toBe(true)
    for (const error of [
      named('TooManyRequestsException'),
      named('NotAuthorizedException', 'Unable to verify secret hash for client abc'),
      named('InternalErrorException'),
    ])
      expect(revealsAccountState(error)).toBe(false)
  })
})
