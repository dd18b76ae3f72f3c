// The account's life after sign-up: confirming it, recovering and changing its password, reading it.
import { Elysia, t } from 'elysia'
import type { CognitoGateway } from '../cognito/gateway.ts'
import type { AccessTokenVerifier } from '../tokens/claims.ts'
import { noContent } from '../http/no-content.ts'
import {
  BEARER_PROBLEMS,
  ChangePasswordBody,
  CodeDeliveryResponse,
  ConfirmSignUpBody,
  EmailBody,
  MessageResponse,
  problemResponses,
  ProfileResponse,
  ResetPasswordBody,
} from '../schemas.ts'
import { bearerAuth, BEARER_SECURITY } from './bearer.ts'

export const CONFIRMED = 'User confirmed successfully!'
export const PASSWORD_RESET = 'Password reset successfully!'

const SAME_ANSWER = 'The answer is the same whether or not the account exists, so it cannot be used to find accounts.'

export const accountRoutes = (gateway: CognitoGateway, verify: AccessTokenVerifier) =>
  new Elysia({ tags: ['Account'] })
    .post(
      '/signup/confirm',
      async ({ body }) => {
        await gateway.confirmSignUp(body.email, body.code)
        return { message: CONFIRMED }
      },
      {
        body: ConfirmSignUpBody,
        response: { 200: MessageResponse, ...problemResponses(['code_mismatch', 'code_expired']) },
        detail: {
          summary: 'Confirm a sign-up',
          description: 'With the code Cognito emailed. An unknown account answers like a wrong code.',
        },
      },
    )
    .post('/signup/resend', async ({ body }) => ({ codeDelivery: await gateway.resendConfirmationCode(body.email) }), {
      body: EmailBody,
      response: { 200: CodeDeliveryResponse, ...problemResponses([]) },
      detail: { summary: 'Send the confirmation code again', description: SAME_ANSWER },
    })
    .post(
      '/password/forgot',
      async ({ body, set }) => {
        const codeDelivery = await gateway.forgotPassword(body.email)
        set.status = 202
        return { codeDelivery }
      },
      {
        body: EmailBody,
        response: { 202: CodeDeliveryResponse, ...problemResponses([]) },
        detail: { summary: 'Email a password-reset code', description: `Then POST /password/reset. ${SAME_ANSWER}` },
      },
    )
    .post(
      '/password/reset',
      async ({ body }) => {
        await gateway.confirmForgotPassword(body.email, body.code, body.password)
        return { message: PASSWORD_RESET }
      },
      {
        body: ResetPasswordBody,
        response: { 200: MessageResponse, ...problemResponses(['code_mismatch', 'code_expired', 'invalid_password']) },
        detail: {
          summary: 'Set a new password with the emailed code',
          description: 'An unknown account answers like a wrong code.',
        },
      },
    )
    .guard({}, (app) =>
      app
        .use(bearerAuth(verify))
        .get('/me', ({ accessToken }) => gateway.getUser(accessToken), {
          response: { 200: ProfileResponse, ...problemResponses(BEARER_PROBLEMS, { body: false }) },
          detail: {
            summary: 'The signed-in user',
            description: 'The token is verified locally, then Cognito GetUser (which knows whether it was revoked).',
            security: BEARER_SECURITY,
          },
        })
        .post(
          '/password/change',
          async ({ accessToken, body }) => {
            await gateway.changePassword(accessToken, body.previousPassword, body.proposedPassword)
            return noContent()
          },
          {
            body: ChangePasswordBody,
            response: {
              204: t.Void({ description: 'Changed.' }),
              ...problemResponses([...BEARER_PROBLEMS, 'previous_password_mismatch', 'invalid_password']),
            },
            detail: {
              summary: 'Change the password',
              description:
                'A wrong previous password is 400 previous_password_mismatch: the token stays valid. A 401 from this route ' +
                'always means the access token is missing or no longer works.',
              security: BEARER_SECURITY,
            },
          },
        ),
    )
