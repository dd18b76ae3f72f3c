// Authenticator apps (TOTP) for the signed-in user: enrol, verify (which turns it on), turn off.
// Sign-in then answers SOFTWARE_TOKEN_MFA through POST /signin/challenge.
import { Elysia, t } from 'elysia'
import type { CognitoGateway } from '../cognito/gateway.ts'
import { noContent } from '../http/no-content.ts'
import { TotpEnrolmentResponse, TotpVerifyBody } from '../schemas/mfa.ts'
import { problemResponses } from '../schemas/problems.ts'
import type { Policies } from '../policies/policies.ts'
import { totpEnrolment } from '../answers/totp.ts'

const RECENT = 'Needs a recent sign-in (403 reauthentication_required otherwise).'

export const mfaRoutes = (gateway: CognitoGateway, policies: Policies) =>
  new Elysia({ tags: ['Two-step sign-in'] })
    .use(policies)
    .post(
      '/me/mfa/totp/verify',
      async ({ accessToken, body }) => {
        await gateway.enableSoftwareToken(accessToken, body.code, body.deviceName)
        return noContent()
      },
      {
        bearer: true,
        rateGroup: 'verify',
        authEvent: 'factor_added',
        body: TotpVerifyBody,
        response: {
          204: t.Void({ description: 'Verified and turned on: sign-in now asks for a code from the app.' }),
          ...problemResponses(['code_mismatch', 'totp_not_enrolled']),
        },
        detail: {
          summary: 'Turn on the authenticator app with a code from it',
          description:
            'After POST /me/mfa/totp: a current code proves the app holds the secret; then every sign-in answers the ' +
            'SOFTWARE_TOKEN_MFA challenge (POST /signin/challenge with {"SOFTWARE_TOKEN_MFA_CODE": "123456"}).',
        },
      },
    )
    .post(
      '/me/mfa/totp',
      async ({ accessToken, set }) => {
        const [secretCode, profile] = await Promise.all([
          gateway.associateSoftwareToken(accessToken),
          gateway.getUser(accessToken),
        ])
        set.status = 201
        return totpEnrolment(secretCode, profile.email)
      },
      {
        recent: true,
        authEvent: 'factor_enrolment_started',
        successDescription: 'A new authenticator secret; verify a code from the app to turn it on.',
        response: {
          201: TotpEnrolmentResponse,
          ...problemResponses([], { body: false }),
        },
        detail: {
          summary: 'Start setting up an authenticator app',
          description:
            'A new secret and its otpauth:// URI (show it as a QR code). Nothing changes at sign-in until the app is ' +
            `verified with POST /me/mfa/totp/verify; calling this again replaces the secret. ${RECENT}`,
        },
      },
    )
    .delete(
      '/me/mfa/totp',
      async ({ accessToken }) => {
        await gateway.disableSoftwareToken(accessToken)
        return noContent()
      },
      {
        recent: true,
        authEvent: 'factor_removed',
        response: {
          204: t.Void({ description: 'Turned off: sign-in asks for no code from the app.' }),
          ...problemResponses([], { body: false }),
        },
        detail: { summary: 'Turn off the authenticator app', description: RECENT },
      },
    )
