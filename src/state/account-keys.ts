// The key of a rate-limit account: one function for every place that names an account, so that one
// account has one set of budgets. The limiter keys a request by its body's email or by its access
// token's user (src/policies/rate-accounts.ts); a sign-in that stops at a challenge seals the key of
// its email into the challenge session (src/cognito/challenge-session.ts), so that the answers count
// against the budgets /signin counts that email against, whatever email the answer's body names.
import type { StateKeys } from './keyed-hash.ts'

/**
 * The account key of an email or a Cognito username: a keyed hash (keyed-hash.ts, purpose
 * "rate-account") of it lower-cased, since Cognito compares both case-insensitively. Where the
 * username is the email, the two are one account; a UUID username (email as an alias) has no "@" and
 * never equals an email's key.
 */
export type AccountKey = (emailOrUsername: string) => string

/** The account keys under `stateKeys`: the limiter and the gateway must be given the same ones. */
export function createAccountKey(stateKeys: StateKeys): AccountKey {
  const hash = stateKeys.hasher('rate-account')
  return (name) => hash(name.toLowerCase())
}
