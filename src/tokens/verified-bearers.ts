// The access token a request's bearer check verified, kept per request: the check runs before the
// body is validated (src/policies/policies.ts), and what runs after it (the route's resolve, the
// rate limiter keying a bearer route by its user) reads it here instead of verifying again.
import type { AccessClaims } from './claims.ts'

/** A verified access token and its claims. A type, not an interface: Elysia's resolve must return a plain record. */
export type VerifiedBearer = {
  accessToken: string
  claims: AccessClaims
}

const verified = new WeakMap<Request, VerifiedBearer>()

/** Notes the access token `request` carried, once it verified. */
export const noteVerifiedBearer = (request: Request, bearer: VerifiedBearer): void => void verified.set(request, bearer)

/** The access token `request` carried, if its bearer check passed; undefined on a route without one. */
export const verifiedBearerOf = (request: Request): VerifiedBearer | undefined => verified.get(request)
