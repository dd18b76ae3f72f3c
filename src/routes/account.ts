// The account's life after sign-up: confirming it, recovering and changing its password, reading it,
// deleting it (DeleteUser, which also puts the user's tokens on this task's revocation list).
import { Elysia, t } from 'elysia'
import { signInAnswer, TokensOrChallenge } from '../answers/sign-in.ts'
import type { CognitoGateway } from '../cognito/gateway.ts'
import { revokeDeletedUser, revokeEarlierSignIns, type RevocationList } from '../tokens/revocations.ts'
import { noContent } from '../http/no-content.ts'
import { ProblemError } from '../http/problem.ts'
import {
  ChangePasswordBody,
  CodeDeliveryResponse,
  ConfirmSignUpBody,
  EmailBody,
  MessageResponse,
  ProfileResponse,
  ResetPasswordBody,
} from '../schemas/account.ts'
import { problemResponses } from '../schemas/problems.ts'
import type { Policies } from '../policies/policies.ts'

export const CONFIRMED = 'User confirmed successfully!'
export const PASSWORD_RESET = 'Password reset successfully!'

/**
 * After a password reset or change: every session of the account ends in Cognito
 * (AdminUserGlobalSignOut) and on this task's revocation list (every sign-in before now). The password
 * is already changed when this runs, so a failure is a 500 that says so (and is logged with its cause).
 * @param username the Cognito username or an alias (the email).
 */
async function endEverySession(
  gateway: CognitoGateway,
  revocations: RevocationList,
  username: string,
  whatChanged: string,
): Promise<void> {
  try {
    const { sub } = await gateway.signOutEverywhereByName(username)
    revokeEarlierSignIns(revocations, sub)
  } catch (error) {
    throw new ProblemError(
      'internal_error',
      `${whatChanged}, but signing out its sessions failed: sign in with the new password, then sign out everywhere (POST /signout).`,
      { cause: error },
    )
  }
}

const SAME_ANSWER = 'The answer is the same whether or not the account exists, so it cannot be used to find accounts.'

/**
 * `revocations`: where deleting the account puts the user's access tokens; `recentSignInSeconds`
 * (RECENT_SIGN_IN_SECONDS) is only named in the deletion's description (the `recent` policy enforces it).
 */
export const accountRoutes = (
  gateway: CognitoGateway,
  policies: Policies,
  { revocations, recentSignInSeconds }: { revocations: RevocationList; recentSignInSeconds: number },
) =>
  new Elysia({ tags: ['Account'] })
    .use(policies)
    .post(
      '/signup/confirm',
      async ({ body }) => {
        await gateway.confirmSignUp(body.email, body.code)
        return { message: CONFIRMED }
      },
      {
        rateGroup: 'verify',
        failureBudget: 'confirm',
        authEvent: 'sign_up_confirmed',
        successDescription: 'The account is confirmed; it can sign in.',
        body: ConfirmSignUpBody,
        response: { 200: MessageResponse, ...problemResponses(['code_mismatch', 'code_expired']) },
        detail: {
          summary: 'Confirm a sign-up',
          description: 'With the code Cognito emailed. An unknown account answers like a wrong code.',
        },
      },
    )
    .post('/signup/resend', async ({ body }) => ({ codeDelivery: await gateway.resendConfirmationCode(body.email) }), {
      rateGroup: 'email',
      authEvent: 'confirmation_code_sent',
      successDescription: 'A new confirmation code is on its way.',
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
        rateGroup: 'email',
        authEvent: 'password_reset_requested',
        successDescription:
          'If the account exists, a password-reset code is on its way (the answer is the same either way).',
        body: EmailBody,
        response: { 202: CodeDeliveryResponse, ...problemResponses([]) },
        detail: { summary: 'Email a password-reset code', description: `Then POST /password/reset. ${SAME_ANSWER}` },
      },
    )
    .post(
      '/password/reset',
      async ({ body }) => {
        await gateway.confirmForgotPassword(body.email, body.code, body.password)
        await endEverySession(gateway, revocations, body.email, 'The password was reset')
        return { message: PASSWORD_RESET }
      },
      {
        rateGroup: 'verify',
        failureBudget: 'reset',
        authEvent: 'password_reset',
        refuseBreachedPassword: 'password',
        successDescription:
          'The password is changed and every session of the account has ended; sign in with the new password.',
        body: ResetPasswordBody,
        response: {
          200: MessageResponse,
          ...problemResponses([
            'code_mismatch',
            'code_expired',
            'invalid_password',
            'password_breached',
            'password_check_unavailable',
          ]),
        },
        detail: {
          summary: 'Set a new password with the emailed code',
          description:
            'An unknown account answers like a wrong code. On success every session of the account ends, on every ' +
            'device: all its access and refresh tokens stop working (someone who resets a password because it leaked ' +
            'keeps no intruder signed in).' +
            ' A password found in a public list of leaked passwords is 400 password_breached (checked before the code).',
        },
      },
    )
    .get('/me', ({ accessToken }) => gateway.getUser(accessToken), {
      bearer: true,
      successDescription: 'The signed-in user, from Cognito.',
      response: { 200: ProfileResponse, ...problemResponses([], { body: false }) },
      detail: {
        summary: 'The signed-in user',
        description: 'The token is verified locally, then Cognito GetUser (which knows whether it was revoked).',
      },
    })
    .post(
      '/password/change',
      async ({ accessToken, claims, body, request }) => {
        await gateway.changePassword(accessToken, body.previousPassword, body.proposedPassword)
        await endEverySession(gateway, revocations, claims.username, 'The password was changed')
        // This device signs in again with the new password; the USERNAME may be the actual username.
        const signedIn = await gateway
          .signIn({ email: claims.username, password: body.proposedPassword })
          .catch((error: unknown) => {
            throw new ProblemError(
              'internal_error',
              'The password was changed and every session signed out: sign in with the new password.',
              { cause: error },
            )
          })
        return signInAnswer(signedIn, request)
      },
      {
        bearer: true,
        authEvent: 'password_changed',
        successDescription:
          'Changed, and every session of the account signed out: this device’s new tokens, or the SOFTWARE_TOKEN_MFA ' +
          'challenge when the authenticator app is on.',
        refuseBreachedPassword: 'proposedPassword',
        body: ChangePasswordBody,
        response: {
          200: TokensOrChallenge,
          ...problemResponses([
            'previous_password_mismatch',
            'invalid_password',
            'password_breached',
            'password_check_unavailable',
          ]),
        },
        detail: {
          summary: 'Change the password',
          description:
            'Every session of the account ends, this one’s tokens too, and this device is signed in again with the new ' +
            'password: the answer carries its new tokens (replace the old ones), or, when the authenticator app is on, ' +
            'the SOFTWARE_TOKEN_MFA challenge to answer with POST /signin/challenge. A wrong previous password is 400 ' +
            'previous_password_mismatch: nothing changes and the token stays valid. A 401 from this route always means ' +
            'the access token is missing or no longer works.' +
            ' A new password found in a public list of leaked passwords is 400 password_breached.',
        },
      },
    )
    .delete(
      '/me',
      async ({ accessToken, claims }) => {
        await gateway.deleteUser(accessToken)
        revokeDeletedUser(revocations, claims)
        return noContent()
      },
      {
        recent: true,
        authEvent: 'account_deleted',
        response: {
          204: t.Void({ description: 'The account is deleted; every token of the user stops working.' }),
          ...problemResponses([], { body: false }),
        },
        detail: {
          summary: 'Delete my account',
          description:
            `Cognito DeleteUser. Needs a sign-in within the last ${Math.round(recentSignInSeconds / 60)} minutes ` +
            '(a refreshed token keeps its sign-in time): otherwise 403 reauthentication_required; sign in again and ' +
            'retry. Afterwards every access and refresh token of the user stops working, and the email can sign up again.',
        },
      },
    )
