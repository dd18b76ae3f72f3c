// Authenticator apps (TOTP) for the signed-in user: enrol, verify (which turns it on), turn off.
// Sign-in then answers SOFTWARE_TOKEN_MFA through POST /signin/challenge.
import { lazy } from '../lazy.ts'
import { Elysia, t } from 'elysia'
import type { CognitoGateway } from '../cognito/gateway.ts'
import type { AccessTokenVerifier } from '../tokens/claims.ts'
import { noContent } from '../http/no-content.ts'
import { BEARER_PROBLEMS, problemResponses, TotpEnrolmentResponse, TotpVerifyBody } from '../schemas.ts'
import { bearerAuth, BEARER_SECURITY, recentSignIn } from './bearer.ts'

/** The issuer the authenticator app shows next to the account (otpauth URI `issuer`). */
export const TOTP_ISSUER = 'user-service'

/**
 * The otpauth:// URI authenticator apps scan (Google Authenticator "Key Uri Format": label
 * `issuer:account`, parameters secret and issuer; SHA-1, 6 digits and 30 s are the defaults Cognito
 * uses, so they are left out).
 * @param secret the base32 secret from AssociateSoftwareToken.
 * @param account what the app shows under the issuer (the user's email).
 */
export function otpauthUri(secret: string, account: string, issuer = TOTP_ISSUER): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`
  return `otpauth://totp/${label}?${new URLSearchParams({ secret, issuer })}`
}

// Only enrolments draw QR codes: the library is loaded then, not at every start.
const qrCodeLibrary = lazy(() => import('qrcode').then((m) => m.default))

/**
 * What a client shows to set up an authenticator app: the secret (to type in), its otpauth:// URI, and
 * that URI as a QR code in SVG (the `qrcode` library; error correction M, its default).
 */
export async function totpEnrolment(secretCode: string, account: string) {
  const uri = otpauthUri(secretCode, account)
  const QRCode = await qrCodeLibrary()
  return { secretCode, otpauthUri: uri, qrCodeSvg: await QRCode.toString(uri, { type: 'svg', margin: 1 }) }
}

const RECENT = 'Needs a recent sign-in (403 reauthentication_required otherwise).'

export const mfaRoutes = (gateway: CognitoGateway, verify: AccessTokenVerifier, recentSignInSeconds: number) =>
  new Elysia({ tags: ['Two-step sign-in'] }).guard({}, (app) =>
    app
      .use(bearerAuth(verify))
      .post(
        '/me/mfa/totp/verify',
        async ({ accessToken, body }) => {
          await gateway.enableSoftwareToken(accessToken, body.code, body.deviceName)
          return noContent()
        },
        {
          body: TotpVerifyBody,
          response: {
            204: t.Void({ description: 'Verified and turned on: sign-in now asks for a code from the app.' }),
            ...problemResponses([...BEARER_PROBLEMS, 'code_mismatch', 'totp_not_enrolled']),
          },
          detail: {
            summary: 'Turn on the authenticator app with a code from it',
            description:
              'After POST /me/mfa/totp: a current code proves the app holds the secret; then every sign-in answers the ' +
              'SOFTWARE_TOKEN_MFA challenge (POST /signin/challenge with {"SOFTWARE_TOKEN_MFA_CODE": "123456"}).',
            security: BEARER_SECURITY,
          },
        },
      )
      .use(recentSignIn(recentSignInSeconds))
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
          response: {
            201: TotpEnrolmentResponse,
            ...problemResponses([...BEARER_PROBLEMS, 'reauthentication_required'], { body: false }),
          },
          detail: {
            summary: 'Start setting up an authenticator app',
            description:
              'A new secret and its otpauth:// URI (show it as a QR code). Nothing changes at sign-in until the app is ' +
              `verified with POST /me/mfa/totp/verify; calling this again replaces the secret. ${RECENT}`,
            security: BEARER_SECURITY,
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
          response: {
            204: t.Void({ description: 'Turned off: sign-in asks for no code from the app.' }),
            ...problemResponses([...BEARER_PROBLEMS, 'reauthentication_required'], { body: false }),
          },
          detail: { summary: 'Turn off the authenticator app', description: RECENT, security: BEARER_SECURITY },
        },
      ),
  )
