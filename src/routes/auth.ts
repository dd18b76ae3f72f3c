// Signing up, in and out: the seed's two routes (same paths, same success message) and the rest of
// a session's life.
import { Elysia } from 'elysia'
import type { CognitoGateway, SignInResult } from '../cognito/gateway.ts'
import type { AccessTokenVerifier } from '../cognito/tokens.ts'
import { ChallengeBody, RefreshBody, SignInBody, SignUpBody } from '../schemas.ts'
import { bearerAuth } from './bearer.ts'

export const SIGNED_UP = 'User signed up successfully!'

// `token` is the seed's field (the ID token); the rest is what a real client needs.
const signInAnswer = (result: SignInResult) => ('tokens' in result ? { token: result.tokens.idToken, ...result.tokens } : result.challenge)

export const authRoutes = (gateway: CognitoGateway, verify: AccessTokenVerifier) =>
  new Elysia()
    .post(
      '/signup',
      async ({ body, set }) => {
        const result = await gateway.signUp(body)
        set.status = 201
        return { message: SIGNED_UP, ...result }
      },
      { body: SignUpBody },
    )
    .post('/signin', async ({ body }) => signInAnswer(await gateway.signIn(body)), { body: SignInBody })
    .post('/signin/challenge', async ({ body }) => signInAnswer(await gateway.respondToChallenge(body)), { body: ChallengeBody })
    .post('/token/refresh', ({ body }) => gateway.refresh(body.refreshToken, body.username), { body: RefreshBody })
    .guard({}, (app) =>
      app.use(bearerAuth(verify)).post('/signout', async ({ accessToken, set }) => {
        await gateway.globalSignOut(accessToken)
        set.status = 204
      }),
    )
