// The account's life after sign-up: confirming it, recovering and changing its password, reading it.
import { Elysia } from 'elysia'
import type { CognitoGateway } from '../cognito/gateway.ts'
import type { AccessTokenVerifier } from '../cognito/tokens.ts'
import { ChangePasswordBody, ConfirmSignUpBody, EmailBody, ResetPasswordBody } from '../schemas.ts'
import { bearerAuth } from './bearer.ts'

export const CONFIRMED = 'User confirmed successfully!'
export const PASSWORD_RESET = 'Password reset successfully!'

export const accountRoutes = (gateway: CognitoGateway, verify: AccessTokenVerifier) =>
  new Elysia()
    .post(
      '/signup/confirm',
      async ({ body }) => {
        await gateway.confirmSignUp(body.email, body.code)
        return { message: CONFIRMED }
      },
      { body: ConfirmSignUpBody },
    )
    .post('/signup/resend', async ({ body }) => ({ codeDelivery: await gateway.resendConfirmationCode(body.email) }), { body: EmailBody })
    .post(
      '/password/forgot',
      async ({ body, set }) => {
        const codeDelivery = await gateway.forgotPassword(body.email)
        set.status = 202
        return { codeDelivery }
      },
      { body: EmailBody },
    )
    .post(
      '/password/reset',
      async ({ body }) => {
        await gateway.confirmForgotPassword(body.email, body.code, body.password)
        return { message: PASSWORD_RESET }
      },
      { body: ResetPasswordBody },
    )
    .guard({}, (app) =>
      app
        .use(bearerAuth(verify))
        .get('/me', ({ accessToken }) => gateway.getUser(accessToken))
        .post(
          '/password/change',
          async ({ accessToken, body, set }) => {
            await gateway.changePassword(accessToken, body.previousPassword, body.proposedPassword)
            set.status = 204
          },
          { body: ChangePasswordBody },
        ),
    )
