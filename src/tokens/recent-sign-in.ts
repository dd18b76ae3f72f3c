// The rule for sensitive changes: a valid access token is not enough, the sign-in behind it must be recent.
import type { AccessClaims } from './claims.ts'
import { ProblemError } from '../http/problem.ts'

/**
 * Sensitive changes (a new sign-in factor, the email, deleting the account) need a recent sign-in, so
 * that a stolen long-lived session cannot rewrite the account: the access token's `auth_time` (when
 * the user last gave credentials; refreshing keeps it) must be at most `maxAgeSeconds` old.
 * @throws ProblemError reauthentication_required (403) otherwise.
 */
export function assertRecentSignIn(claims: AccessClaims, maxAgeSeconds: number, nowMs = Date.now()): void {
  if (nowMs / 1000 - claims.authTime > maxAgeSeconds) throw new ProblemError('reauthentication_required')
}
