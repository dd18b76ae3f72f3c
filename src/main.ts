// Bun entry: parse config, build deps, listen, handle signals. Nothing else.
import { createApp } from './app.ts'
import { createGateway } from './cognito/gateway.ts'
import { createAccessTokenVerifier } from './cognito/tokens.ts'
import { ConfigError, parseConfig, processEnv, type Env } from './config.ts'
import { SERVER_MAX_BODY_BYTES } from './http/body.ts'
import { createLogger } from './http/logging.ts'

// Above the ALB's 60 s idle timeout, so the ALB never reuses a connection we are closing (a 502).
const IDLE_TIMEOUT_SECONDS = 65

export async function main(env: Env): Promise<void> {
  let config
  try {
    config = parseConfig(env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`user-service: ${error.message}\n`)
    process.exit(1)
  }

  const logger = createLogger({ level: config.logLevel, secrets: config.cognito.clientSecret ? [config.cognito.clientSecret] : [] })
  const gateway = await createGateway(config.cognito)
  const verifyAccessToken = createAccessTokenVerifier(config.cognito)
  const app = createApp({ config, gateway, verifyAccessToken, logger, socketIp: (request) => app.server?.requestIP(request)?.address })
  app.listen({ port: config.port, idleTimeout: IDLE_TIMEOUT_SECONDS, maxRequestBodySize: SERVER_MAX_BODY_BYTES })
  const server = app.server!
  logger.info('listening', {
    port: server.port,
    region: config.cognito.region,
    userPoolId: config.cognito.userPoolId,
    endpoint: config.cognito.endpoint ?? 'aws',
    clientSecret: config.cognito.clientSecret ? 'set' : 'unset',
  })

  // Bun as PID 1 ignores SIGTERM unless a handler is registered. Stop accepting, let in-flight
  // requests finish (bounded), then exit 0 so ECS sees a clean stop.
  let stopping = false
  const shutdown = async (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info('shutting down', { signal, graceMs: config.shutdownTimeoutMs })
    const drained = server.stop(false).then(() => true)
    const timedOut = new Promise<false>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs, false))
    if (!(await Promise.race([drained, timedOut]))) {
      logger.warn('grace period over; closing remaining connections')
      await server.stop(true)
    }
    logger.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
  process.on('SIGINT', () => void shutdown('SIGINT'))
}

if (import.meta.main) await main(processEnv())
