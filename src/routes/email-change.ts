// Changing the signed-in user's email. The user pool keeps the current address until the new one
// is verified (UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate: email), so a
// typo or an address the user cannot read does not lock them out: until then the current address
// still signs in and still receives password-reset codes.
import { Elysia, t } from 'elysia'
import type { CognitoGateway } from '../cognito/gateway.ts'
import { noContent } from '../http/no-content.ts'
import { EmailChangeBody, EmailChangeResponse, EmailVerifyBody } from '../schemas/account.ts'
import { problemResponses } from '../schemas/problems.ts'
import type { Policies } from '../policies/policies.ts'

export const EMAIL_CHANGE_PENDING =
  'Verification code sent to the new address; the current address stays in use until it is verified.'

export const emailChangeRoutes = (gateway: CognitoGateway, policies: Policies) =>
  new Elysia({ tags: ['Account'] })
    .use(policies)
    .post(
      '/me/email/verify',
      async ({ accessToken, body }) => {
        await gateway.verifyEmail(accessToken, body.code)
        return noContent()
      },
      {
        bearer: true,
        rateGroup: 'verify',
        authEvent: 'email_changed',
        body: EmailVerifyBody,
        response: {
          204: t.Void({ description: 'The new address is now the account email and the sign-in name.' }),
          ...problemResponses(['code_mismatch', 'code_expired', 'username_exists']),
        },
        detail: {
          summary: 'Confirm the new email with the code sent to it',
          description:
            'From then on only the new address signs in. 409 username_exists: another account took the address meanwhile.',
        },
      },
    )
    .post(
      '/me/email',
      async ({ accessToken, body, set }) => {
        const codeDelivery = await gateway.changeEmail(accessToken, body.email)
        set.status = 202
        return { codeDelivery, message: EMAIL_CHANGE_PENDING }
      },
      {
        recent: true,
        rateGroup: 'email',
        authEvent: 'email_change_requested',
        successDescription: 'A code is on its way to the new address; the current one stays until it is verified.',
        body: EmailChangeBody,
        response: {
          202: EmailChangeResponse,
          ...problemResponses(['username_exists']),
        },
        detail: {
          summary: 'Change the email',
          description:
            'Sends a code to the new address; confirm with POST /me/email/verify. Until then the current address still ' +
            'signs in and receives password-reset codes. 409 username_exists: another account has that address. ' +
            'Needs a recent sign-in (403 reauthentication_required otherwise).',
        },
      },
    )
