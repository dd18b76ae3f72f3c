// The product's routes, as the README lists them: what the OpenAPI document and Swagger UI must
// show, no more and no less.

/** The routes that take an access token (Authorization: Bearer). */
export const BEARER_ROUTES = [
  'POST /signout',
  'POST /signout/device',
  'GET /me',
  'DELETE /me',
  'GET /sessions',
  'DELETE /sessions/{sessionId}',
  'POST /password/change',
  'POST /me/mfa/totp',
  'POST /me/mfa/totp/verify',
  'DELETE /me/mfa/totp',
  'POST /me/email',
  'POST /me/email/verify',
  'GET /me/passkeys',
  'GET /me/auth-factors',
  'DELETE /me/passkeys/{credentialId}',
  'POST /me/passkeys/options',
  'POST /me/passkeys',
  'GET /token/verify',
  'PUT /me/passkeys/mfa',
]

/** Every route: the ones anyone may call, then the bearer ones. */
export const ROUTES = [
  'GET /health',
  'POST /signup',
  'POST /signup/confirm',
  'POST /signup/resend',
  'POST /signin',
  'POST /signin/challenge',
  'POST /signin/mfa-setup',
  'POST /signin/mfa-setup/verify',
  'POST /signin/passwordless',
  'POST /token/refresh',
  'POST /password/forgot',
  'POST /password/reset',
  ...BEARER_ROUTES,
]
