// Bun entry (and the compiled binary's): the shared start-up (src/service.ts) on Bun's own server.
import type { App } from './app.ts'
import { processEnv, type Env } from './config.ts'
import { runHealthcheck } from './healthcheck.ts'
import { createBunHttpPost } from './runtime/bun/bun-http-post.ts'
import type { ServeOptions, Server } from './runtime/server.ts'
import { runService } from './service.ts'

// Bun.serve with the app's handler rather than Elysia's listen(): listen() compiles the app twice,
// reloads the server and runs a garbage collection just after start (cold start), leaves Bun's
// development error pages on unless NODE_ENV=production. `reusePort: false` because Bun binds with
// SO_REUSEPORT unless told otherwise, which lets a second copy start on a busy port and split the
// traffic with the first instead of failing. The header limit is not a Bun.serve option:
// Bun reads it at start from --max-http-header-size (scripts/build.ts bakes it into the binary).
function serveWithBun(
  app: Pick<App, 'handle'>,
  { port, idleTimeoutSeconds, maxRequestBodyBytes }: ServeOptions,
): Server {
  const server = Bun.serve({
    port,
    reusePort: false,
    idleTimeout: idleTimeoutSeconds,
    maxRequestBodySize: maxRequestBodyBytes,
    development: false,
    fetch: app.handle,
  })
  return {
    port: server.port!,
    requestIp: (request) => server.requestIP(request)?.address,
    drain: () => server.stop(false),
    close: () => server.stop(true),
  }
}

export const main = (env: Env) =>
  runService(env, {
    name: `bun ${Bun.version}`,
    serve: serveWithBun,
    // Bun's fetch keeps too few idle connections for the calls in flight (runtime/bun/bun-http-post.ts).
    cognitoPost: createBunHttpPost,
  })

if (import.meta.main) {
  // `user-service healthcheck`: the container's health check (distroless has no shell or curl).
  if (process.argv[2] === 'healthcheck') process.exit(await runHealthcheck(processEnv()))
  // `user-service doctor`: checks the configured pool before a deploy; loaded only for it.
  if (process.argv[2] === 'doctor') {
    const { runDoctor, terminalIo } = await import('./doctor/doctor.ts')
    process.exit(await runDoctor(process.argv.slice(3), processEnv(), terminalIo()))
  }
  await main(processEnv())
}
