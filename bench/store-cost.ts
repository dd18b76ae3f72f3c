// What the shared state store costs a sign-in: the product twice, with the rate limits on (budgets
// no benchmark reaches: one load generator is one client IP), once in memory and once with REDIS_URL
// on a local redis-server. Every /signin then reserves its slots and refunds the account's failure
// slot in the store (two round trips) instead of in memory. Reported as CPU µs per /signin of
// each and their ratio (the target: the store's no more than 15% above memory), and req/s and p99.
import { startRedis } from '../test/support/redis-server.ts'
import { canPin } from './harness.ts'

/**
 * Rate limits on, set above anything one run can reach; the breached-password check off, so the
 * figures are the store's and not an outside service's.
 */
export const LIMITED_ENV: Record<string, string> = {
  BREACHED_PASSWORD_CHECK: 'false',
  RATE_LIMITS_ENABLED: 'true',
  ...Object.fromEntries(
    ['SIGNIN', 'SIGNUP', 'EMAIL', 'VERIFY'].flatMap((group) => [
      [`RATE_LIMIT_${group}_PER_IP`, '999999/1s'],
      [`RATE_LIMIT_${group}_PER_ACCOUNT`, '999999/1s'],
    ]),
  ),
}

/** One target's figures on /signin (medians over rounds). */
export interface SignInFigures {
  reqPerSec: number
  p99Ms: number
  cpuMicrosPerRequest: number
  errors: number
}

export interface StoreCost {
  memory: SignInFigures
  store: SignInFigures
  /** store CPU per /signin over memory's: 1.15 is the target's limit. */
  cpuRatio: number
}

/**
 * Starts both products (`start`, with `env` added to the product's environment and `label` for its
 * log), measures them in interleaved rounds (`round`: one /signin window) and stops them.
 */
export async function measureStoreCost<T>({
  rounds,
  start,
  round,
  stop,
}: {
  rounds: number
  start: (label: string, env: Record<string, string>) => Promise<T>
  round: (target: T, round: number) => Promise<SignInFigures>
  stop: (target: T) => void
}): Promise<StoreCost> {
  const redis = await startRedis()
  // With the load generator, off the product's CPU: in AWS the store is another machine.
  const pid = /process_id:(\d+)/.exec(await redis.cli('INFO', 'server'))?.[1]
  if (canPin && pid) Bun.spawnSync(['taskset', '-a', '-p', '-c', '1', pid], { stdout: 'ignore' })
  const started: T[] = []
  try {
    const memory = await start('product-limited', LIMITED_ENV)
    started.push(memory)
    const store = await start('product-store', { ...LIMITED_ENV, ...redis.env, STORE_DEADLINE_MS: '50' })
    started.push(store)
    const windows = { memory: [] as SignInFigures[], store: [] as SignInFigures[] }
    for (let n = 1; n <= rounds; n++) {
      windows.memory.push(await round(memory, n))
      windows.store.push(await round(store, n))
    }
    const figures = { memory: medianOf(windows.memory), store: medianOf(windows.store) }
    return { ...figures, cpuRatio: figures.store.cpuMicrosPerRequest / figures.memory.cpuMicrosPerRequest }
  } finally {
    for (const target of started) stop(target)
    await redis.stop()
  }
}

function medianOf(windows: SignInFigures[]): SignInFigures {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b)
    return sorted[Math.floor(sorted.length / 2)]!
  }
  return {
    reqPerSec: median(windows.map((w) => w.reqPerSec)),
    p99Ms: median(windows.map((w) => w.p99Ms)),
    cpuMicrosPerRequest: median(windows.map((w) => w.cpuMicrosPerRequest)),
    errors: windows.reduce((n, w) => n + w.errors, 0),
  }
}
