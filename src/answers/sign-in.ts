// The answer of every route that can end a sign-in (/signin, /signin/challenge, the MFA_SETUP
// challenge's verify): tokens or the next challenge.
import { t } from 'elysia'
import type { SignInResult } from '../cognito/gateway.ts'
import { noteAuthEvent } from '../observability/auth-events.ts'
import { ChallengeResponse, TokenResponse } from '../schemas/sign-in.ts'

/**
 * The client's answer to a sign-in result: the tokens (`token` is the seed's field, the ID token) or
 * the challenge. The auth event learns whose tokens they are, or which challenge came instead.
 */
export const signInAnswer = (result: SignInResult, request: Request) => {
  if ('tokens' in result) {
    if (result.sub) noteAuthEvent(request, { sub: result.sub })
    return { token: result.tokens.idToken, ...result.tokens }
  }
  noteAuthEvent(request, { challenge: result.challenge.challengeName })
  return result.challenge
}

/** The success schema of a route that answers with signInAnswer. */
export const TokensOrChallenge = t.Union([TokenResponse, ChallengeResponse], {
  description: 'Tokens, or the next challenge Cognito asks for (e.g. NEW_PASSWORD_REQUIRED).',
})
