// What a route declares in its own options, as Elysia macros: `bearer` (an access token is required;
// adds the 401s and the OpenAPI security requirement), `recent` (a bearer route that also needs a
// recent sign-in; adds the 403), `rateGroup` (the rate limit it counts against), `failureBudget` (the
// per-account budget its failures count against) and `rateAccount` (whose account that is: the body's
// email by default; src/policies/rate-accounts.ts), `authEvent` (the auth
// event a request to it is) and `successDescription` (what its success answer means, for the OpenAPI
// document). `refuseBreachedPassword` (a new password in the body, refused when the Pwned Passwords
// corpus lists it) and `flagBreachedPassword` (a sign-in's answer says so when its password is
// listed) add theirs when the check is on. `optionalBody` checks a body the route declares as
// `t.Optional` (src/http/optional-body.ts). `bearer`, `recent`, `optionalBody` and the two password
// checks add their hooks to the declaring routes only; the last five add no hook at all: the app
// reads them once from the built routes (route-index.ts).
import type { TObject } from '@sinclair/typebox'
import { Elysia } from 'elysia'
import { checkOptionalBody } from '../http/optional-body.ts'
import { bearerToken } from '../tokens/access-token-verifier.ts'
import type { AccessTokenVerifier } from '../tokens/claims.ts'
import { noteVerifiedBearer, verifiedBearerOf, type VerifiedBearer } from '../tokens/verified-bearers.ts'
import type { RateGroup } from '../config.ts'
import type { AccountSource, FailureFlow } from './rate-accounts.ts'
import { noteAuthEvent } from '../observability/auth-events.ts'
import { BEARER_RESPONSES, RECENT_RESPONSES } from '../schemas/problems.ts'
import { assertRecentSignIn } from '../tokens/recent-sign-in.ts'
import type { BreachedPasswords } from '../passwords/breached-passwords.ts'

/** The OpenAPI security requirement of a bearer route (the scheme is declared in openapi.ts). */
export const BEARER_SECURITY = [{ bearer: [] }]

export interface PolicyDeps {
  verify: AccessTokenVerifier
  /** RECENT_SIGN_IN_SECONDS: how old a sign-in may be for a route that declares `recent`. */
  recentSignInSeconds: number
  /** The breached-password check; absent when it is off (BREACHED_PASSWORD_CHECK=false). */
  breachedPasswords?: BreachedPasswords | undefined
  /** Seals the breached-password flag into a challenge session (the gateway's flagPasswordBreached). */
  flagPasswordBreached?: ((session: string) => string | Promise<string>) | undefined
}

/**
 * Where the new password of a route that declares `refuseBreachedPassword` is in its body: a field,
 * or `NEW_PASSWORD` for a challenge answer's `responses.NEW_PASSWORD` (NEW_PASSWORD_REQUIRED; other
 * challenges carry none, and nothing is checked).
 */
export type NewPasswordField = 'password' | 'proposedPassword' | 'NEW_PASSWORD'

const newPasswordOf = (body: unknown, field: NewPasswordField): string | undefined => {
  const fields = body as Record<string, unknown> & { responses?: Record<string, unknown> }
  const value = field === 'NEW_PASSWORD' ? fields.responses?.NEW_PASSWORD : fields[field]
  return typeof value === 'string' ? value : undefined
}

/**
 * The policy macros, for a route module to `.use` before its routes. Unnamed on purpose: Elysia skips
 * a named plugin it has seen before, and every route module needs the macros.
 */
export const policies = ({
  verify,
  recentSignInSeconds,
  breachedPasswords: breached,
  flagPasswordBreached: flagSession,
}: PolicyDeps) => {
  // The token is verified in the transform phase, before the body is validated or Cognito is called,
  // so a missing or forged token is a 401 and costs no round trip; the resolve only hands it on.
  return (
    new Elysia()
      .macro('bearer', {
        detail: { security: BEARER_SECURITY },
        response: BEARER_RESPONSES,
        async transform({ headers, request }) {
          const accessToken = bearerToken(headers.authorization)
          const claims = await verify(accessToken)
          noteAuthEvent(request, { sub: claims.sub })
          noteVerifiedBearer(request, { accessToken, claims })
        },
        resolve: ({ request }) => verifiedBearerOf(request) as VerifiedBearer,
      })
      .macro('recent', {
        bearer: true,
        response: RECENT_RESPONSES,
        beforeHandle({ request }) {
          assertRecentSignIn((verifiedBearerOf(request) as VerifiedBearer).claims, recentSignInSeconds)
        },
      })
      // Before the handler, so a listed password never reaches Cognito; after validation and the rate limits.
      .macro('refuseBreachedPassword', (field: NewPasswordField) =>
        breached
          ? {
              async beforeHandle({ body }) {
                const password = newPasswordOf(body, field)
                if (password !== undefined) await breached.refuseBreached(password)
              },
            }
          : {},
      )
      // After the handler: only a password Cognito accepted is looked up. Tokens get the flag; a
      // challenge that keeps the password gets it sealed in its session, for the tokens at its end.
      .macro('flagBreachedPassword', (on: boolean) =>
        on && breached
          ? {
              async afterHandle({ body, responseValue, request }) {
                const challenge = challengeKeepingPassword(responseValue)
                if (!hasTokens(responseValue) && !(challenge && flagSession)) return
                if (!(await breached.isBreached((body as { password: string }).password))) return
                if (challenge && flagSession) return { ...challenge, session: await flagSession(challenge.session) }
                noteAuthEvent(request, { passwordBreached: true })
                return { ...(responseValue as object), passwordBreached: true }
              },
            }
          : {},
      )
      // A transform before Elysia's validation. Elysia runs macros' hooks in the order the route's options
      // name them: declared after `bearer`/`recent`, the token is checked before the body (as for a required one).
      .macro('optionalBody', (schema: TObject) => ({ transform: checkOptionalBody(schema) }))
      // Declarations only: a macro whose result holds nothing but a seed leaves its value in the route's hooks.
      .macro('rateGroup', (group: RateGroup) => ({ seed: group }))
      .macro('failureBudget', (flow: FailureFlow) => ({ seed: flow }))
      .macro('rateAccount', (source: AccountSource) => ({ seed: source }))
      .macro('authEvent', (event: string) => ({ seed: event }))
      .macro('successDescription', (description: string) => ({ seed: description }))
  )
}

const hasTokens = (answer: unknown): answer is Record<string, unknown> =>
  typeof answer === 'object' && answer !== null && 'accessToken' in answer

/**
 * A challenge answer after which the sign-in's password is still the account's (every challenge but
 * NEW_PASSWORD_REQUIRED, whose answer sets a new one, checked on its own), else undefined.
 */
const challengeKeepingPassword = (answer: unknown) => {
  const challenge = answer as { challengeName?: unknown; session?: unknown } | null
  return typeof challenge?.session === 'string' && challenge.challengeName !== 'NEW_PASSWORD_REQUIRED'
    ? (challenge as { challengeName: string; session: string })
    : undefined
}

/** The macros a route module uses (its `.use`). */
export type Policies = ReturnType<typeof policies>
