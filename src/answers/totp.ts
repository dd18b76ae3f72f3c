// What a client shows to set up an authenticator app (TOTP), both from the signed-in routes
// (POST /me/mfa/totp) and from the MFA_SETUP challenge of a sign-in (POST /signin/mfa-setup).
import { lazy } from '../lazy.ts'

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
