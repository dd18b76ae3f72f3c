// The error catalogue: every error this service answers is one of these codes, rendered as
// RFC 9457 application/problem+json. Clients branch on `code`; `detail` is for people.
import { SECURITY_HEADERS } from './security-headers.ts'

/** One record per code: its HTTP status, title, default detail (for people) and default headers. */
export const PROBLEMS = {
  validation_failed: {
    status: 400,
    title: 'Request validation failed',
    detail: 'The request body does not match the schema.',
  },
  // The seed's message for an unreadable body, kept so its clients see the same words.
  malformed_json: { status: 400, title: 'Malformed JSON', detail: 'Invalid request payload' },
  invalid_password: {
    status: 400,
    title: 'Password does not meet the policy',
    detail: 'The password does not meet the password policy.',
  },
  password_breached: {
    status: 400,
    title: 'Password found in a data breach',
    detail:
      'This password appears in a public list of passwords leaked in data breaches, so attackers try it first. Choose a different one.',
  },
  invalid_parameter: {
    status: 400,
    title: 'Invalid parameter',
    detail: 'A parameter was rejected by the identity provider.',
  },
  code_mismatch: { status: 400, title: 'Wrong confirmation code', detail: 'The confirmation code is wrong.' },
  // A challenge session (a sign-in in progress) past its validity, spent by wrong answers, or not one
  // this service handed out: the remedy is a new sign-in, not another password or code.
  session_expired: {
    status: 400,
    title: 'Sign-in expired',
    detail: 'This sign-in expired or was used up; start signing in again.',
  },
  code_expired: {
    status: 400,
    title: 'Confirmation code expired',
    detail: 'The confirmation code has expired; request a new one.',
  },
  // Not a 401: the access token was fine, and clients read a 401 from a bearer route as "token dead".
  previous_password_mismatch: {
    status: 400,
    title: 'Previous password is wrong',
    detail: 'The previous password is wrong; the password was not changed.',
  },
  // RFC 9110 §15.5.2: every 401 carries a challenge. RFC 6750 §3: a bearer route's challenge names the scheme
  // it wants and why it refused; a refresh token that no longer works gets the same invalid_token, as
  // the remedy is the same (sign in again). The sign-in routes take their credentials in the body, so
  // no registered scheme applies: they name this service's own scheme, "SignIn", which no browser or
  // HTTP client acts on by itself (a browser answers Basic with a login dialog).
  not_authorized: {
    status: 401,
    title: 'Not authorized',
    detail: 'Incorrect email or password.',
    headers: { 'www-authenticate': 'SignIn' },
  },
  missing_token: {
    status: 401,
    title: 'Authentication required',
    detail: 'Send the access token as "Authorization: Bearer <token>".',
    headers: { 'www-authenticate': 'Bearer' },
  },
  invalid_token: {
    status: 401,
    title: 'Invalid token',
    detail: 'The token is malformed, expired, revoked or not for this service.',
    headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
  },
  user_not_confirmed: { status: 403, title: 'User is not confirmed', detail: 'The account is not confirmed yet.' },
  password_reset_required: {
    status: 403,
    title: 'Password reset required',
    detail: 'The password must be reset before signing in.',
  },
  // A 403, not a 401: the token is valid; the client must sign in again (not refresh) and retry.
  reauthentication_required: {
    status: 403,
    title: 'Recent sign-in required',
    detail: 'This change needs a recent sign-in: sign in again (a refreshed token does not count), then retry.',
  },
  // Removing a passkey while the app is on (a passkey is then a second factor): the other factor proves the owner.
  factor_proof_required: {
    status: 403,
    notAGuess: true,
    title: 'Second factor required',
    detail:
      'With your authenticator app on, a passkey is a second factor: to remove one, send your password and a current code from your authenticator app.',
  },
  passkey_rejected: {
    status: 400,
    title: 'Passkey rejected',
    detail:
      'The passkey response was refused (wrong origin or relying party, or no registration in progress): start again.',
  },
  passkey_already_registered: {
    status: 409,
    title: 'Passkey already registered',
    detail:
      'This passkey is already registered. Sign in with it, or add a passkey from another device or password manager.',
  },
  passkey_mfa_unavailable: {
    status: 409,
    title: 'Passkey cannot be a second factor',
    detail:
      'A passkey counts as a second factor only alongside another one: turn on the authenticator app first. (The service may also not allow it.)',
  },
  // A passkey sign-in with a passkey whose user handle is the account's but which the account no
  // longer has (deleted): the page tells the browser to stop offering it (signalUnknownCredential).
  passkey_unknown: {
    status: 400,
    title: 'Passkey not recognised',
    detail: 'This passkey is no longer registered for this account; sign in another way.',
  },
  passkey_not_found: {
    status: 404,
    title: 'Passkey not found',
    detail: 'This account has no passkey with that id.',
    notAGuess: true,
  },
  not_found: { status: 404, title: 'Not found', detail: 'No such route.' },
  session_not_found: { status: 404, title: 'No such session', detail: 'The user has no active session with this id.' },
  method_not_allowed: { status: 405, title: 'Method not allowed', detail: 'This route does not accept that method.' },
  username_exists: {
    status: 409,
    title: 'Account already exists',
    detail: 'An account with this email already exists.',
  },
  payload_too_large: { status: 413, title: 'Payload too large', detail: 'The request body is too large.' },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported media type',
    detail: 'The request body must be application/json.',
  },
  too_many_requests: { status: 429, title: 'Too many requests', detail: 'Too many requests; retry later.' },
  internal_error: { status: 500, title: 'Internal error', detail: 'The service failed to handle the request.' },
  upstream_error: { status: 502, title: 'Identity provider error', detail: 'The identity provider returned an error.' },
  upstream_unavailable: {
    status: 503,
    title: 'Identity provider unavailable',
    detail: 'The identity provider cannot be reached.',
  },
  password_check_unavailable: {
    status: 503,
    title: 'Password check unavailable',
    detail: 'The password could not be checked against leaked passwords right now; try again in a moment.',
    headers: { 'retry-after': '5' },
  },
  upstream_timeout: {
    status: 504,
    title: 'Identity provider timed out',
    detail: 'The identity provider did not answer in time.',
  },
  // Proving a factor (turning the authenticator app off): the password sent is not the account's.
  // Not a 401: the access token was fine.
  password_mismatch: {
    status: 400,
    title: 'Password is wrong',
    detail: 'The password is wrong; nothing was changed.',
  },
  totp_already_enabled: {
    status: 409,
    title: 'Authenticator app already on',
    detail:
      'An authenticator app is already on. To replace it, turn it off first (DELETE /me/mfa/totp with a code from it), then set up the new one.',
  },
  totp_not_enrolled: {
    status: 409,
    title: 'Authenticator app not set up',
    detail: 'Set up the authenticator app first (POST /me/mfa/totp), then verify a code from it.',
  },
} as const satisfies Record<string, ProblemRecord>

interface ProblemRecord {
  status: number
  title: string
  detail: string
  headers?: Readonly<Record<string, string>>
  /**
   * A refusal that says what the request lacked before anything was tried (no proof sent, no such
   * passkey): it costs no slot of a failure budget, unlike a 4xx that answers a guess.
   */
  notAGuess?: true
}

/** Whether `code` answers a guess that failed, when its status is a failure's (src/policies/rate-limits.ts). */
export const answersAGuess = (code: ProblemCode): boolean => !(PROBLEMS[code] as ProblemRecord).notAGuess

export type ProblemCode = keyof typeof PROBLEMS

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: ProblemCode
  /** validation_failed only: the JSON pointers of the fields that failed, never their values. */
  fields?: string[]
}

/** Thrown anywhere in request handling; the app's error handler renders it. */
export class ProblemError extends Error {
  readonly status: number
  readonly headers: Record<string, string> | undefined
  constructor(
    readonly code: ProblemCode,
    readonly detail: string = PROBLEMS[code].detail,
    readonly options: { headers?: Record<string, string>; fields?: string[]; cause?: unknown } = {},
  ) {
    super(code, { cause: options.cause })
    this.name = 'ProblemError'
    this.status = PROBLEMS[code].status
    const defaults = (PROBLEMS[code] as ProblemRecord).headers
    this.headers = defaults || options.headers ? { ...defaults, ...options.headers } : undefined
  }

  /** The RFC 9457 problem details body (application/problem+json): never the cause, never input. */
  problemDetails(): Problem {
    const { status, title } = PROBLEMS[this.code]
    return {
      type: `urn:user-service:problem:${this.code}`,
      title,
      status,
      detail: this.detail,
      code: this.code,
      ...(this.options.fields ? { fields: this.options.fields } : {}),
    }
  }
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** The answer for `problem`: its problem details as application/problem+json, with the security headers and its own. */
export const problemResponse = (problem: ProblemError): Response =>
  new Response(JSON.stringify(problem.problemDetails()), {
    status: problem.status,
    headers: { ...SECURITY_HEADERS, 'content-type': PROBLEM_CONTENT_TYPE, ...problem.headers },
  })
