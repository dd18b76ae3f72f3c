// Which account a rate-limited request counts against, and which of the account's failure budgets:
// the one place that reads the request for it (rate-limits.ts does the counting).
import type { AccountKey } from '../state/account-keys.ts'

/**
 * The per-account failure budgets, one per flow, so that one flow's failures never block another:
 * a password (sign-in), a code answered during sign-in (emailed, authenticator app), a sign-up
 * confirmation code, a password-reset code.
 */
export const FAILURE_FLOWS = ['password', 'code', 'confirm', 'reset'] as const
export type FailureFlow = (typeof FAILURE_FLOWS)[number]

// Challenge answers that are a code from the user's inbox or authenticator app, not a password.
const CODE_CHALLENGES = new Set(['EMAIL_OTP', 'SOFTWARE_TOKEN_MFA', 'SMS_MFA', 'SMS_OTP'])

const challengeNameOf = (body: unknown) => (body as { challengeName?: unknown } | undefined)?.challengeName

/**
 * Whose account a route's requests count against (its `rateAccount` option): `email`, the body's
 * (the default); `session`, the one sealed in the body's challenge session at the sign-in's start,
 * since an answer can only sign in that account and the body's email is the caller's to choose;
 * `bearer`, the access token's user, on a route whose body names no email.
 */
export type AccountSource = 'email' | 'session' | 'bearer'

/** What a request names its account by, besides its body. */
export interface AccountWitnesses {
  /** The account a challenge session carries, unverified (src/cognito/sign-in.ts challengeAccount). */
  sealedAccountOf(session: string): string | undefined
  /** The Cognito username of the access token the request's bearer check verified. */
  bearerUsername: string | undefined
}

/**
 * The account key of a request, by its route's `source`: the key (src/state/account-keys.ts) of the
 * body's email or of the access token's username, or the key sealed in the body's session (made by
 * the same function from the email the sign-in started with, carried in clear and bound to the
 * seal); undefined when there is none.
 */
export function accountKeyOf(
  source: AccountSource,
  body: unknown,
  accountKey: AccountKey,
  { sealedAccountOf, bearerUsername }: AccountWitnesses,
): string | undefined {
  const { email, session } = (body ?? {}) as { email?: unknown; session?: unknown }
  if (source === 'session') return typeof session === 'string' ? sealedAccountOf(session) : undefined
  if (source === 'bearer') return bearerUsername === undefined ? undefined : accountKey(bearerUsername)
  return typeof email === 'string' ? accountKey(email) : undefined
}

/**
 * The failure budget a request draws on: the one its route declares, except that a code answered on
 * /signin/challenge is a `code`, whatever else the route answers is a `password`.
 */
export function failureFlowOf(
  route: string,
  body: unknown,
  declared: FailureFlow | undefined,
): FailureFlow | undefined {
  if (route === '/signin/challenge' && CODE_CHALLENGES.has(challengeNameOf(body) as string)) return 'code'
  return declared
}

/**
 * An answer to an emailed one-time code on /signin/challenge: per client IP it counts against the
 * code-guessing group (`verify`) as well as the route's own.
 */
export function guessesEmailCode(route: string, body: unknown): boolean {
  return route === '/signin/challenge' && challengeNameOf(body) === 'EMAIL_OTP'
}

/** Whether the route honours a device token (X-Device-Token): the sign-in steps that take a password or a code. */
export const acceptsDeviceToken = (route: string): boolean => route === '/signin' || route === '/signin/challenge'
