// Revocations shared by every task through the store. A revocation is kept in this task's list,
// written to the store (an entry that expires with the tokens it covers, plus an index of live
// entries) and published; every task applies what it hears to its own list, so a request checks
// memory only. Until a task has read the index back (at start, and each time the store is
// reachable again), it asks the store about each token directly. While the store cannot answer,
// the task's own list decides, a metric counts it, and revocations made meanwhile wait in an
// outbox until the store is back.
import { ProblemError } from '../http/problem.ts'
import type { Logger } from '../logging.ts'
import type { AccessTokenVerifier } from '../tokens/claims.ts'
import type { RevocableClaims, RevocationList } from '../tokens/revocations.ts'
import type { KeyedHash } from './keyed-hash.ts'
import { applyEntry, type RevocationEntry } from './revocation-entries.ts'
import { revocationStore } from './revocation-store.ts'
import { UNAVAILABLE, type Store } from './store-types.ts'

/** Revocations waiting for the store, at most; past it the oldest are dropped (and logged). */
const MAX_OUTBOX = 10_000
const CATCH_UP_RETRY_MS = 250
// The subscription is renewed on its own connection after a reconnection, maybe after the read-back:
// an entry published in between is heard by nobody, so the index is read once more this much later.
const READ_BACK_AGAIN_MS = 1000

export interface SharedRevocations {
  /** The list the routes revoke into: each revocation is kept here, stored and published. */
  readonly list: RevocationList
  /**
   * Resolves true once this task has first read the store's live entries, false if `ms` passed
   * first (the store is unreachable: the task goes on with its own list).
   */
  caughtUpWithin(ms: number): Promise<boolean>
  /** Whether this task has read every live entry since the store was last reachable. */
  readonly caughtUp: boolean
  /** `verify` followed by the store check while this task has not caught up (a 401 invalid_token when revoked). */
  verifier(verify: AccessTokenVerifier): AccessTokenVerifier
}

export interface SharedRevocationsOptions {
  store: Store
  /** This task's list (src/tokens/revocations.ts). */
  local: RevocationList
  /** The keyed hash of the entry keys (src/state/keyed-hash.ts). */
  hash: KeyedHash
  logger: Logger
  /** Told each time a check had to rely on this task's list alone (the store could not answer). */
  onFallback?: () => void
  /** Epoch milliseconds (tests move time). */
  now?: () => number
}

export function shareRevocations({
  store,
  local,
  hash,
  logger,
  onFallback,
  now = Date.now,
}: SharedRevocationsOptions): SharedRevocations {
  let caughtUp = false
  const outbox: RevocationEntry[] = []
  const shared = revocationStore(store, hash, logger, now)
  const learn = (entries: RevocationEntry[]) => {
    for (const entry of entries) applyEntry(local, entry)
  }

  const share = (entry: RevocationEntry) => {
    void shared.write(entry).then((written) => {
      if (written) return
      if (outbox.length >= MAX_OUTBOX) {
        outbox.shift()
        logger.warn('revocation outbox full: the oldest unshared revocation stays in this task only')
      }
      outbox.push(entry)
    })
  }
  const flushOutbox = async (): Promise<boolean> => {
    while (outbox.length > 0) {
      if (!(await shared.write(outbox[0]!))) return false
      outbox.shift()
    }
    return true
  }
  /** Reads every live entry into the local list; false when the store did not answer. */
  const readBack = async (): Promise<boolean> => {
    const entries = await shared.readLive()
    if (entries === UNAVAILABLE) return false
    learn(entries)
    return true
  }

  let firstCatchUp: () => void = () => {}
  const firstCaughtUp = new Promise<void>((resolve) => {
    firstCatchUp = resolve
  })
  const catchUp = async () => {
    caughtUp = false
    if ((await flushOutbox()) && (await readBack())) {
      caughtUp = true
      firstCatchUp()
      logger.info('revocations caught up with the state store', { entries: local.size() })
      setTimeout(readBack, READ_BACK_AGAIN_MS).unref?.()
    } else if (store.reachable) {
      setTimeout(catchUp, CATCH_UP_RETRY_MS).unref?.()
    }
  }

  /** True when the store holds an entry revoking the token; undefined when it could not answer. */
  const revokedInStore = async (claims: RevocableClaims): Promise<boolean | undefined> => {
    const entries = await shared.entriesFor(claims)
    if (entries === UNAVAILABLE) return undefined
    learn(entries)
    return local.isRevoked(claims)
  }

  shared.listen((entry) => applyEntry(local, entry))
  store.onReachable(() => void catchUp())

  const list: RevocationList = {
    revokeTokenId(id, expiresAt) {
      local.revokeTokenId(id, expiresAt)
      share({ kind: 'token', id, expiresAt })
    },
    revokeUserTokens(sub, notBefore, forgetAt) {
      local.revokeUserTokens(sub, notBefore, forgetAt)
      share({ kind: 'user-issued-before', sub, notBefore, forgetAt })
    },
    revokeSignInsBefore(sub, signedInBefore, forgetAt) {
      local.revokeSignInsBefore(sub, signedInBefore, forgetAt)
      share({ kind: 'user-signed-in-before', sub, signedInBefore, forgetAt })
    },
    isRevoked: (claims) => local.isRevoked(claims),
    size: () => local.size(),
  }

  return {
    list,
    caughtUpWithin: (ms) =>
      Promise.race([
        firstCaughtUp.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(resolve, ms, false).unref?.()),
      ]),
    get caughtUp() {
      return caughtUp && store.reachable
    },
    verifier(verify) {
      return async (token) => {
        const claims = await verify(token)
        if (caughtUp && store.reachable) return claims
        const revoked = store.reachable ? await revokedInStore(claims) : undefined
        if (revoked === undefined) onFallback?.()
        if (revoked) throw new ProblemError('invalid_token')
        return claims
      }
    },
  }
}
