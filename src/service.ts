// What every entry does, whatever runs it (Bun, Node, the compiled binary): parse config, build deps,
// serve, handle signals. An entry supplies only the runtime's server (`Runtime.serve`), so settings
// such as the idle timeout and the body limit are chosen once, here.
import type { App } from './app.ts'
import { ConfigError, parseConfig, type Config, type Env } from './config.ts'
import { createCallLimit } from './cognito/call-limit.ts'
import { fetchPost, type HttpPost } from './cognito/http-post.ts'
import type { Logger } from './logging.ts'
import type { ServeOptions, Server } from './runtime/server.ts'
import { createStateKeys } from './state/keyed-hash.ts'

// Above the ALB's 60 s idle timeout, so the ALB never reuses a connection we are closing (a 502).
export const IDLE_TIMEOUT_SECONDS = 65

/**
 * Request headers accepted, in bytes, request line and all fields together. The ALB forwards up to
 * 64 KiB of headers (16 KiB in one line) and adds its own (X-Forwarded-*, X-Amzn-Trace-Id), so the
 * service takes 80 KiB. Node takes it per server (`maxHeaderSize`); Bun's is process-wide and read
 * at start from `--max-http-header-size` (16 KiB without it), which scripts/build.ts bakes into the
 * compiled binary. Over it, the runtime answers a bare 431 itself: the app never sees the request.
 */
export const MAX_HEADER_BYTES = 80 * 1024

export interface Runtime {
  /** Logged at start-up, e.g. `bun 1.4.5`, `node v20.20.2`. */
  name: string
  /** Serves `app.handle` (the API, or the metrics endpoint on its own port). */
  serve(app: Pick<App, 'handle'>, options: ServeOptions): Server | Promise<Server>
  /**
   * The HTTP client of the Cognito JSON transport, given the connect timeout and the call limit (as
   * many connections are kept open); fetch when absent.
   */
  cognitoPost?(connectTimeoutMs: number, maxConnections: number): HttpPost
}

export async function runService(env: Env, runtime: Runtime): Promise<void> {
  let config: Config
  try {
    config = parseConfig(env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`user-service: ${error.message}\n`)
    process.exit(1)
  }
  // Loaded once the configuration is known to be good: a bad one is reported in milliseconds, not
  // after Elysia and the AWS SDK have loaded (a second or more on a busy host).
  const [{ createApp }, { createGateway }, { createAccessTokenVerifier }, { SERVER_MAX_BODY_BYTES }, { createLogger }] =
    await Promise.all([
      import('./app.ts'),
      import('./cognito/gateway.ts'),
      import('./tokens/access-token-verifier.ts'),
      import('./http/body.ts'),
      import('./logging.ts'),
    ])
  // prom-client only when metrics are on: without METRICS_PORT it is never loaded.
  const metrics =
    config.metricsPort === undefined ? undefined : (await import('./observability/metrics.ts')).createMetrics()

  const logger = createLogger({
    level: config.logLevel,
    secrets: [
      config.cognito.clientSecret,
      config.cognito.previousClientSecret,
      config.eventEmailKey,
      config.store?.stateKey,
      storePassword(config),
    ].filter((s): s is string => s !== undefined),
  })
  // Runtime warnings (such as the AWS SDK's notice about Node versions) become JSON log lines too,
  // instead of multi-line text on stderr that log shippers split and cannot parse.
  process.removeAllListeners('warning')
  process.on('warning', ({ name, message }) => logger.warn('runtime warning', { name, message }))
  // One set of state keys for the gateway and the app: a challenge session seals the rate-limit
  // account the limiter counts its answers against (src/state/account-keys.ts).
  const stateKeys = createStateKeys(
    config.store?.stateKey ?? config.cognito.clientSecret,
    config.cognito.previousClientSecret,
  )
  const { connectTimeoutMs, maxConcurrency, queueLimit } = config.cognito
  const callLimit = createCallLimit(maxConcurrency, queueLimit)
  metrics?.watchCognitoCalls(callLimit.stats)
  // With a store, revocations, rate limits and used TOTP codes are shared with the other tasks
  // (src/state/); node-redis loads only then.
  const shared =
    config.store === undefined
      ? undefined
      : await import('./state/shared-state.ts').then(async ({ startSharedState }) =>
          startSharedState(config.store!, {
            logger,
            metrics,
            revocations: (await import('./tokens/revocations.ts')).createRevocationList(),
            refreshWaitMs: config.cognito.timeoutMs,
          }),
        )
  const gateway = await createGateway(config.cognito, {
    post: callLimit.limit(runtime.cognitoPost?.(connectTimeoutMs, maxConcurrency) ?? fetchPost),
    metrics,
    stateKeys,
    ...(shared ? { state: { usedTotpCodes: shared.usedTotpCodes, sharedRefresh: shared.sharedRefresh } } : {}),
  })
  const verifySignature = createAccessTokenVerifier(config.cognito, metrics)
  // The hibp client only when the check is on (BREACHED_PASSWORD_CHECK).
  const breachedPasswords = config.breachedPasswords.enabled
    ? (await import('./passwords/breached-passwords.ts')).createBreachedPasswords(config.breachedPasswords, {
        logger,
        metrics,
      })
    : undefined
  let server: Server | undefined
  let tokenCheckServer: Server | undefined
  const app = createApp({
    config,
    gateway,
    verifyAccessToken: shared ? shared.revocations.verifier(verifySignature) : verifySignature,
    ...(shared ? { revocations: shared.revocations.list, rateStore: shared.rateStore } : {}),
    logger,
    stateKeys,
    // A request on the token check's own port is that server's.
    socketIp: (request) => server?.requestIp(request) ?? tokenCheckServer?.requestIp(request),
    ...(metrics ? { metrics } : {}),
    ...(breachedPasswords ? { breachedPasswords } : {}),
  })
  let metricsServer: Server | undefined
  const serveOn = async (handler: Pick<App, 'handle'>, port: number, what: string) => {
    try {
      return await runtime.serve(handler, {
        port,
        idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
        maxRequestBodyBytes: SERVER_MAX_BODY_BYTES,
        maxHeaderBytes: MAX_HEADER_BYTES,
      })
    } catch (error) {
      const reason = bindFailure(error, port, what)
      if (reason === undefined) throw error
      process.stderr.write(`user-service: ${reason}\n`)
      process.exit(1)
    }
  }
  server = await serveOn(app, config.port, 'PORT')
  if (metrics && config.metricsPort !== undefined) {
    const { metricsHandler } = await import('./observability/metrics.ts')
    metricsServer = await serveOn({ handle: metricsHandler(metrics) }, config.metricsPort, 'METRICS_PORT')
  }
  if (config.tokenCheckPort !== undefined) {
    const { onlyTokenCheck } = await import('./routes/token-check.ts')
    tokenCheckServer = await serveOn({ handle: onlyTokenCheck(app.handle) }, config.tokenCheckPort, 'TOKEN_CHECK_PORT')
  }
  // Signal handlers before the `listening` line: whoever waits for that line may signal at once.
  stopOnSignals(server, logger, config.shutdownTimeoutMs, metricsServer, tokenCheckServer)
  logger.info('listening', {
    port: server.port,
    ...(metricsServer ? { metricsPort: metricsServer.port } : {}),
    ...(tokenCheckServer ? { tokenCheckPort: tokenCheckServer.port } : {}),
    runtime: runtime.name,
    region: config.cognito.region,
    userPoolId: config.cognito.userPoolId,
    endpoint: config.cognito.endpoint ?? 'aws',
    clientSecret: config.cognito.clientSecret ? 'set' : 'unset',
    store: config.store ? (config.store.cluster ? 'cluster' : 'single') : 'memory',
  })
}

/** The store's password (REDIS_PASSWORD, else the one REDIS_URL carries), if any: kept out of every log line. */
function storePassword(config: Config): string | undefined {
  if (config.store === undefined) return undefined
  const password = config.store.password ?? decodeURIComponent(new URL(config.store.url).password)
  return password === '' ? undefined : password
}

/** One line for the ways binding a port fails (Bun and Node both set these codes), else undefined. */
function bindFailure(error: unknown, port: number, setting: string): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'EADDRINUSE')
    return `port ${port} is already in use (another copy of the service, or another program): set ${setting} to a free one`
  if (code === 'EACCES') return `not allowed to listen on port ${port}: use a port above 1023, or grant the capability`
  return undefined
}

// Bun as PID 1 ignores SIGTERM unless a handler is registered. Stop accepting, let in-flight
// requests finish (bounded), then exit 0 so ECS sees a clean stop.
// The metrics port closes at once: a scrape in flight is worth nothing to a stopping task. The token
// check's port drains with the API's: its checks are requests of the API's clients.
function stopOnSignals(
  server: Server,
  logger: Logger,
  graceMs: number,
  metricsServer?: Server,
  tokenCheckServer?: Server,
): void {
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info('shutting down', { signal, graceMs })
    void metricsServer?.close()
    const drained = Promise.all([server.drain(), tokenCheckServer?.drain()]).then(() => true)
    const timedOut = new Promise<false>((resolve) => setTimeout(resolve, graceMs, false))
    if (!(await Promise.race([drained, timedOut]))) {
      logger.warn('grace period over; closing remaining connections')
      await Promise.all([server.close(), tokenCheckServer?.close()])
    }
    logger.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}
