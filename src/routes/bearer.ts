// Bearer authentication for a group of routes: the access token is verified locally before the body
// is validated or Cognito is called, so a missing or forged token is a 401 and costs no round trip.
import { Elysia } from 'elysia'
import { bearerToken, type AccessTokenVerifier } from '../cognito/tokens.ts'

/** The OpenAPI security requirement of these routes (the scheme is declared in openapi.ts). */
export const BEARER_SECURITY = [{ bearer: [] }]

// Unnamed on purpose: Elysia skips a named plugin it has seen before, and every group needs it.
export const bearerAuth = (verify: AccessTokenVerifier) =>
  new Elysia().derive({ as: 'scoped' }, async ({ headers }) => {
    const accessToken = bearerToken(headers.authorization)
    return { accessToken, claims: await verify(accessToken) }
  })
