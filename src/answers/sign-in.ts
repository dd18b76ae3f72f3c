// The answer of every route that can end a sign-in (/signin, /signin/challenge, the MFA_SETUP
// challenge's verify): tokens or the next challenge.
import { t } from 'elysia'
import type { SignInResult } from '../cognito/gateway.ts'
import { noteAuthEvent } from '../observability/auth-events.ts'
import { deviceTokenFor } from '../policies/rate-limits.ts'
import { ChallengeResponse, TokenResponse } from '../schemas/sign-in.ts'

/**
 * The client's answer to a sign-in result: the tokens (`token` is the seed's field, the ID token) with
 * a new device token for the account (src/policies/rate-limits.ts) and `passwordBreached` when the
 * challenge session carried the flag, or the challenge. The auth event learns whose tokens they are
 * (and the flag), or which challenge came instead.
 */
export const signInAnswer = (result: SignInResult, request: Request) => {
  if ('tokens' in result) {
    noteAuthEvent(request, {
      ...(result.sub ? { sub: result.sub } : {}),
      ...(result.passwordBreached ? { passwordBreached: true } : {}),
    })
    const deviceToken = deviceTokenFor(request)
    return {
      token: result.tokens.idToken,
      ...result.tokens,
      ...(deviceToken === undefined ? {} : { deviceToken }),
      ...(result.passwordBreached ? { passwordBreached: true as const } : {}),
    }
  }
  noteAuthEvent(request, { challenge: result.challenge.challengeName })
  return result.challenge
}

/** The success schema of a route that answers with signInAnswer. */
export const TokensOrChallenge = t.Union([TokenResponse, ChallengeResponse], {
  description: 'Tokens, or the next challenge Cognito asks for (e.g. NEW_PASSWORD_REQUIRED).',
})
