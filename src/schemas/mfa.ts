// Authenticator apps (TOTP): enrolment and verification, signed in or through the MFA_SETUP challenge.
import { t } from 'elysia'
import { Email, NO_CONTROL_CHARS, Password, patterned } from './shared.ts'
import { ChallengeBody } from './sign-in.ts'

// A TOTP code from an authenticator app (RFC 6238): Cognito's are 6 digits.
const TotpCode = t.String({
  ...patterned('^[0-9]{6}$', 'must be 6 digits'),
  description: 'The 6-digit code the authenticator app shows now.',
  examples: ['123456'],
})

export const TotpEnrolmentResponse = t.Object({
  secretCode: t.String({ description: 'The shared secret (base32), for apps that cannot scan the URI.' }),
  otpauthUri: t.String({
    description:
      'otpauth://totp/… URI (issuer and account email in it) for the authenticator app, usually as a QR code.',
    examples: ['otpauth://totp/user-service:kim%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=user-service'],
  }),
  qrCodeSvg: t.String({
    description: 'The otpauth URI as a QR code, an SVG document to show for the app to scan.',
    examples: ['<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 33 33">…</svg>'],
  }),
})
export const TotpVerifyBody = t.Object({
  code: TotpCode,
  deviceName: t.Optional(
    t.String({
      minLength: 1,
      maxLength: 128,
      ...NO_CONTROL_CHARS,
      description: 'A name for the authenticator, shown back at sign-in (FRIENDLY_DEVICE_NAME).',
      examples: ['My phone'],
    }),
  ),
})
// Turning the app off proves both factors again, whatever the session's own sign-in was.
export const TotpDisableBody = t.Object({
  password: t.String({ ...Password, description: 'The account password (checked by signing in with it).' }),
  code: t.String({ ...TotpCode, description: 'A current code from the authenticator app that is on.' }),
})
export const MfaSetupBody = t.Object({ email: Email, session: ChallengeBody.properties.session })
export const MfaSetupVerifyBody = t.Object({
  email: Email,
  session: ChallengeBody.properties.session,
  code: TotpCode,
  deviceName: TotpVerifyBody.properties.deviceName,
})
export const MfaSetupResponse = t.Object({
  ...TotpEnrolmentResponse.properties,
  session: t.String({ description: 'Send it back with a code from the app to POST /signin/mfa-setup/verify.' }),
})
