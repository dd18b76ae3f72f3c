// Which account a rate-limited request counts against, and which of the account's failure budgets:
// the one place that reads the request for it (rate-limits.ts does the counting).
import type { KeyedHash } from '../state/keyed-hash.ts'

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
 * The account key of a request: the keyed hash of the email its body names (already in the one form
 * the schemas accept, compared case-insensitively); undefined when it names none.
 * @param _route the matched route, for a route whose account is not the body's email.
 * @param accountKey the keyed hash of account keys (src/state/keyed-hash.ts).
 */
export function accountKeyOf(_route: string, body: unknown, accountKey: KeyedHash): string | undefined {
  const email = (body as { email?: unknown } | undefined)?.email
  return typeof email === 'string' ? accountKey(email.toLowerCase()) : undefined
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
