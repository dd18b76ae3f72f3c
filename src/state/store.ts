// The shared state store (Redis, or Valkey: the same protocol) through node-redis's core client,
// pure JavaScript, so the same code runs on Bun, on Node and inside the compiled binary
// (docs/architecture.md, "The state store's client"). Loaded only when REDIS_URL is set.
// Every operation is one command (a script when it must be atomic), bounded by the store deadline:
// past it, or while the store is unreachable, the caller gets UNAVAILABLE at once and goes on with
// its own per-task state. A store that accepts connections and answers nothing cannot hold a
// request longer than the deadline.
import { createHash } from 'node:crypto'
import { createClient, createCluster, ErrorReply } from '@redis/client'
import type { StoreConfig } from '../config.ts'
import { describeError, type Logger } from '../logging.ts'
import { UNAVAILABLE, type Store, type StoreAnswer } from './store-types.ts'

export { UNAVAILABLE } from './store-types.ts'

export interface StoreOptions {
  logger: Logger
  /** Told each time the store becomes unreachable (false) and reachable again (true). */
  onReachability?: (reachable: boolean) => void
  /**
   * Credentials asked for at each (re)connection, for short-lived ones (ElastiCache IAM tokens);
   * absent: the user and password of REDIS_URL, if any.
   */
  credentials?: () => Promise<{ username?: string; password: string }>
  /** How often the store is pinged to notice it has gone or come back (ms). */
  probeIntervalMs?: number
}

// Reconnection backoff: quick at first (a restarted store is back in a second), capped so a task
// keeps trying every second while the store is gone.
const reconnectDelayMs = (retries: number) => Math.min(50 * 2 ** retries, 1000)

/** The commands both client kinds offer, narrowed to what the store needs. */
interface Connection {
  send(slotKey: string, args: string[]): Promise<unknown>
  subscribe(channel: string, listener: (message: string) => void): Promise<void>
  connect(): Promise<unknown>
  close(): void
}

/**
 * Connects in the background (an unreachable store does not stop the start) and keeps
 * reconnecting. Reachability is logged and reported once per change.
 */
export function openStore(config: StoreConfig, options: StoreOptions): Store {
  const { logger, onReachability, probeIntervalMs = 500 } = options
  const connection = connect(config, options, (error) => markUnreachable(describeError(error)))
  let reachable = false
  let closed = false
  const reachableListeners: Array<() => void> = []

  function markUnreachable(reason: Record<string, unknown>) {
    if (!reachable || closed) return
    reachable = false
    logger.warn('state store unreachable: falling back to per-task state', reason)
    onReachability?.(false)
  }
  function markReachable() {
    if (reachable || closed) return
    reachable = true
    logger.info('state store reachable')
    onReachability?.(true)
    for (const listener of reachableListeners) listener()
  }

  /** `promise`, or UNAVAILABLE once the deadline has passed; a connection failure marks the store down. */
  const withinDeadline = <T>(promise: Promise<T>): Promise<StoreAnswer<T>> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        resolve(UNAVAILABLE)
        markUnreachable({ reason: `no answer within ${config.deadlineMs} ms` })
      }, config.deadlineMs)
      promise.then(
        (value) => {
          clearTimeout(timer)
          resolve(value)
        },
        (error: unknown) => {
          clearTimeout(timer)
          resolve(UNAVAILABLE)
          // A refused command (a script error, a wrong type) is a defect, not an outage.
          if (error instanceof ErrorReply) logger.error('state store refused a command', describeError(error))
          else markUnreachable(describeError(error))
        },
      )
    })

  let probing = false
  const probe = async () => {
    if (probing || closed || !connected) return
    probing = true
    const answer = await withinDeadline(connection.send('', ['PING']))
    probing = false
    if (answer !== UNAVAILABLE) markReachable()
  }
  const prober = setInterval(probe, probeIntervalMs)
  prober.unref?.()
  // Subscriptions wait for the first connection; the client renews them after each reconnection.
  const subscriptions: Array<[string, (message: string) => void]> = []
  let connected = false
  const subscribe = (channel: string, listener: (message: string) => void) =>
    connection.subscribe(channel, listener).catch((error: unknown) => {
      logger.warn('state store subscription failed', describeError(error))
    })
  const firstConnection = async (): Promise<void> => {
    try {
      await connection.connect()
    } catch (error) {
      if (closed) return
      logger.warn('state store unreachable', describeError(error))
      await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(10)))
      return firstConnection()
    }
    await Promise.all(subscriptions.map(([channel, listener]) => subscribe(channel, listener)))
    connected = true
    await probe()
  }
  void firstConnection()

  return {
    get reachable() {
      return reachable
    },
    command(slotKey, args) {
      if (!reachable) return Promise.resolve(UNAVAILABLE)
      return withinDeadline(args[0] === 'EVAL' ? evalBySha(connection, slotKey, args) : connection.send(slotKey, args))
    },
    async subscribe(channel, listener) {
      subscriptions.push([channel, listener])
      if (connected) await subscribe(channel, listener)
    },
    onReachable(listener) {
      reachableListeners.push(listener)
      if (reachable) listener()
    },
    close() {
      closed = true
      clearInterval(prober)
      connection.close()
    },
  }
}

const shaOfScript = new Map<string, string>()

/**
 * EVAL sent as EVALSHA (the script's SHA-1 instead of its text, on every call), and as EVAL when the
 * server has not cached the script yet (NOSCRIPT: a new or restarted server, another node), which
 * caches it there.
 */
async function evalBySha(connection: Connection, slotKey: string, [, script, ...rest]: string[]): Promise<unknown> {
  let sha = shaOfScript.get(script!)
  if (sha === undefined) {
    sha = createHash('sha1').update(script!).digest('hex')
    shaOfScript.set(script!, sha)
  }
  try {
    return await connection.send(slotKey, ['EVALSHA', sha, ...rest])
  } catch (error) {
    if (!(error instanceof ErrorReply && error.message.startsWith('NOSCRIPT'))) throw error
    return connection.send(slotKey, ['EVAL', script!, ...rest])
  }
}

/** node-redis's client for a plain server, its cluster client for one in cluster mode. */
function connect(config: StoreConfig, options: StoreOptions, onError: (error: unknown) => void): Connection {
  const url = options.credentials ? withoutCredentials(config.url) : urlWithPassword(config)
  const target = new URL(url)
  const clientOptions = {
    // Without a connection a command fails at once instead of waiting in a queue for one.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: Math.max(config.deadlineMs * 10, 1000),
      reconnectStrategy: reconnectDelayMs,
      ...(target.protocol === 'rediss:' ? { tls: true as const } : {}),
    },
    ...(options.credentials ? { credentialsProvider: credentialsProvider(options.credentials) } : {}),
  }
  if (config.cluster) {
    // The cluster client connects to the nodes it discovers with `defaults` alone, not with the
    // URL: TLS and the user go there too, or every node but the first refuses it.
    const user = options.credentials
      ? {}
      : {
          username: decodeURIComponent(target.username) || undefined,
          password: decodeURIComponent(target.password) || undefined,
        }
    const cluster = createCluster({ rootNodes: [{ url }], defaults: { ...clientOptions, ...user } })
    cluster.on('error', onError)
    return {
      send: (slotKey, args) => cluster.sendCommand(slotKey === '' ? undefined : slotKey, false, args),
      subscribe: (channel, listener) => cluster.sSubscribe(channel, listener),
      connect: () => cluster.connect(),
      close: () => void cluster.destroy(),
    }
  }
  const client = createClient({ url, ...clientOptions })
  client.on('error', onError)
  // Subscribed connections take no other command: the subscription has its own.
  const subscriber = client.duplicate()
  subscriber.on('error', onError)
  return {
    send: (_slotKey, args) => client.sendCommand(args),
    subscribe: (channel, listener) => subscriber.sSubscribe(channel, listener),
    connect: () => Promise.all([client.connect(), subscriber.connect()]),
    close() {
      client.destroy()
      subscriber.destroy()
    },
  }
}

/** REDIS_URL with REDIS_PASSWORD in it: node-redis takes the user and password from the URL, whole. */
function urlWithPassword({ url, password }: StoreConfig): string {
  if (password === undefined) return url
  const withPassword = new URL(url)
  withPassword.password = encodeURIComponent(password)
  return withPassword.href
}

/** REDIS_URL without user and password: node-redis lets a URL's credentials override the provider hook. */
function withoutCredentials(url: string): string {
  const bare = new URL(url)
  bare.username = ''
  bare.password = ''
  return bare.href
}

/** node-redis's hook for credentials fetched per connection (its "async credentials provider"). */
function credentialsProvider(credentials: () => Promise<{ username?: string; password: string }>) {
  return { type: 'async-credentials-provider' as const, credentials }
}
