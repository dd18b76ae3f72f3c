// Auth events: one JSON line per security-relevant event, in the service's log stream (msg "auth
// event"). A route declares the event a request to it is in its own options (`authEvent`, see
// src/policies/policies.ts). Its outcome comes from the answer: succeeded (2xx), failed (4xx, with the
// problem code as `reason`), error (5xx: the service or Cognito failed, not the caller); a request
// refused by the rate limits is `rate_limited` instead. A route that knows more (the user's sub, a challenge, an event of its own)
// notes it on the request with noteAuthEvent; anything outside a request uses AuthEvents.emit.
// Never a password, code or token; the user by Cognito `sub`, an email only as a keyed hash.
import { createHmac } from 'node:crypto'
import { RateLimitExceeded } from '../http/limits.ts'
import type { ProblemError } from '../http/problem.ts'
import type { Logger } from '../logging.ts'
import type { Metrics } from './metrics.ts'

/** The event of a request refused by the service's own rate limits (http/limits.ts). */
export const RATE_LIMITED_EVENT = 'rate_limited'

export type AuthOutcome = 'succeeded' | 'challenged' | 'failed' | 'error'

/** What a route may add to its request's event. */
export interface AuthEventNote {
  /** The Cognito `sub` of the user the request acted for. */
  sub?: string
  /** The challenge Cognito answered with (the outcome becomes `challenged`). */
  challenge?: string
  /** An event name of its own, where the route's declared one does not fit (one route, several events). */
  event?: string
  /**
   * The event failed though the client got a success: a problem code the answer hides on purpose
   * (an existing email under SIGNUP_ENUMERATION_SAFE). The outcome becomes `failed`.
   */
  reason?: string
  /** A sign-in whose password the Pwned Passwords corpus lists (it succeeded; the client was told). */
  passwordBreached?: boolean
}

const notes = new WeakMap<Request, AuthEventNote>()

/** Adds to the event of the request being handled (merged with earlier notes). */
export function noteAuthEvent(request: Request, note: AuthEventNote): void {
  notes.set(request, { ...notes.get(request), ...note })
}

/** The request's side of an event: what app.ts knows of every request. */
export interface RequestFacts {
  problem?: ProblemError | undefined
  /** The email the body named (hashed before it is written, never written as is). */
  email?: string | undefined
  reqId: string
  traceId: string | undefined
  ip: string | undefined
}

export interface AuthEvents {
  /**
   * Writes the event of a finished request, if its route (the matched pattern) declares one
   * (`declaredEvent`) or the route noted one.
   */
  requestFinished(
    request: Request,
    route: string,
    declaredEvent: string | undefined,
    status: number,
    facts: RequestFacts,
  ): void
  /** Writes an event no request carries (fields: no secrets; `sub` and `emailHash` as here). */
  emit(event: string, outcome: AuthOutcome, fields?: Record<string, unknown>): void
  /** The keyed hash an event carries for this email, or undefined without a key. */
  emailHash(email: string): string | undefined
}

/**
 * `emailKey` (AUTH_EVENT_EMAIL_KEY): HMAC-SHA256 key for the email hash (RFC 2104); without it the
 * events carry no email field at all, so a person's events are found by `sub` only.
 */
export function createAuthEvents(logger: Logger, { emailKey, metrics }: { emailKey?: string; metrics?: Metrics }) {
  // Lower-cased first: Cognito's email alias is case-insensitive, and so is the rate limit's key.
  const emailHash = (email: string) =>
    emailKey === undefined
      ? undefined
      : createHmac('sha256', emailKey).update(email.toLowerCase()).digest('hex').slice(0, 32)

  const emit = (event: string, outcome: AuthOutcome, fields: Record<string, unknown> = {}) => {
    metrics?.authEvent(event, outcome)
    logger.info('auth event', { event, outcome, ...fields })
  }

  // Written for every request to an auth route, so built field by field rather than from spreads
  // of optional parts (each one an object allocated and copied), in the same order.
  const requestFinished = (
    request: Request,
    route: string,
    declaredEvent: string | undefined,
    status: number,
    { problem, email, reqId, traceId, ip }: RequestFacts,
  ) => {
    const note = notes.get(request)
    const limited = problem?.cause instanceof RateLimitExceeded ? problem.cause : undefined
    const event = limited ? RATE_LIMITED_EVENT : (note?.event ?? declaredEvent)
    if (event === undefined) return
    const routeKey = `${request.method} ${route}`
    const outcome: AuthOutcome =
      status >= 500 ? 'error' : status >= 400 || note?.reason ? 'failed' : note?.challenge ? 'challenged' : 'succeeded'
    const fields: Record<string, unknown> = { event, outcome, route: routeKey }
    if (problem && status >= 400) fields.reason = problem.code
    else if (note?.reason) fields.reason = note.reason
    if (limited) {
      fields.group = limited.group
      fields.keyKind = limited.keyKind
    }
    if (note?.challenge) fields.challenge = note.challenge
    if (note?.sub) fields.sub = note.sub
    if (note?.passwordBreached) fields.passwordBreached = true
    const hash = email === undefined ? undefined : emailHash(email)
    if (hash) fields.emailHash = hash
    fields.reqId = reqId
    if (traceId) fields.traceId = traceId
    if (ip) fields.ip = ip
    metrics?.authEvent(event, outcome)
    logger.info('auth event', fields)
  }
  return { requestFinished, emit, emailHash } satisfies AuthEvents
}
