// TOTP codes Cognito has accepted, kept so that none is accepted twice. RFC 6238 §5.2: "the verifier
// MUST NOT accept the second attempt of the same OTP after the successful validation has been issued
// for the first OTP". Cognito documents no such rule (API reference, RespondToAuthChallenge and
// VerifySoftwareToken), and accepts a code of the neighbouring 30-second steps too (developer guide,
// "TOTP software token MFA"), so a code stays usable for up to 90 seconds: it is kept that long.
// Kept as a keyed hash of user and code (state/keyed-hash.ts), never the code itself. In memory, per
// process: a replay sent to another task within the 90 seconds is not seen (a shared store that
// implements UsedTotpCodes closes that).
import type { KeyedHash } from './keyed-hash.ts'

/** How long an accepted code is remembered: Cognito accepts the previous, current and next 30-second step. */
export const TOTP_REPLAY_WINDOW_SECONDS = 90

/** Enough for every TOTP answer of a busy task over 90 seconds; a few MB at most. */
export const DEFAULT_MAX_USED_CODES = 50_000

/**
 * The codes already accepted, per user. Async, so that a store shared by every task (a network call)
 * can implement it as well as the in-memory one.
 */
export interface UsedTotpCodes {
  /** True when Cognito accepted `code` for `user` (the Cognito username) in the last 90 seconds. */
  wasUsed(user: string, code: string): Promise<boolean>
  /** Cognito accepted `code` for `user` just now. */
  markUsed(user: string, code: string): Promise<void>
}

/**
 * In memory, bounded: past `maxEntries` the oldest entry goes (its code is at most 90 seconds old, so
 * only a flood of accepted codes, each a real sign-in, can push one out early).
 * @param hash the keyed hash of the `totp-used` purpose (createStateKeys(secret).hasher('totp-used')).
 * @param now epoch milliseconds (tests move time).
 */
export function createUsedTotpCodes(
  hash: KeyedHash,
  { maxEntries = DEFAULT_MAX_USED_CODES, now = Date.now }: { maxEntries?: number; now?: () => number } = {},
): UsedTotpCodes {
  // key -> when it may be forgotten (epoch ms); insertion order is age order.
  const used = new Map<string, number>()
  const keyOf = (user: string, code: string) => hash(`${user}\n${code}`)
  const forgetExpired = (at: number) => {
    for (const [key, forgetAt] of used) {
      if (forgetAt > at) return
      used.delete(key)
    }
  }
  return {
    async wasUsed(user, code) {
      const at = now()
      forgetExpired(at)
      return (used.get(keyOf(user, code)) ?? 0) > at
    },
    async markUsed(user, code) {
      const at = now()
      forgetExpired(at)
      const key = keyOf(user, code)
      used.delete(key)
      while (used.size >= maxEntries) used.delete(used.keys().next().value as string)
      used.set(key, at + TOTP_REPLAY_WINDOW_SECONDS * 1000)
    },
  }
}
