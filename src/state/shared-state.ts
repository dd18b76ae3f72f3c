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

/**
 * Connects to the store in the background (an unreachable store does not delay the start) and
 * shares `revocations`, this task's list, through it.
 */
export function startSharedState(
  config: StoreConfig,
  { logger, metrics, revocations }: { logger: Logger; metrics?: Metrics; revocations: RevocationList },
): SharedState {
  metrics?.storeReachable(false)
  const store = openStore(config, {
    logger,
    ...(metrics ? { onReachability: (reachable: boolean) => metrics.storeReachable(reachable) } : {}),
  })
  const keys = createStateKeys(config.stateKey)
  return {
    revocations: shareRevocations({
      store,
      local: revocations,
      hash: keys.hasher('revocations'),
      logger,
      ...(metrics ? { onFallback: () => metrics.storeFallback('revocation_check') } : {}),
    }),
    close: () => store.close(),
  }
}
