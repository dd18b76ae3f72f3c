// createApp(deps): the whole HTTP surface. `routes` resolves to the Elysia app (its type drives Eden
// clients), built on first use; `handle` is what every server calls, a web-standard
// (Request) => Promise<Response> that gives each request its id, CORS and its access-log line around
// the routes. No I/O happens here at import or build time.
import { Elysia } from 'elysia'
import type { CognitoGateway } from './cognito/gateway.ts'
import { createRevocationList, withRevocations, type RevocationList } from './tokens/revocations.ts'
import type { AccessTokenVerifier } from './tokens/claims.ts'
import type { Config, TokenCheckSettings } from './config.ts'
import { readJsonBody } from './http/body.ts'
import { isOptionalBody } from './http/optional-body.ts'
import { corsPreflight, corsHeaders } from './http/cors.ts'
import { clientIp } from './http/client-address.ts'
import { withClientAddress } from './http/request-context.ts'
import { requestIdFrom, traceIdFrom } from './http/request-ids.ts'
import { RouteMethods } from './http/route-methods.ts'
import { problemFromElysiaError } from './http/elysia-errors.ts'
import { describeError, type Logger } from './logging.ts'
import { createAuthEvents } from './observability/auth-events.ts'
import type { Metrics } from './observability/metrics.ts'
import type { BreachedPasswords } from './passwords/breached-passwords.ts'
import { UNMATCHED_ROUTE } from './observability/route-label.ts'
import { registerFormats } from './http/formats.ts'
import { ProblemError, problemResponse } from './http/problem.ts'
import { SECURITY_HEADERS } from './http/security-headers.ts'
import { lazy } from './lazy.ts'
import type { RateStore } from './http/limits.ts'
import { createRequestLimits } from './policies/rate-limits.ts'
import { indexRoutes, type RouteIndex } from './policies/route-index.ts'
import type { StateKeys } from './state/keyed-hash.ts'
import type * as RouteGroups from './routes/groups.ts'
import type { TokenCheck } from './routes/token-check.ts'
import { healthRoutes } from './routes/health.ts'

export interface AppDeps {
  config: Pick<
    Config,
    | 'trustProxy'
    | 'swaggerEnabled'
    | 'rateLimits'
    | 'corsOrigins'
    | 'signupEnumerationSafe'
    | 'recentSignInSeconds'
    | 'eventEmailKey'
    | TokenCheckSettings
  >
  gateway: CognitoGateway
  verifyAccessToken: AccessTokenVerifier
  logger: Logger
  /** The socket's peer address; the runtime entry supplies it (Bun: server.requestIP). */
  socketIp?: (request: Request) => string | undefined
  /** Where request, Cognito and rate-limit series go; absent: no metrics (METRICS_PORT unset). */
  metrics?: Metrics
  /** Access tokens revoked through this app (sign-outs, deletions); a fresh list unless given. */
  revocations?: RevocationList
  /** The rate-limit buckets (the store shared by every task); this app's own in memory unless given. */
  rateStore?: RateStore
  /** Keys of the service's security state (rate-limit accounts, device tokens); random ones unless given. */
  stateKeys?: StateKeys
  /** The breached-password check (BREACHED_PASSWORD_CHECK); absent: off. */
  breachedPasswords?: BreachedPasswords
  /** Loads every route group but /health (src/routes/groups.ts, the default); tests make it fail. */
  loadRouteGroups?: () => Promise<typeof RouteGroups>
}

interface RequestMeta {
  reqId: string
  /** The ALB's X-Amzn-Trace-Id, when it sent one: what joins its access log with ours. */
  traceId: string | undefined
  ip: string | undefined
  /** The matched route pattern, once Elysia has matched one: the metrics' and events' label. */
  route?: string
  /** The problem the request was answered with. */
  problem?: ProblemError
  /** The email the body names (only ever hashed into an auth event). */
  email?: string
}

export function createApp({
  config,
  gateway,
  verifyAccessToken: verifySignature,
  logger,
  socketIp,
  metrics,
  revocations = createRevocationList(),
  rateStore,
  stateKeys,
  breachedPasswords,
  loadRouteGroups = () => import('./routes/groups.ts'),
}: AppDeps) {
  registerFormats()
  // Every bearer route sees a token revoked here as invalid at once, not only when it expires.
  const verifyAccessToken = withRevocations(verifySignature, revocations)
  // Filled once the routes are registered: the methods each route pattern answers, to tell 405 from 404.
  const methods = new RouteMethods()
  // Filled with the routes that declare a body ("POST /signin"), each with whether a request may
  // leave it out. Only theirs is read: any other route ignores a body, since some clients send
  // `Content-Type: application/json` (and nothing, or anything) with every request, and POST
  // /signout must still answer its bearer check.
  const bodyOptionalAt = new Map<string, boolean>()
  // What the routes declare (rate group, auth event), indexed once they are built.
  let declared: RouteIndex = indexRoutes([])
  const limits = createRequestLimits({
    config: config.rateLimits,
    stateKeys,
    store: rateStore,
    onRejected: metrics?.rateLimited,
    sealedAccountOf: gateway.challengeAccount,
  })
  const events = createAuthEvents(logger, { emailKey: config.eventEmailKey, ...(metrics ? { metrics } : {}) })
  const allowedOrigins = new Set(config.corsOrigins)
  const metaOf = new WeakMap<Request, RequestMeta>()

  // The route and email a request named, for its access-log line and auth event; its client address.
  const noteRoute = (route: string, body: unknown, request: Request) => {
    const meta = metaOf.get(request)
    if (meta) {
      meta.route = route
      meta.email = (body as { email?: string } | undefined)?.email
    }
    return meta?.ip
  }

  // The hooks around every route, on a fresh instance: the whole API and the /health-only app
  // below each get their own. `aot: false` (Elysia's dynamic handler, no generated code) is for the
  // /health-only app: it serves a task's first health checks, and composing it was half their time.
  const withHooks = (aot = true) =>
    new Elysia({ aot })
      // Every context starts with these (Elysia copies them in its compiled context literal): cheaper
      // than assigning them per request in a hook.
      .headers(SECURITY_HEADERS)
      // Hooks destructure what they use: Elysia reads a hook's parameters to decide what to prepare
      // per request, and a hook that takes the whole context makes it parse query, headers and
      // cookies for every request. Per-request data lives in a WeakMap (set by `handle`) for the
      // same reason.
      // Not undefined for an ignored body: Elysia would then try its own parser on it.
      .onParse(({ request, route }) => {
        const optional = bodyOptionalAt.get(`${request.method} ${route}`)
        return optional === undefined ? null : readJsonBody(request, optional)
      })
      .onBeforeHandle(
        // A hook that may return a promise must look asynchronous to Elysia, which then awaits it on
        // every route: only when the buckets are in a shared store.
        rateStore === undefined
          ? ({ route, body, request }) => {
              const ip = noteRoute(route, body, request)
              limits.admit(request, declared, route, body, ip)
            }
          : async ({ route, body, request }) => {
              const ip = noteRoute(route, body, request)
              await limits.admit(request, declared, route, body, ip)
            },
      )
      // No `set` here: an error hook that takes it made Elysia's composed handler dearer on every
      // request, failed or not (docs/performance.md, "Choices made for speed").
      .onError(({ code, error, request, path, route }) => {
        const meta = metaOf.get(request)
        const problem = problemFromElysiaError(code, error, path, methods)
        if (meta) meta.route ??= route
        noteProblem(request, path, meta, problem)
        return problemResponse(problem)
      })
  // A request answered with `problem`: its access line and event name it; a 5xx is logged with its cause.
  const noteProblem = (request: Request, path: string, meta: RequestMeta | undefined, problem: ProblemError) => {
    if (meta) meta.problem = problem
    if (problem.status < 500) return
    logger.error('request failed', {
      reqId: meta?.reqId,
      traceId: meta?.traceId,
      method: request.method,
      path,
      code: problem.code,
      ...describeError(problem.cause ?? problem),
    })
  }
  const buildRoutes = ({
    accountRoutes,
    authRoutes,
    docsRoutes,
    emailChangeRoutes,
    mfaRoutes,
    mfaSetupRoutes,
    passwordlessRoutes,
    tokenRoutes,
    createTokenCheck,
    policies,
  }: typeof RouteGroups) => {
    const { recentSignInSeconds } = config
    const policy = policies({
      verify: verifyAccessToken,
      recentSignInSeconds,
      breachedPasswords,
      flagPasswordBreached: gateway.flagPasswordBreached,
    })
    tokenCheck = createTokenCheck({ config, verifySignature, revocations, clientIp: (r) => metaOf.get(r)?.ip, metrics })
    const routes = withHooks()
      .use(healthRoutes())
      .use(authRoutes(gateway, policy, { enumerationSafe: config.signupEnumerationSafe, revocations }))
      .use(accountRoutes(gateway, policy, { revocations, recentSignInSeconds: config.recentSignInSeconds }))
      .use(mfaRoutes(gateway, policy, revocations))
      .use(emailChangeRoutes(gateway, policy))
      .use(mfaSetupRoutes(gateway, policy))
      .use(passwordlessRoutes(gateway, policy, revocations))
      .use(tokenRoutes(gateway, policy, revocations))
      .use(tokenCheck.routes)
    if (config.swaggerEnabled) routes.use(docsRoutes(routes))
    for (const route of routes.routes) {
      methods.add(route.path, route.method)
      if (route.hooks.body) bodyOptionalAt.set(`${route.method} ${route.path}`, isOptionalBody(route.hooks.body))
    }
    declared = indexRoutes(routes.routes)
    return routes
  }
  // Built on first use: importing and registering every route group is most of a cold start (docs/performance.md).
  // Until then a GET /health (a new task's first request: the load balancer's health check) goes to an app of the
  // health route alone; once answered, the whole API is built in the next turn of the event loop. Any other request
  // builds it at once. After a failed build /health waits for the API like every other request (a 500 while it
  // cannot be built): the task fails its health checks, the load balancer stops sending it traffic, ECS replaces it.
  let routes: ReturnType<typeof buildRoutes> | undefined
  let tokenCheck: TokenCheck | undefined
  let healthOnly: Pick<Elysia, 'handle'> | undefined
  let buildFailed = false
  const allRoutes = lazy(async () => {
    try {
      routes = buildRoutes(await loadRouteGroups())
      return routes
    } catch (error) {
      buildFailed = true
      throw error
    }
  })
  const routesBeforeBuilt = async (request: Request): Promise<Pick<Elysia, 'handle'>> => {
    if (buildFailed || request.method !== 'GET' || pathOf(request.url) !== '/health') return allRoutes()
    if (healthOnly === undefined) {
      healthOnly = withHooks(false).use(healthRoutes())
      setTimeout(
        () =>
          void allRoutes().catch((error: unknown) =>
            logger.error('building the routes failed; the next request tries again', describeError(error)),
          ),
        0,
      )
    }
    return healthOnly
  }

  // Around Elysia rather than in its onRequest/onAfterResponse hooks: the same work there cost
  // more per request (an after-response hook is a setImmediate per request,
  // docs/performance.md), and here the log sees the final status without help from the error hook.
  const handle = async (request: Request): Promise<Response> => {
    const startedAt = performance.now()
    metrics?.requestStarted()
    const routed = routable(request)
    const meta: RequestMeta = {
      reqId: requestIdFrom(request.headers.get('x-request-id')),
      traceId: traceIdFrom(request.headers.get('x-amzn-trace-id')),
      ip: clientIp(request.headers.get('x-forwarded-for'), () => socketIp?.(request), config.trustProxy),
    }
    metaOf.set(routed, meta)
    const path = pathOf(request.url)
    const preflight = allowedOrigins.size > 0 ? corsPreflight(request, allowedOrigins) : undefined
    let response = preflight ?? (await answer(routed, meta, path))
    limits.settle(routed, response.status, meta.problem?.code)
    try {
      decorate(request, response, meta, preflight !== undefined)
    } catch {
      // Immutable headers (a Response.redirect): decorate a copy.
      response = new Response(response.body, response)
      decorate(request, response, meta, preflight !== undefined)
    }
    const durationMs = performance.now() - startedAt
    const route = meta.route ?? UNMATCHED_ROUTE
    logger.info('request', {
      reqId: meta.reqId,
      traceId: meta.traceId,
      method: request.method,
      path,
      route,
      status: response.status,
      durationMs: Math.round(durationMs * 100) / 100,
      ip: meta.ip,
    })
    metrics?.requestFinished(route, request.method, response.status, durationMs / 1000)
    events.requestFinished(routed, route, declared.authEventOf(request.method, route), response.status, meta)
    return response
  }
  // The token check before any routing, once the routes are built: it sits in front of every request
  // of other services. Elysia answers every error through onError; anything that still escapes is a
  // 500 all the same. `request` is the routable one (see `routable`).
  async function answer(request: Request, meta: RequestMeta, path: string): Promise<Response> {
    if (tokenCheck?.covers(path)) {
      meta.route = tokenCheck.routeOf(path)
      return tokenCheck.answer(request, meta.ip, (problem) => noteProblem(request, path, meta, problem))
    }
    try {
      return await withClientAddress(meta.ip, async () =>
        (routes ?? (await routesBeforeBuilt(request))).handle(request),
      )
    } catch (error) {
      noteProblem(request, path, meta, new ProblemError('internal_error', undefined, { cause: error }))
      return problemResponse(new ProblemError('internal_error'))
    }
  }
  // The trace id goes back to the client too: one id a caller can quote that is in the ALB's access
  // log and in ours, even for an answer the ALB gave itself (460, 502, 504: no X-Request-Id there).
  function decorate(request: Request, response: Response, { reqId, traceId }: RequestMeta, preflight: boolean): void {
    const headers = response.headers
    headers.set('x-request-id', reqId)
    if (traceId !== undefined) headers.set('x-amzn-trace-id', traceId)
    if (allowedOrigins.size === 0) return
    for (const [name, value] of Object.entries(corsHeaders(request, allowedOrigins))) headers.set(name, value)
    if (preflight) for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, value)
  }
  return {
    /** The whole API as one Elysia app, once built (now, if no request has built it yet). */
    get routes() {
      return allRoutes()
    },
    handle,
  }
}

export type App = ReturnType<typeof createApp>
/** The routes' type, for Eden Treaty clients. */
export type Routes = Awaited<App['routes']>

// Elysia looks for the path's '/' from index 11 of the URL, past "http://" and 4 characters: with a Host of 3
// characters or fewer (`Host: api`, a service-to-service call by a short name) it misses it and every route is a 404.
// Such a request is routed as a copy under a host long enough; one indexOf per request for the rest.
const ROUTABLE_HOST = 'http://localhost'
const routable = (request: Request): Request => {
  const url = request.url
  const slash = url.indexOf('/', url.indexOf('//') + 2)
  return slash === -1 || slash >= 11 ? request : new Request(ROUTABLE_HOST + url.slice(slash), request)
}

/** The path of a request URL, without the query: what Elysia routes on. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3)
  if (start === -1) return '/'
  const query = url.indexOf('?', start)
  return query === -1 ? url.slice(start) : url.slice(start, query)
}
