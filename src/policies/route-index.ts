// The declarations of the built routes (policies.ts), read once when the app builds them: per request
// a lookup by method and matched route pattern, with no string built and nothing allocated.
import type { RateGroup } from '../config.ts'
import type { AccountSource, FailureFlow } from './rate-accounts.ts'

/** What the app and the OpenAPI document read from a route's options. */
export interface RouteDeclarations {
  rateGroup?: RateGroup
  failureBudget?: FailureFlow
  rateAccount?: AccountSource
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
  /** The per-account failure budget the route declares, if any. */
  failureBudgetOf(method: string, route: string): FailureFlow | undefined
  /** Whose account the route's requests count against (`email` unless it declares another). */
  rateAccountOf(method: string, route: string): AccountSource
  /** The auth event the route declares, if any. */
  authEventOf(method: string, route: string): string | undefined
}

/** Indexes the declarations of `routes`; one call per build of the routes. */
export function indexRoutes(routes: readonly BuiltRoute[]): RouteIndex {
  const rateGroups: ByMethod<RateGroup> = new Map()
  const failureBudgets: ByMethod<FailureFlow> = new Map()
  const rateAccounts: ByMethod<AccountSource> = new Map()
  const authEvents: ByMethod<string> = new Map()
  const put = <T>(index: ByMethod<T>, method: string, path: string, value: T | undefined) => {
    if (value === undefined) return
    const byPath = index.get(method) ?? new Map<string, T>()
    index.set(method, byPath.set(path, value))
  }
  for (const route of routes) {
    const declared = declarationsOf(route)
    put(rateGroups, route.method, route.path, declared.rateGroup)
    put(failureBudgets, route.method, route.path, declared.failureBudget)
    put(rateAccounts, route.method, route.path, declared.rateAccount)
    put(authEvents, route.method, route.path, declared.authEvent)
  }
  return {
    rateGroupOf: (method, route) => rateGroups.get(method)?.get(route),
    failureBudgetOf: (method, route) => failureBudgets.get(method)?.get(route),
    rateAccountOf: (method, route) => rateAccounts.get(method)?.get(route) ?? 'email',
    authEventOf: (method, route) => authEvents.get(method)?.get(route),
  }
}

/** A built route's declarations (its options keep the values of the declaration-only macros). */
export const declarationsOf = (route: BuiltRoute): RouteDeclarations => (route.hooks ?? {}) as RouteDeclarations
