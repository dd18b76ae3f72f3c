// The token check for everything behind the load balancer: a proxy (nginx auth_request, Traefik
// ForwardAuth, Caddy forward_auth, Envoy ext_authz) or another service asks, before each request it
// serves, whether the caller's access token is good and whose it is. Verified here, against the
// pool's cached keys and the revocation list every bearer route uses; Cognito is never called.
// Any method and any path under /token/verify, body never read: proxies send the original request's
// method and path (Envoy's path_prefix, Traefik's preserveRequestMethod).
import { Elysia } from 'elysia'
import type { Config, TokenCheckSettings } from '../config.ts'
import { rateLimitKey } from '../http/client-address.ts'
import { TokenBuckets } from '../http/limits.ts'
import { ProblemError, problemResponse } from '../http/problem.ts'
import { SECURITY_HEADERS } from '../http/security-headers.ts'
import type { Metrics, TokenCheckOutcome } from '../observability/metrics.ts'
import { BEARER_SECURITY } from '../policies/policies.ts'
import { BEARER_RESPONSES, problemResponses } from '../schemas/problems.ts'
import { IDENTITY_HEADERS, TokenCheckResponse } from '../schemas/token-check.ts'
import { bearerToken } from '../tokens/access-token-verifier.ts'
import type { AccessClaims, AccessTokenVerifier } from '../tokens/claims.ts'
import { type RevocationList, TokenRevokedError, withRevocations } from '../tokens/revocations.ts'
import { withVerificationCache } from '../tokens/verification-cache.ts'

export const TOKEN_CHECK_PATH = '/token/verify'
/** The path (and query) of a request to the token check: the path itself, or one under it. */
const TOKEN_CHECK_PATHS = /^\/token\/verify(?:[/?]|$)/

/** How long a proxy should wait before asking again when the pool's signing keys cannot be fetched. */
const KEYS_RETRY_AFTER_SECONDS = 5

export interface TokenCheckDeps {
  config: Pick<Config, TokenCheckSettings> & {
    rateLimits: Pick<Config['rateLimits'], 'ipv6PrefixBits'>
  }
  /** The signature and claims check (without revocations: this route adds the list as every bearer route does). */
  verifySignature: AccessTokenVerifier
  /** The bearer routes' revocation list. */
  revocations: RevocationList
  /** The client address the app worked out for this request (X-Forwarded-For or the socket). */
  clientIp(request: Request): string | undefined
  metrics?: Metrics | undefined
}

/** A header value a proxy can copy as it is: printable ASCII, with `%` and `,` (the list separator) encoded. */
const headerSafe = (value: string) =>
  /^[\x21-\x24\x26-\x2b\x2d-\x7e]*$/.test(value) ? value : encodeURIComponent(value)

/** Why a verification failed, for the metrics: the ProblemError's cause tells expired and revoked apart. */
function refusalOf(error: unknown): TokenCheckOutcome {
  if (!(error instanceof ProblemError)) return 'unavailable'
  if (error.code === 'upstream_unavailable') return 'unavailable'
  if (error.code === 'missing_token') return 'missing_token'
  const cause = error.cause
  if (cause instanceof TokenRevokedError) return 'revoked'
  if (cause instanceof Error && cause.name === 'JwtExpiredError') return 'expired'
  return 'invalid_token'
}

/** The answer of an allowed check: the identity as headers (added to `headers`) and as the body. */
function identity(claims: AccessClaims, headers: Record<string, string>) {
  const groups = claims.groups ?? []
  const scopes = claims.scopes ?? []
  headers[IDENTITY_HEADERS.user] = headerSafe(claims.sub)
  headers[IDENTITY_HEADERS.username] = headerSafe(claims.username)
  headers[IDENTITY_HEADERS.groups] = groups.map(headerSafe).join(',')
  headers[IDENTITY_HEADERS.authTime] = String(claims.authTime)
  headers[IDENTITY_HEADERS.scope] = scopes.map(headerSafe).join(' ')
  return { sub: claims.sub, username: claims.username, groups, authTime: claims.authTime, scopes }
}

/**
 * One check of `request` from client address `ip`: 200 with the identity (headers and JSON body), or
 * the refusal as a problem answer (401 missing_token or invalid_token, 429, 503 with Retry-After),
 * never a throw. `failed` hears of every refusal first.
 */
export type TokenCheckAnswer = (
  request: Request,
  ip: string | undefined,
  failed?: (problem: ProblemError) => void,
) => Promise<Response>

/** The token check: its documented routes, and the answer the app gives on its paths before any routing. */
export type TokenCheck = ReturnType<typeof createTokenCheck>

/**
 * The token check. Each request takes one token from its client address's bucket (when a limit is
 * set), reads only the Authorization header, and is answered as `TokenCheck.answer` says. The app
 * answers its paths with `answer` before routing (it sits in front of every request of other
 * services: the fastest route); the Elysia routes describe it in the OpenAPI document and answer a
 * request that reaches them the same way.
 */
export const createTokenCheck = ({ config, verifySignature, revocations, clientIp, metrics }: TokenCheckDeps) => {
  const { tokenCheckRateLimit, tokenCheckCacheSeconds: cacheSeconds } = config
  const { ipv6PrefixBits } = config.rateLimits
  const buckets = tokenCheckRateLimit === undefined ? undefined : new TokenBuckets(tokenCheckRateLimit)
  // The revocation list after the optional cache: a cached signature never outlives a revocation.
  const verify = withRevocations(
    cacheSeconds === undefined ? verifySignature : withVerificationCache(verifySignature, { seconds: cacheSeconds }),
    revocations,
  )
  const refusal = (outcome: TokenCheckOutcome, error: unknown): ProblemError => {
    metrics?.tokenChecked(outcome)
    if (outcome === 'unavailable' && error instanceof ProblemError && error.code === 'upstream_unavailable') {
      return new ProblemError(
        'upstream_unavailable',
        'The signing keys of the user pool cannot be fetched; retry later.',
        {
          headers: { 'retry-after': String(KEYS_RETRY_AFTER_SECONDS) },
          cause: error,
        },
      )
    }
    return error instanceof ProblemError ? error : new ProblemError('internal_error', undefined, { cause: error })
  }
  const check = async (request: Request, ip: string | undefined, headers: Record<string, string>) => {
    if (buckets !== undefined && ip !== undefined) {
      const taken = buckets.take(rateLimitKey(ip, ipv6PrefixBits))
      if (!taken.ok) {
        throw refusal(
          'rate_limited',
          new ProblemError('too_many_requests', 'Too many token checks from this address; retry after Retry-After.', {
            headers: { 'retry-after': String(taken.retryAfterSeconds) },
          }),
        )
      }
    }
    let claims: AccessClaims
    try {
      claims = await verify(bearerToken(request.headers.get('authorization') ?? undefined))
    } catch (error) {
      throw refusal(refusalOf(error), error)
    }
    metrics?.tokenChecked('allowed')
    return identity(claims, headers)
  }
  const respond = async (request: Request, ip: string | undefined) => {
    const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': 'application/json' }
    return new Response(JSON.stringify(await check(request, ip, headers)), { headers })
  }
  const answer: TokenCheckAnswer = async (request, ip, failed) => {
    try {
      return await respond(request, ip)
    } catch (error) {
      const problem =
        error instanceof ProblemError ? error : new ProblemError('internal_error', undefined, { cause: error })
      failed?.(problem)
      return problemResponse(problem)
    }
  }
  // Through Elysia (a check that came while the routes were being built) a refusal is thrown: the
  // app's error hook renders it, logs a 5xx and names it in the access line, as for every route.
  const viaRoutes = ({ request }: { request: Request }) => respond(request, clientIp(request))
  // The other methods and the paths under it are the same route, kept out of the OpenAPI document:
  // it describes GET /token/verify and says that they exist.
  const hidden = { detail: { hide: true } }
  const routes = new Elysia({ tags: ['Token check'] })
    .get(TOKEN_CHECK_PATH, viaRoutes, {
      response: {
        200: TokenCheckResponse,
        ...BEARER_RESPONSES,
        ...problemResponses([], { body: false }),
      },
      detail: {
        security: BEARER_SECURITY,
        summary: 'Check an access token (for proxies and services)',
        description:
          'For a reverse proxy’s forward auth (nginx auth_request, Traefik ForwardAuth, Caddy forward_auth, Envoy ' +
          'ext_authz) or another service: is the `Authorization: Bearer` access token valid, and whose is it? Verified ' +
          'here against the user pool’s signing keys and the tokens revoked through this service (sign-outs ' +
          'everywhere or of one device, deleted accounts); Cognito is not called. Any method, and any path under ' +
          '/token/verify/, is answered the same; a body is ignored. 200: the identity as the JSON body and as the ' +
          'headers X-Auth-Request-User (sub), X-Auth-Request-Preferred-Username, X-Auth-Request-Groups ' +
          '(comma-separated), X-Auth-Request-Auth-Time and X-Auth-Request-Scope (space-separated), for the proxy to ' +
          'copy onto the request it forwards. 401 with WWW-Authenticate: missing, malformed, expired or revoked. ' +
          '503 with Retry-After: the signing keys cannot be fetched.',
      },
    })
    .all(TOKEN_CHECK_PATH, viaRoutes, hidden)
    .all(`${TOKEN_CHECK_PATH}/*`, viaRoutes, hidden)
  return {
    /** The documented routes (OpenAPI, Eden). */
    routes,
    /** Whether a request path (with or without its query) is one of the token check's. */
    covers: (path: string) => TOKEN_CHECK_PATHS.test(path),
    /** The metrics' and access line's route label of such a path. */
    routeOf: (path: string) => (/^\/token\/verify\/?(?:\?|$)/.test(path) ? TOKEN_CHECK_PATH : `${TOKEN_CHECK_PATH}/*`),
    answer,
  }
}

/**
 * `handle` for the token check's own port: the token check's paths go to `handle`, anything else is
 * a 404 with no body.
 */
export function onlyTokenCheck(handle: (request: Request) => Promise<Response>) {
  return (request: Request): Promise<Response> => {
    const url = request.url
    const path = url.slice(url.indexOf('/', url.indexOf('//') + 2))
    return TOKEN_CHECK_PATHS.test(path) ? handle(request) : Promise.resolve(new Response(null, { status: 404 }))
  }
}
