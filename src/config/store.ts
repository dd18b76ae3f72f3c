// REDIS_URL and what goes with it, for config.ts (still the only reader of the environment: it
// passes its readers in).

/** Where the tasks share their security state (src/state/store.ts), and how long to wait for it. */
export interface StoreConfig {
  /** `redis://` or `rediss://` (TLS), as REDIS_URL gives it; it may carry a user and password. */
  url: string
  /** REDIS_PASSWORD: the password of the URL's user, kept apart so it can come from a secret store. */
  password?: string
  /** The server runs in cluster mode (ElastiCache Serverless does): keys are routed by hash slot. */
  cluster: boolean
  /** The longest one store operation may take before the caller falls back to its own state. */
  deadlineMs: number
  /**
   * The secret the store's keys are hashed with (src/state/keyed-hash.ts): the app client's secret,
   * or STATE_KEY for a public client. Every task must use the same one.
   */
  stateKey: string
}

/** The token check's settings (src/routes/token-check.ts). */
/**
 * REDIS_URL and what goes with it; undefined when it is unset. A store shared by several tasks
 * needs a key they all share for its hashed keys: the client secret, else STATE_KEY.
 */
export function storeConfig(
  read: (name: string) => string | undefined,
  integer: (name: string, fallback: number, min: number, max: number) => number,
  flag: (name: string, fallback: boolean) => boolean,
  problems: string[],
): StoreConfig | undefined {
  // Tens of milliseconds: a store in the same VPC answers in one or two; past this the request
  // goes on with the task's own state rather than wait for a store that is in trouble.
  const deadlineMs = integer('STORE_DEADLINE_MS', 50, 5, 5000)
  const cluster = flag('REDIS_CLUSTER', false)
  const url = read('REDIS_URL')
  if (url === undefined) return undefined
  if (!isRedisUrl(url)) {
    problems.push('REDIS_URL must look like redis://host:6379 or rediss://host:6379 (TLS)')
    return undefined
  }
  const stateKey = read('COGNITO_CLIENT_SECRET') ?? read('STATE_KEY')
  if (stateKey === undefined) {
    problems.push(
      'STATE_KEY is required with REDIS_URL when the app client has no secret (a random key, 32+ characters)',
    )
    return undefined
  }
  if (read('COGNITO_CLIENT_SECRET') === undefined && stateKey.length < 32)
    problems.push('STATE_KEY must be at least 32 characters (a random key)')
  const password = read('REDIS_PASSWORD')
  return { url, cluster, deadlineMs, stateKey, ...(password === undefined ? {} : { password }) }
}

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value)
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== ''
  } catch {
    return false
  }
}

// Exactly what a browser sends in Origin: scheme, host and port, nothing else.
