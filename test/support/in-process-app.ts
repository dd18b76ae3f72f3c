// The app as the route tests (test/routes/*) use it: built in process with createApp, around the stub
// gateway and verifier (stub-gateway.ts), configured through the real parseConfig from an
// environment, its log lines kept in memory. Requests go straight to `handle`, as every server
// calls it.
import { type App, type AppDeps, createApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logging.ts'
import { createAccountKey } from '../../src/state/account-keys.ts'
import { createStateKeys } from '../../src/state/keyed-hash.ts'
import { bearer, readResponse, requestInit, type JsonResponse, type RequestOptions } from './http.ts'
import { createStubGateway, type StubGateway } from './stub-gateway.ts'

/** A configuration for the stub: pool, client and issuer are never called. Rate limits off unless a test turns them on. */
const BASE_ENV = {
  COGNITO_USER_POOL_ID: 'local_routes',
  COGNITO_CLIENT_ID: 'routesclient',
  COGNITO_ISSUER: 'http://cognito.invalid/local_routes',
  RATE_LIMITS_ENABLED: 'false',
}

export interface InProcessApp {
  stub: StubGateway
  /** Every log line the app wrote (JSON text, one per line). */
  logLines: string[]
  /** Sends one request through the app's `handle`; `json` becomes an application/json body. */
  call(method: string, path: string, init?: RequestOptions): Promise<JsonResponse>
  /** The app's Elysia routes, built on first use (createApp's `routes`). */
  routes: App['routes']
}

/**
 * `env` overrides the base configuration the way the service's environment would (e.g.
 * SIGNUP_ENUMERATION_SAFE); `metrics`, when given, receives the app's series; `loadRouteGroups`
 * replaces where the route groups come from (to make building the API fail).
 */
export function inProcessApp(
  env: Record<string, string> = {},
  { metrics, loadRouteGroups }: Pick<AppDeps, 'metrics' | 'loadRouteGroups'> = {},
): InProcessApp {
  const config = parseConfig({ ...BASE_ENV, ...env })
  // One set of state keys for the app and the stub, as the service gives the gateway and the app.
  const stateKeys = createStateKeys('in-process-app')
  const stub = createStubGateway(createAccountKey(stateKeys))
  const logLines: string[] = []
  const logger = createLogger({ level: 'debug', write: (line) => void logLines.push(line) })
  const app = createApp({
    config,
    gateway: stub.gateway,
    verifyAccessToken: stub.verifyAccessToken,
    logger,
    stateKeys,
    ...(metrics ? { metrics } : {}),
    ...(loadRouteGroups ? { loadRouteGroups } : {}),
  })
  return {
    stub,
    logLines,
    call: async (method, path, init = {}) =>
      readResponse(await app.handle(new Request(`http://routes.test${path}`, requestInit(method, init)))),
    get routes() {
      return app.routes
    },
  }
}

/**
 * An in-process app with one account (`email`, `password`) signed in: its access token and the
 * Authorization header that carries it.
 */
export async function signedInApp(email: string, password: string, env: Record<string, string> = {}) {
  const app = inProcessApp(env)
  app.stub.addAccount(email, password)
  const tokens = await app.stub.signIn(email, password)
  return { ...app, auth: bearer(tokens.accessToken), accessToken: tokens.accessToken }
}
