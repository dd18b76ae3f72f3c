// Bun entry (and the compiled binary's): the shared start-up (src/service.ts) on Bun's own server.
import type { App } from './app.ts'
import { processEnv, type Env } from './config.ts'
import { runHealthcheck } from './healthcheck.ts'
import { runService, type ServeOptions, type Server } from './service.ts'

function serveWithBun(app: App, { port, idleTimeoutSeconds, maxRequestBodyBytes }: ServeOptions): Server {
  app.listen({ port, idleTimeout: idleTimeoutSeconds, maxRequestBodySize: maxRequestBodyBytes })
  const server = app.server!
  return {
    port: server.port!,
    requestIp: (request) => server.requestIP(request)?.address,
    drain: () => server.stop(false),
    close: () => server.stop(true),
  }
}

export const main = (env: Env) => runService(env, { name: `bun ${Bun.version}`, serve: serveWithBun })

if (import.meta.main) {
  // `user-service healthcheck`: the container's health check (distroless has no shell or curl).
  if (process.argv[2] === 'healthcheck') process.exit(await runHealthcheck(processEnv()))
  await main(processEnv())
}
