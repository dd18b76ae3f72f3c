// What the rate limits count, under which keys, and when a count is given back (the buckets are a
// RateStore, src/http/limits.ts):
// - per client IP (an IPv6 client per network), every request to a route's group;
// - per account, every request to a group that sends mail (sign-up, the email group): inbox flooding;
// - per account and flow, failures only (rate-accounts.ts names the flows): a slot is reserved before
//   the route calls Cognito and given back when the answer is not a failure, so parallel guesses
//   cannot pass the limit and the owner's successes cost nothing;
// - a request with a valid device token for the account (OWASP's device cookies) draws on that
//   device's own failure budget instead of the account's shared one, so failures from elsewhere
//   cannot lock the owner out.
// The account is the body's email, the one sealed in a challenge session, or an access token's user,
// as the route declares (rate-accounts.ts); account keys are keyed hashes (src/state/account-keys.ts),
// never an email.
import type { RateGroup, RateLimitConfig } from '../config.ts'
import { rateLimitKey } from '../http/client-address.ts'
import { answersAGuess, type ProblemCode } from '../http/problem.ts'
import {
  createMemoryRateStore,
  type RateDecision,
  type RateLimitKeyKind,
  type RateSlot,
  type RateStore,
  tooManyRequests,
} from '../http/limits.ts'
import { createAccountKey } from '../state/account-keys.ts'
import { createDeviceTokens } from '../state/device-tokens.ts'
import { createStateKeys, type StateKeys } from '../state/keyed-hash.ts'
import { verifiedBearerOf } from '../tokens/verified-bearers.ts'
import { acceptsDeviceToken, accountKeyOf, type FailureFlow, failureFlowOf, guessesEmailCode } from './rate-accounts.ts'
import type { RouteIndex } from './route-index.ts'

/** The header a client sends its device token in. */
export const DEVICE_TOKEN_HEADER = 'x-device-token'

// The size of a failure budget is its group's per-account rate: a password is a sign-in
// (RATE_LIMIT_SIGNIN_PER_ACCOUNT), a code a verification (RATE_LIMIT_VERIFY_PER_ACCOUNT).
const FLOW_RATE: Record<FailureFlow, RateGroup> = {
  password: 'signin',
  code: 'verify',
  confirm: 'verify',
  reset: 'verify',
}
const MAIL_GROUPS: ReadonlySet<RateGroup> = new Set(['signup', 'email'])

/** A request to a rate-limited route, as the limiter needs it. */
interface Admission {
  /** The matched route pattern. */
  route: string
  /** The route's declared rate group. */
  group: RateGroup
  /** The route's declared failure budget, if any. */
  failureBudget: FailureFlow | undefined
  body: unknown
  ip: string | undefined
}

export interface RequestLimits {
  /**
   * Counts a request to `route` (the matched pattern) by what the route declares, or throws the 429
   * too_many_requests (its cause a RateLimitExceeded) when a budget it draws on is empty; a route
   * that declares no rate group is not counted. `body` is the validated body, `ip` the client's
   * address (clientAddress form). Synchronous with the in-memory store, and the app's hook calls it
   * so (Elysia awaits a hook that looks asynchronous, on every route): a store that answers through
   * a promise makes this a promise, and the hook must then await it.
   */
  admit(
    request: Request,
    declared: RouteIndex,
    route: string,
    body: unknown,
    ip: string | undefined,
  ): void | Promise<void>
  /**
   * Once the request is answered: gives its failure slot back unless `status` is a failure (a 4xx
   * other than 429) whose `problem` code (when it has one) is a guess that failed.
   */
  settle(request: Request, status: number, problem?: ProblemCode): void
}

export interface RequestLimitsDeps {
  config: RateLimitConfig
  /**
   * The keys of account keys and device tokens; random ones (this process only) unless given. The
   * gateway that seals challenge sessions must have the same (src/state/account-keys.ts).
   */
  stateKeys?: StateKeys | undefined
  /** The account sealed in a challenge session (the gateway's challengeAccount); none unless given. */
  sealedAccountOf?: (session: string) => string | undefined
  /** Where the buckets live; a fresh in-memory store unless given. */
  store?: RateStore
  now?: () => number
  /** Hears of every refusal (the metrics). */
  onRejected?: ((group: RateGroup, keyKind: RateLimitKeyKind) => void) | undefined
}

const issuers = new WeakMap<Request, () => string>()

/**
 * The device token a successful sign-in answers: one for the account the request counted against,
 * issued now; undefined for a request that named no account.
 */
export const deviceTokenFor = (request: Request): string | undefined => issuers.get(request)?.()

// A failure is the caller's: a 4xx. A 429 (Cognito throttling) or a 5xx answered nothing about the
// guess, and neither does a refusal the catalogue marks as not a guess (answersAGuess).
const isFailure = (status: number, problem: ProblemCode | undefined) =>
  status >= 400 && status < 500 && status !== 429 && (problem === undefined || answersAGuess(problem))

/** The rate limits of one app. With limits disabled nothing is counted, and device tokens are still issued. */
export function createRequestLimits({
  config,
  stateKeys = createStateKeys(undefined),
  now = Date.now,
  store = createMemoryRateStore(now),
  onRejected,
  sealedAccountOf = () => undefined,
}: RequestLimitsDeps): RequestLimits {
  const accountKey = createAccountKey(stateKeys)
  const deviceTokens = createDeviceTokens(stateKeys.key('device-token'), now)
  // During a client-secret rotation a token issued under the previous secret still names its device:
  // its MAC and its account part are that secret's.
  const { previous } = stateKeys
  const previousAccountKey = previous && createAccountKey(previous)
  const previousDeviceTokens = previous && createDeviceTokens(previous.key('device-token'), now)
  const deviceOf = (token: string | null, account: string, previousAccount: string | undefined) =>
    deviceTokens.deviceOf(token, account) ??
    (previousAccount === undefined ? undefined : previousDeviceTokens?.deviceOf(token, previousAccount))
  const reserved = new WeakMap<Request, RateSlot[]>()

  // Each slot with the group whose limit it is and its key kind: what a refusal is reported as.
  const slotsOf = (
    request: Request,
    { route, group, failureBudget, body, ip }: Admission,
    account?: string,
    previousAccount?: string,
  ) => {
    const slots: RateSlot[] = []
    const kinds: Array<[RateGroup, RateLimitKeyKind]> = []
    const add = (budget: string, key: string, rateGroup: RateGroup, kind: RateLimitKeyKind) => {
      slots.push({ budget, key, rate: (kind === 'ip' ? config.perIp : config.perAccount)[rateGroup] })
      kinds.push([rateGroup, kind])
    }
    if (ip !== undefined) {
      const network = rateLimitKey(ip, config.ipv6PrefixBits)
      add(`ip:${group}`, network, group, 'ip')
      if (guessesEmailCode(route, body)) add('ip:verify', network, 'verify', 'ip')
    }
    if (account !== undefined && MAIL_GROUPS.has(group)) add(`account:${group}`, account, group, 'account')
    const flow = failureFlowOf(route, body, failureBudget)
    let failureSlot: RateSlot | undefined
    if (account !== undefined && flow !== undefined) {
      const token = acceptsDeviceToken(route) ? request.headers.get(DEVICE_TOKEN_HEADER) : null
      const device = deviceOf(token, account, previousAccount)
      if (device === undefined) add(`failures:${flow}`, account, FLOW_RATE[flow], 'account')
      else add(`device:${flow}`, device, FLOW_RATE[flow], 'device')
      failureSlot = slots.at(-1)
    }
    return { slots, kinds, failureSlot }
  }

  return {
    admit(request, declared, route, body, ip) {
      // By the matched route, not the raw path: Elysia also answers `/signin/` as `/signin`.
      const group = declared.rateGroupOf(request.method, route)
      if (group === undefined) return
      const source = declared.rateAccountOf(request.method, route)
      const bearerUsername = source === 'bearer' ? verifiedBearerOf(request)?.claims.username : undefined
      const witnesses = { sealedAccountOf, bearerUsername }
      const account = accountKeyOf(source, body, accountKey, witnesses)
      if (account !== undefined) issuers.set(request, () => deviceTokens.issue(account))
      if (!config.enabled) return
      const failureBudget = declared.failureBudgetOf(request.method, route)
      const previousAccount = previousAccountKey && accountKeyOf(source, body, previousAccountKey, witnesses)
      const admission = { route, group, failureBudget, body, ip }
      const { slots, kinds, failureSlot } = slotsOf(request, admission, account, previousAccount)
      const decided = (decision: RateDecision) => {
        if (!decision.ok) {
          const [refusedGroup, kind] = kinds[decision.refused]!
          onRejected?.(refusedGroup, kind)
          throw tooManyRequests(decision.retryAfterSeconds, refusedGroup, kind)
        }
        if (failureSlot) reserved.set(request, [failureSlot])
      }
      const decision = store.reserve(slots)
      return decision instanceof Promise ? decision.then(decided) : decided(decision)
    },
    settle(request, status, problem) {
      const slots = reserved.get(request)
      if (slots === undefined) return
      reserved.delete(request)
      if (!isFailure(status, problem)) void store.refund(slots)
    },
  }
}
