// Authenticator apps (TOTP) for the signed-in user: enrol, verify (which turns it on), turn off.
// Sign-in then answers SOFTWARE_TOKEN_MFA through POST /signin/challenge.
import { Elysia, t } from 'elysia'
import type { CognitoGateway } from '../cognito/gateway.ts'
import { noContent } from '../http/no-content.ts'
import { TotpDisableBody, TotpEnrolmentResponse, TotpVerifyBody } from '../schemas/mfa.ts'
import { problemResponses } from '../schemas/problems.ts'
import type { Policies } from '../policies/policies.ts'
import { totpEnrolment } from '../answers/totp.ts'
import { revokeMintedSession, type RevocationList } from '../tokens/revocations.ts'

const RECENT = 'Needs a recent sign-in (403 reauthentication_required otherwise).'

/** `revocations`: where the session minted by the proof of DELETE /me/mfa/totp goes. */
export const mfaRoutes = (gateway: CognitoGateway, policies: Policies, revocations: RevocationList) =>
  new Elysia({ tags: ['Two-step sign-in'] })
    .use(policies)
    .post(
      '/me/mfa/totp/verify',
      async ({ accessToken, claims, body }) => {
        await gateway.enableSoftwareToken(accessToken, claims.username, body.code, body.deviceName)
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
            'SOFTWARE_TOKEN_MFA challenge (POST /signin/challenge with {"SOFTWARE_TOKEN_MFA_CODE": "123456"}). ' +
            'Each code is accepted once: a code already used (here or at a sign-in) is 400 code_mismatch; wait for the next one.',
        },
      },
    )
    .post(
      '/me/mfa/totp',
      async ({ accessToken, set }) => {
        const { secretCode, email } = await gateway.associateSoftwareToken(accessToken)
        set.status = 201
        return totpEnrolment(secretCode, email)
      },
      {
        recent: true,
        authEvent: 'factor_enrolment_started',
        successDescription: 'A new authenticator secret; verify a code from the app to turn it on.',
        response: {
          201: TotpEnrolmentResponse,
          ...problemResponses(['totp_already_enabled'], { body: false }),
        },
        detail: {
          summary: 'Start setting up an authenticator app',
          description:
            'A new secret and its otpauth:// URI (show it as a QR code). Nothing changes at sign-in until the app is ' +
            'verified with POST /me/mfa/totp/verify; calling this again before then replaces the secret. While an app ' +
            'is on this is 409 totp_already_enabled: to replace the app, turn it off (DELETE /me/mfa/totp, with a code ' +
            `from it) and set up the new one. ${RECENT}`,
        },
      },
    )
    .delete(
      '/me/mfa/totp',
      async ({ accessToken, claims, body }) => {
        const minted = await gateway.disableSoftwareToken(accessToken, claims.username, body)
        revokeMintedSession(revocations, minted)
        return noContent()
      },
      {
        bearer: true,
        rateGroup: 'verify',
        failureBudget: 'code',
        rateAccount: 'bearer',
        authEvent: 'factor_removed',
        body: TotpDisableBody,
        response: {
          204: t.Void({ description: 'Turned off: sign-in asks for no code from the app.' }),
          ...problemResponses(['password_mismatch', 'code_mismatch']),
        },
        detail: {
          summary: 'Turn off the authenticator app',
          description:
            'Needs both factors again, whatever this session signed in with: the account password and a current ' +
            'code from the app that is on (the service signs in with them, ends that sign-in, then turns the app off). ' +
            'A wrong password is 400 password_mismatch, a wrong or already used code 400 code_mismatch; in both cases ' +
            'nothing changes and the access token stays valid. Wrong attempts count against the account’s code budget ' +
            '(429 too_many_requests past it, from any device). Lost the app? An operator can turn it off ' +
            '(AdminSetUserMFAPreference).',
        },
      },
    )
