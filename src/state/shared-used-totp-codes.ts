// Used TOTP codes shared by every task (state/used-totp-codes.ts has the rule and its source): a
// code accepted through one task is refused on every other for the 90 seconds Cognito would still
// take it. A key per user and code, a keyed hash (never the code), written with SET NX and a 90 s
// expiry. This task's own memory keeps every code too and answers while the store cannot: then a
// replay through another task goes unseen, and a metric counts it.
import type { KeyedHash } from './keyed-hash.ts'
import { UNAVAILABLE, type Store } from './store-types.ts'
import { TOTP_REPLAY_WINDOW_SECONDS, type UsedTotpCodes } from './used-totp-codes.ts'

export interface SharedUsedTotpCodesOptions {
  store: Store
  /** This task's memory of used codes: kept up to date, and what answers while the store cannot. */
  local: UsedTotpCodes
  /** The keyed hash of the `totp-used` purpose, the same on every task. */
  hash: KeyedHash
  /** Told each time a question was answered by this task's memory alone. */
  onFallback?: () => void
}

/** UsedTotpCodes over the store, with `local` beside it. */
export function shareUsedTotpCodes({ store, local, hash, onFallback }: SharedUsedTotpCodesOptions): UsedTotpCodes {
  const keyOf = (user: string, code: string) => `totp:${hash(`${user}\n${code}`)}`
  return {
    async wasUsed(user, code) {
      if (await local.wasUsed(user, code)) return true
      const key = keyOf(user, code)
      const answer = await store.command(key, ['EXISTS', key])
      if (answer === UNAVAILABLE) {
        onFallback?.()
        return false
      }
      return answer === 1
    },
    async markUsed(user, code) {
      await local.markUsed(user, code)
      const key = keyOf(user, code)
      await store.command(key, ['SET', key, '1', 'NX', 'EX', String(TOTP_REPLAY_WINDOW_SECONDS)])
    },
  }
}
