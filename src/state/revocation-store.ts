// How revocations sit in the store: an entry per revoked subject (a token id, a user) under a keyed
// hash, an index of the live entries for a task to read back, and a sharded channel they are
// published on. One command per operation, every key under the revocations' hash tag.
import type { Logger } from '../logging.ts'
import type { RevocableClaims } from '../tokens/revocations.ts'
import type { KeyedHash } from './keyed-hash.ts'
import {
  forgetAtOf,
  keyOfEntry,
  keysForClaims,
  parseEntry,
  REVOCATION_CHANNEL,
  REVOCATION_INDEX_KEY,
  type RevocationEntry,
} from './revocation-entries.ts'
import { UNAVAILABLE, type Store, type StoreAnswer } from './store-types.ts'

// One round trip, atomic, both keys in one hash slot: the entry (its time to live the longer of the
// old and the new), the index without its dead members and with the new one, the index's own time
// to live long enough for its longest member, and the publication.
// KEYS: entry, index. ARGV: entry text, forget-at (ms), now (ms), channel.
const WRITE_SCRIPT = `
local ttl = tonumber(ARGV[2]) - tonumber(ARGV[3])
if ttl <= 0 then return 0 end
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
else redis.call('SET', KEYS[1], ARGV[1], 'KEEPTTL') end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('SPUBLISH', ARGV[4], ARGV[1])
return 1`

/** Entries read back at once, at most: the in-memory list's own bound. */
const MAX_READ_BACK = 100_000

export interface RevocationStore {
  /** Stores and publishes `entry`; false when the store could not take it. */
  write(entry: RevocationEntry): Promise<boolean>
  /** Every live entry; UNAVAILABLE when the store could not answer. Unreadable ones are logged and skipped. */
  readLive(): Promise<StoreAnswer<RevocationEntry[]>>
  /** The entries that could revoke a token with these claims; UNAVAILABLE when the store could not answer. */
  entriesFor(claims: RevocableClaims): Promise<StoreAnswer<RevocationEntry[]>>
  /** Calls `listener` with each entry published by any task (an unreadable one is logged and skipped). */
  listen(listener: (entry: RevocationEntry) => void): void
}

/** @param now epoch milliseconds (tests move time). */
export function revocationStore(store: Store, hash: KeyedHash, logger: Logger, now = Date.now): RevocationStore {
  /** The entries among `texts`; the unreadable ones (bad data, a kind from a later version) are logged. */
  const readable = (texts: unknown): RevocationEntry[] => {
    const entries: RevocationEntry[] = []
    let unreadable = 0
    for (const text of Array.isArray(texts) ? texts : []) {
      if (text === null) continue
      const entry = typeof text === 'string' ? parseEntry(text) : undefined
      if (entry === undefined) unreadable++
      else entries.push(entry)
    }
    if (unreadable > 0) logger.warn('unreadable revocations in the state store: ignored', { count: unreadable })
    return entries
  }
  return {
    async write(entry) {
      const answer = await store.command(REVOCATION_INDEX_KEY, [
        'EVAL',
        WRITE_SCRIPT,
        '2',
        keyOfEntry(hash, entry),
        REVOCATION_INDEX_KEY,
        JSON.stringify(entry),
        String(forgetAtOf(entry) * 1000),
        String(now()),
        REVOCATION_CHANNEL,
      ])
      return answer !== UNAVAILABLE
    },
    async readLive() {
      const range = [String(now()), '+inf', 'BYSCORE', 'LIMIT', '0', String(MAX_READ_BACK)]
      const answer = await store.command(REVOCATION_INDEX_KEY, ['ZRANGE', REVOCATION_INDEX_KEY, ...range])
      return answer === UNAVAILABLE ? UNAVAILABLE : readable(answer)
    },
    async entriesFor(claims) {
      const keys = keysForClaims(hash, claims)
      const answer = await store.command(keys[0]!, ['MGET', ...keys])
      return answer === UNAVAILABLE ? UNAVAILABLE : readable(answer)
    },
    listen(listener) {
      void store.subscribe(REVOCATION_CHANNEL, (text) => {
        for (const entry of readable([text])) listener(entry)
      })
    },
  }
}
