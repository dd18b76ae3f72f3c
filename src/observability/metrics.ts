// The service's Prometheus metrics (prom-client), served on their own port (metrics-server.ts).
// Every label value comes from a closed set (route patterns, HTTP methods, Cognito operations and
// exception names, rate-limit groups, event names), never from the request: no email, id, IP or raw
// path can become a series, however many distinct ones arrive.
// Module by module rather than from prom-client's index, which also loads its cluster aggregator
// (node:cluster), its Pushgateway client (node:http, node:https, node:zlib) and Summary: parts never
// used here, loaded in every cold start of the binary (docs/performance.md, "Cold start").
import Counter from 'prom-client/lib/counter'
import collectDefaultMetrics from 'prom-client/lib/defaultMetrics'
import Gauge from 'prom-client/lib/gauge'
import Histogram from 'prom-client/lib/histogram'
import Registry from 'prom-client/lib/registry'
import type { CounterConfiguration, LabelValues } from 'prom-client'
import type { RateLimitKeyKind } from '../http/limits.ts'

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

// Seconds. An auth API answers from memory in well under a millisecond (/health), from Cognito in
// tens to hundreds of milliseconds (sign-in), and at worst at the Cognito deadline (8 s by default).
const REQUEST_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
// Cognito calls: tens of milliseconds in region, up to the deadline when it is slow.
const COGNITO_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8]

/** How a Cognito call ended: `ok`, the Cognito exception's name, `timeout` or `unavailable`. */
export type CognitoOutcome = string
/** How an access-token check ended (missing tokens never reach the verifier). */
export type TokenOutcome = 'valid' | 'invalid' | 'unavailable'
/**
 * How a token check (/token/verify) ended: allowed, or why not. `unavailable`: the signing keys could
 * not be fetched (a 503, the service's fault, not the token's).
 */
export type TokenCheckOutcome =
  | 'allowed'
  | 'missing_token'
  | 'invalid_token'
  | 'expired'
  | 'revoked'
  | 'rate_limited'
  | 'unavailable'

/** What the Cognito call limit reports (cognito/call-limit.ts). */
export interface CallLimitStats {
  /** Calls on the wire now. */
  inFlight: number
  /** Calls waiting for a turn now. */
  queued: number
  /** Calls refused since start because the queue was full. */
  shed: number
}

/** How a breached-password check ended (passwords/breached-passwords.ts). */
export type BreachCheckOutcome = 'breached' | 'clean' | 'timeout' | 'unavailable'

export interface Metrics {
  /** The registry `/metrics` renders (Prometheus text format 0.0.4). */
  readonly registry: Registry
  requestStarted(): void
  /** `route` is the matched pattern (`/me`) or UNMATCHED_ROUTE (route-label.ts); `seconds` the time to the answer. */
  requestFinished(route: string, method: string, status: number, seconds: number): void
  /** `retries` is attempts minus one, when the transport says how many it made. */
  cognitoCall(operation: string, outcome: CognitoOutcome, seconds: number, retries: number): void
  rateLimited(group: string, keyKind: RateLimitKeyKind): void
  tokenVerified(outcome: TokenOutcome): void
  tokenChecked(outcome: TokenCheckOutcome): void
  /** One auth event line was written (auth-events.ts). */
  authEvent(event: string, outcome: string): void
  breachedPasswordCheck(outcome: BreachCheckOutcome): void
  /** The shared state store became reachable (true) or unreachable (false). */
  storeReachable(reachable: boolean): void
  /** A check that needed the store went on with this task's own state (`what`: e.g. revocation_check). */
  storeFallback(what: StoreFallback): void
  /** The Cognito call limit's gauges and shed count, read from `stats` at each scrape (cognito/call-limit.ts). */
  watchCognitoCalls(stats: () => CallLimitStats): void
}

/** What fell back to per-task state when the store could not answer. */
export type StoreFallback = 'revocation_check' | 'rate_limit' | 'totp_replay' | 'refresh'

/**
 * A fresh registry with the service's series and prom-client's process metrics (CPU, memory, open
 * file descriptors, event-loop lag, active handles: what the runtime gives; Bun gives them as Node does).
 */
export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  const requests = countedOnCollect({
    name: 'user_service_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status class (2xx, 4xx, 5xx).',
    labelNames: ['route', 'method', 'status_class'] as const,
    registers,
  })
  const duration = new Histogram({
    name: 'user_service_http_request_duration_seconds',
    help: 'Time from receiving a request to its answer, by route pattern and method.',
    labelNames: ['route', 'method'] as const,
    buckets: REQUEST_BUCKETS,
    registers,
  })
  let inFlightNow = 0
  new Gauge({
    name: 'user_service_http_requests_in_flight',
    help: 'Requests received and not yet answered.',
    registers,
    collect() {
      this.set(inFlightNow)
    },
  })
  const cognitoCalls = countedOnCollect({
    name: 'user_service_cognito_calls_total',
    help: 'Cognito API calls, by operation and outcome (ok, the exception name, timeout, unavailable).',
    labelNames: ['operation', 'outcome'] as const,
    registers,
  })
  const cognitoDuration = new Histogram({
    name: 'user_service_cognito_call_duration_seconds',
    help: 'Time of one Cognito call, retries included, by operation and whether it succeeded (ok, error).',
    labelNames: ['operation', 'result'] as const,
    buckets: COGNITO_BUCKETS,
    registers,
  })
  const cognitoRetries = new Counter({
    name: 'user_service_cognito_retries_total',
    help: 'Attempts beyond the first that Cognito calls needed (throttling and transient failures).',
    labelNames: ['operation'] as const,
    registers,
  })
  const rateLimited = new Counter({
    name: 'user_service_rate_limit_rejections_total',
    help: 'Requests refused with 429 by the per-task rate limits, by group and key kind (ip, account, device).',
    labelNames: ['group', 'key_kind'] as const,
    registers,
  })
  const tokens = countedOnCollect({
    name: 'user_service_token_verifications_total',
    help: 'Access-token verifications, by outcome (valid, invalid, unavailable: the signing keys could not be fetched).',
    labelNames: ['outcome'] as const,
    registers,
  })
  const tokenChecks = countedOnCollect({
    name: 'user_service_token_checks_total',
    help: 'Token checks (/token/verify) by result (allowed, refused, error) and reason (none; missing_token, invalid_token, expired, revoked, rate_limited; unavailable).',
    labelNames: ['result', 'reason'] as const,
    registers,
  })
  const authEvents = countedOnCollect({
    name: 'user_service_auth_events_total',
    help: 'Auth events logged, by event and outcome (succeeded, challenged, failed, error).',
    labelNames: ['event', 'outcome'] as const,
    registers,
  })
  const breachChecks = new Counter({
    name: 'user_service_breached_password_checks_total',
    help: 'Breached-password checks, by outcome (breached, clean; timeout and unavailable: the range API could not be read).',
    labelNames: ['outcome'] as const,
    registers,
  })

  const storeUp = new Gauge({
    name: 'user_service_store_up',
    help: 'Whether the shared state store answers (1) or not (0); always 0 without REDIS_URL.',
    registers,
  })
  const storeChanges = new Counter({
    name: 'user_service_store_reachability_changes_total',
    help: 'Times the shared state store became unreachable (to="down") or reachable again (to="up").',
    labelNames: ['to'] as const,
    registers,
  })
  const storeFallbacks = new Counter({
    name: 'user_service_store_fallbacks_total',
    help: 'Checks that went on with the per-task state because the store could not answer, by what was checked.',
    labelNames: ['check'] as const,
    registers,
  })

  // The histograms observe per request with their label values: a cached `labels()` child was no
  // cheaper, since prom-client hashes the labels on every observation either way.
  return {
    registry,
    requestStarted: () => {
      inFlightNow++
    },
    requestFinished(route, method, status, seconds) {
      inFlightNow--
      const m = METHODS.has(method) ? method : 'other'
      const statusClass = Math.floor(status / 100)
      requests.add(`${route} ${m} ${statusClass}`, () => ({ route, method: m, status_class: `${statusClass}xx` }))
      duration.observe({ route, method: m }, seconds)
    },
    cognitoCall(operation, outcome, seconds, retries) {
      cognitoCalls.add(`${operation} ${outcome}`, () => ({ operation, outcome }))
      cognitoDuration.observe({ operation, result: outcome === 'ok' ? 'ok' : 'error' }, seconds)
      if (retries > 0) cognitoRetries.inc({ operation }, retries)
    },
    rateLimited: (group, keyKind) => rateLimited.inc({ group, key_kind: keyKind }),
    tokenVerified: (outcome) => tokens.add(outcome, () => ({ outcome })),
    tokenChecked: (outcome) =>
      tokenChecks.add(outcome, () =>
        outcome === 'allowed'
          ? { result: 'allowed', reason: 'none' }
          : { result: outcome === 'unavailable' ? 'error' : 'refused', reason: outcome },
      ),
    authEvent: (event, outcome) => authEvents.add(`${event} ${outcome}`, () => ({ event, outcome })),
    breachedPasswordCheck: (outcome) => breachChecks.inc({ outcome }),
    storeReachable(reachable) {
      storeUp.set(reachable ? 1 : 0)
      storeChanges.inc({ to: reachable ? 'up' : 'down' })
    },
    storeFallback: (check) => storeFallbacks.inc({ check }),
    watchCognitoCalls: (stats) => watchCallLimit(registers, stats),
  }
}

/** Gauges of the Cognito call limit's in-flight calls and queue, and the calls it shed, read at scrape time. */
function watchCallLimit(registers: Registry[], stats: () => CallLimitStats): void {
  new Gauge({
    name: 'user_service_cognito_calls_in_flight',
    help: 'Calls to Cognito on the wire now (at most COGNITO_MAX_CONCURRENCY).',
    registers,
    collect() {
      this.set(stats().inFlight)
    },
  })
  new Gauge({
    name: 'user_service_cognito_call_queue_length',
    help: 'Calls to Cognito waiting for a turn now (at most COGNITO_QUEUE_LIMIT).',
    registers,
    collect() {
      this.set(stats().queued)
    },
  })
  let reported = 0
  const shed: Counter = new Counter({
    name: 'user_service_cognito_calls_shed_total',
    help: 'Requests answered 503 at once because the queue of calls to Cognito was full (load shedding).',
    registers,
    collect() {
      const now = stats().shed
      shed.inc(now - reported)
      reported = now
    },
  })
}

/**
 * A counter bumped per request in a plain number per label set and handed to prom-client when it
 * collects (a scrape calls the counter's `collect`): prom-client validates and
 * hashes the label object on every `inc()`, a share of a cheap request's CPU (docs/performance.md).
 * `add(key, labels)`: `key` names the label set (from closed sets, so the map stays bounded);
 * `labels` builds its label values, called once per new key.
 */
function countedOnCollect<L extends string>(configuration: CounterConfiguration<L>) {
  const counts = new Map<string, { labels: LabelValues<L>; pending: number }>()
  const counter: Counter<L> = new Counter({
    ...configuration,
    collect() {
      for (const count of counts.values()) {
        if (count.pending === 0) continue
        counter.inc(count.labels, count.pending)
        count.pending = 0
      }
    },
  })
  return {
    add(key: string, labels: () => LabelValues<L>): void {
      const count = counts.get(key)
      if (count === undefined) counts.set(key, { labels: labels(), pending: 1 })
      else count.pending++
    },
  }
}
/** The `/metrics` endpoint of the metrics port: GET /metrics, anything else 404. */
export function metricsHandler(metrics: Metrics): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' || new URL(request.url).pathname !== '/metrics')
      return new Response('not found\n', { status: 404 })
    return new Response(await metrics.registry.metrics(), {
      headers: { 'content-type': metrics.registry.contentType },
    })
  }
}
