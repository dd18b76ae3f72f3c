// Bearer authentication for a group of routes: the access token is verified locally before the body
// is validated or Cognito is called, so a missing or forged token is a 401 and costs no round trip.
import { Elysia } from 'elysia'
import { bearerToken } from '../tokens/access-token-verifier.ts'
import type { AccessClaims, AccessTokenVerifier } from '../tokens/claims.ts'
import { ProblemError } from '../http/problem.ts'
import { noteAuthEvent } from '../observability/auth-events.ts'

/** The OpenAPI security requirement of these routes (the scheme is declared in openapi.ts). */
export const BEARER_SECURITY = [{ bearer: [] }]

// Unnamed on purpose: Elysia skips a named plugin it has seen before, and every group needs it.
export const bearerAuth = (verify: AccessTokenVerifier) =>
  new Elysia().derive({ as: 'scoped' }, async ({ headers, request }) => {
    const accessToken = bearerToken(headers.authorization)
    const claims = await verify(accessToken)
    noteAuthEvent(request, { sub: claims.sub })
    return { accessToken, claims }
  })

/**
 * Sensitive changes (a new sign-in factor, the email, deleting the account) need a recent sign-in, so
 * that a stolen long-lived session cannot rewrite the account: the access token's `auth_time` (when
 * the user last gave credentials; refreshing keeps it) must be at most `maxAgeSeconds` old.
 * @throws ProblemError reauthentication_required (403) otherwise.
 */
export function assertRecentSignIn(claims: AccessClaims, maxAgeSeconds: number, nowMs = Date.now()): void {
  if (nowMs / 1000 - claims.authTime > maxAgeSeconds) throw new ProblemError('reauthentication_required')
}

/**
 * The routes after it in a group that already uses bearerAuth answer 403 reauthentication_required
 * unless the sign-in is recent (assertRecentSignIn). Runs before the handler, after the token check.
 */
export const recentSignIn = (maxAgeSeconds: number) =>
  new Elysia().onBeforeHandle({ as: 'scoped' }, (context) => {
    assertRecentSignIn((context as unknown as { claims: AccessClaims }).claims, maxAgeSeconds)
  })
