// The declarations of the built routes (policies.ts), read once when the app builds them: per request
// a lookup by method and matched route pattern, with no string built and nothing allocated.
import type { RateGroup } from '../config.ts'
import type { RateLimiter } from '../http/limits.ts'

/** What the app and the OpenAPI document read from a route's options. */
export interface RouteDeclarations {
  rateGroup?: RateGroup
  authEvent?: string
  successDescription?: string
}

type ByMethod<T> = Map<string, Map<string, T>>

/** A route as Elysia lists it (`app.routes`): its method, pattern and options after the macros. */
export interface BuiltRoute {
  method: string
  path: string
  hooks: unknown
}

export interface RouteIndex {
  /** The rate group the route declares, if any. */
  rateGroupOf(method: string, route: string): RateGroup | undefined
  /** The auth event the route declares, if any. */
  authEventOf(method: string, route: string): string | undefined
}

/** Indexes the declarations of `routes`; one call per build of the routes. */
export function indexRoutes(routes: readonly BuiltRoute[]): RouteIndex {
  const rateGroups: ByMethod<RateGroup> = new Map()
  const authEvents: ByMethod<string> = new Map()
  const put = <T>(index: ByMethod<T>, method: string, path: string, value: T | undefined) => {
    if (value === undefined) return
    const byPath = index.get(method) ?? new Map<string, T>()
    index.set(method, byPath.set(path, value))
  }
  for (const route of routes) {
    const declared = declarationsOf(route)
    put(rateGroups, route.method, route.path, declared.rateGroup)
    put(authEvents, route.method, route.path, declared.authEvent)
  }
  return {
    rateGroupOf: (method, route) => rateGroups.get(method)?.get(route),
    authEventOf: (method, route) => authEvents.get(method)?.get(route),
  }
}

/** A built route's declarations (its options keep the values of the declaration-only macros). */
export const declarationsOf = (route: BuiltRoute): RouteDeclarations => (route.hooks ?? {}) as RouteDeclarations

/**
 * An answer to an emailed one-time code on /signin/challenge: it counts against the code-guessing
 * budget (`verify`) as well as the route's own group.
 */
export function guessesEmailCode(route: string, body: unknown): boolean {
  return (
    route === '/signin/challenge' && (body as { challengeName?: unknown } | undefined)?.challengeName === 'EMAIL_OTP'
  )
}

/** A request to count against its rate group. */
export interface CountedRequest {
  limit: RateLimiter
  group: RateGroup
  /** The matched route pattern. */
  route: string
  body: unknown
  ip: string | undefined
}

/**
 * Counts a request per IP and per account against its group (an emailed-code answer against
 * `verify` as well). The account is the body's `email`, except for a challenge answer: there it is
 * the one sealed in the session (`accountOfSession`), since the body's email is the caller's to
 * choose and the answer can only sign in the account the sign-in was started for.
 * @throws ProblemError too_many_requests (synchronously, or through the promise for a challenge answer).
 */
export function countRequest(
  { limit, group, route, body, ip }: CountedRequest,
  email: string | undefined,
  accountOfSession: (session: string) => Promise<string | undefined>,
): void | Promise<void> {
  const count = (account: string | undefined) => {
    limit(group, ip, account)
    if (guessesEmailCode(route, body)) limit('verify', ip, account)
  }
  const session = (body as { session?: unknown } | undefined)?.session
  if (route !== '/signin/challenge' || typeof session !== 'string') return count(email)
  return accountOfSession(session).then(count)
}
