// The security state the tasks share when REDIS_URL is set: the store's connection and what rides
// on it. Loaded only then, so a start without a store never loads node-redis.
import type { StoreConfig } from '../config.ts'
import type { Logger } from '../logging.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { RevocationList } from '../tokens/revocations.ts'
import { createStateKeys } from './keyed-hash.ts'
import { shareRevocations, type SharedRevocations } from './shared-revocations.ts'
import { openStore } from './store.ts'

export interface SharedState {
  revocations: SharedRevocations
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
  { logger, metrics, revocations }: { logger: Logger; metrics?: Metrics; revocations: RevocationList },
): Promise<SharedState> {
  const store = openStore(config, {
    logger,
    ...(metrics ? { onReachability: (reachable: boolean) => metrics.storeReachable(reachable) } : {}),
  })
  const keys = createStateKeys(config.stateKey)
  const shared = shareRevocations({
    store,
    local: revocations,
    hash: keys.hasher('revocations'),
    logger,
    ...(metrics ? { onFallback: () => metrics.storeFallback('revocation_check') } : {}),
  })
  if (!(await shared.caughtUpWithin(START_CATCH_UP_MS)))
    logger.warn('starting without the shared revocations: the state store did not answer')
  return { revocations: shared, close: () => store.close() }
}
