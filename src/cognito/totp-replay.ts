// A TOTP code is accepted once (state/used-totp-codes.ts, RFC 6238 §5.2): every call that sends one
// to Cognito goes through here.
import { ProblemError } from '../http/problem.ts'
import type { UsedTotpCodes } from '../state/used-totp-codes.ts'

/**
 * Runs `send` (the Cognito call that checks `code` for `user`) unless the code was already accepted
 * for that user, and remembers it once `send` succeeded.
 * @param user the Cognito username (the access token's `username`, the one a challenge session names).
 * @throws ProblemError code_mismatch for a code already used, exactly as Cognito's wrong code answers;
 *   whatever `send` throws.
 */
export async function onceForUser<T>(
  used: UsedTotpCodes,
  user: string,
  code: string,
  send: () => Promise<T>,
): Promise<T> {
  if (await used.wasUsed(user, code)) throw new ProblemError('code_mismatch')
  const result = await send()
  await used.markUsed(user, code)
  return result
}
