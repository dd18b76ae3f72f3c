// The security state the tasks share when REDIS_URL is set: the store's connection and what rides
// on it. Loaded only then, so a start without a store never loads node-redis.
import type { StoreConfig } from '../config.ts'
import { createMemoryRateStore, type RateStore } from '../http/limits.ts'
import type { Logger } from '../logging.ts'
import type { Metrics, StoreFallback } from '../observability/metrics.ts'
import type { RefreshedTokens } from '../schemas/sign-in.ts'
import type { RevocationList } from '../tokens/revocations.ts'
import { createStateKeys } from './keyed-hash.ts'
import { createSharedRateStore } from './shared-rate-limits.ts'
import { shareRefreshes, type SharedRefresh } from './shared-refreshes.ts'
import { shareRevocations, type SharedRevocations } from './shared-revocations.ts'
import { shareUsedTotpCodes } from './shared-used-totp-codes.ts'
import { openStore } from './store.ts'
import { createUsedTotpCodes, type UsedTotpCodes } from './used-totp-codes.ts'

export interface SharedState {
  revocations: SharedRevocations
  /** The rate-limit buckets of every task, this task's own while the store cannot answer. */
  rateStore: RateStore
  /** The TOTP codes accepted through any task, this task's own memory while the store cannot answer. */
  usedTotpCodes: UsedTotpCodes
  /** Rotating refreshes coalesced across tasks. */
  sharedRefresh: SharedRefresh<RefreshedTokens>
  close(): void
}

// How long a start waits to read the revocations in force: a task that serves before it has them
// accepts tokens the other tasks refuse. An unreachable store delays the start by this much, no more.
const START_CATCH_UP_MS = 2000

/**
 * Connects to the store and shares `revocations`, this task's list, through it. Resolves once the
 * revocations in force are read, or after START_CATCH_UP_MS when the store does not answer (the
 * task starts with its own list and keeps connecting in the background).
 */
export async function startSharedState(
  config: StoreConfig,
  {
    logger,
    metrics,
    revocations,
    refreshWaitMs,
  }: {
    logger: Logger
    metrics?: Metrics | undefined
    revocations: RevocationList
    /** How long a refresh waits for another task's answer (the Cognito call deadline). */
    refreshWaitMs: number
  },
): Promise<SharedState> {
  const store = openStore(config, {
    logger,
    ...(metrics ? { onReachability: (reachable: boolean) => metrics.storeReachable(reachable) } : {}),
  })
  const keys = createStateKeys(config.stateKey)
  const onFallback = (what: StoreFallback) => (metrics ? { onFallback: () => metrics.storeFallback(what) } : {})
  const shared = shareRevocations({
    store,
    local: revocations,
    hash: keys.hasher('revocations'),
    logger,
    ...onFallback('revocation_check'),
  })
  const rateStore = createSharedRateStore({
    store,
    fallback: createMemoryRateStore(),
    hash: keys.hasher('rate-bucket'),
    ...onFallback('rate_limit'),
  })
  // The same purpose as the gateway's own memory of used codes: a code hashes alike on every task.
  const totpHash = keys.hasher('totp-used')
  const usedTotpCodes = shareUsedTotpCodes({
    store,
    local: createUsedTotpCodes(totpHash),
    hash: totpHash,
    ...onFallback('totp_replay'),
  })
  if (!(await shared.caughtUpWithin(START_CATCH_UP_MS)))
    logger.warn('starting without the shared revocations: the state store did not answer')
  const sharedRefresh = shareRefreshes<RefreshedTokens>({
    store,
    hash: keys.hasher('refresh-answer'),
    sealingKey: keys.key('refresh-answer-seal'),
    logger,
    waitMs: refreshWaitMs,
    ...onFallback('refresh'),
  })
  return { revocations: shared, rateStore, usedTotpCodes, sharedRefresh, close: () => store.close() }
}
