// What a route declares in its own options, as Elysia macros: `bearer` (an access token is required;
// adds the 401s and the OpenAPI security requirement), `recent` (a bearer route that also needs a
// recent sign-in; adds the 403), `rateGroup` (the rate limit it counts against), `failureBudget` (the
// per-account budget its failures count against, src/policies/rate-accounts.ts), `authEvent` (the auth
// event a request to it is) and `successDescription` (what its success answer means, for the OpenAPI
// document). The first two add their hooks to the declaring routes only; the last four add no hook
// at all: the app reads them once from the built routes (route-index.ts).
import { Elysia } from 'elysia'
import { bearerToken } from '../tokens/access-token-verifier.ts'
import type { AccessClaims, AccessTokenVerifier } from '../tokens/claims.ts'
import type { RateGroup } from '../config.ts'
import type { FailureFlow } from './rate-accounts.ts'
import { noteAuthEvent } from '../observability/auth-events.ts'
import { BEARER_RESPONSES, RECENT_RESPONSES } from '../schemas/problems.ts'
import { assertRecentSignIn } from '../tokens/recent-sign-in.ts'

/** The OpenAPI security requirement of a bearer route (the scheme is declared in openapi.ts). */
export const BEARER_SECURITY = [{ bearer: [] }]

export interface PolicyDeps {
  verify: AccessTokenVerifier
  /** RECENT_SIGN_IN_SECONDS: how old a sign-in may be for a route that declares `recent`. */
  recentSignInSeconds: number
}

// A type, not an interface: a resolve must return a plain record.
type Bearer = {
  accessToken: string
  claims: AccessClaims
}

/**
 * The policy macros, for a route module to `.use` before its routes. Unnamed on purpose: Elysia skips
 * a named plugin it has seen before, and every route module needs the macros.
 */
export const policies = ({ verify, recentSignInSeconds }: PolicyDeps) => {
  // The token is verified in the transform phase, before the body is validated or Cognito is called,
  // so a missing or forged token is a 401 and costs no round trip; the resolve only hands it on.
  const verified = new WeakMap<Request, Bearer>()
  return (
    new Elysia()
      .macro('bearer', {
        detail: { security: BEARER_SECURITY },
        response: BEARER_RESPONSES,
        async transform({ headers, request }) {
          const accessToken = bearerToken(headers.authorization)
          const claims = await verify(accessToken)
          noteAuthEvent(request, { sub: claims.sub })
          verified.set(request, { accessToken, claims })
        },
        resolve: ({ request }) => verified.get(request) as Bearer,
      })
      .macro('recent', {
        bearer: true,
        response: RECENT_RESPONSES,
        beforeHandle({ request }) {
          assertRecentSignIn((verified.get(request) as Bearer).claims, recentSignInSeconds)
        },
      })
      // Declarations only: a macro whose result holds nothing but a seed leaves its value in the route's hooks.
      .macro('rateGroup', (group: RateGroup) => ({ seed: group }))
      .macro('failureBudget', (flow: FailureFlow) => ({ seed: flow }))
      .macro('authEvent', (event: string) => ({ seed: event }))
      .macro('successDescription', (description: string) => ({ seed: description }))
  )
}

/** The macros a route module uses (its `.use`). */
export type Policies = ReturnType<typeof policies>
