// The seed's two account routes, same paths and success message, with typed bodies.
import { Elysia } from 'elysia'
import type { CognitoGateway } from '../cognito/gateway.ts'
import { SignInBody, SignUpBody } from '../schemas.ts'

export const SIGNED_UP = 'User signed up successfully!'

export const authRoutes = (gateway: CognitoGateway) =>
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
    .post(
      '/signin',
      async ({ body }) => {
        const result = await gateway.signIn(body)
        // `token` is the seed's field (the ID token); the rest is what a real client needs.
        return 'tokens' in result ? { token: result.tokens.idToken, ...result.tokens } : result.challenge
      },
      { body: SignInBody },
    )
