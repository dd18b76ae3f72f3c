// The product's routes, as the README lists them: what the OpenAPI document and Swagger UI must
// show, no more and no less.
export const ROUTES = [
  'GET /health',
  'POST /signup',
  'POST /signup/confirm',
  'POST /signup/resend',
  'POST /signin',
  'POST /signin/challenge',
  'POST /token/refresh',
  'POST /signout',
  'GET /me',
  'POST /password/change',
  'POST /password/forgot',
  'POST /password/reset',
  'POST /me/mfa/totp',
  'POST /me/mfa/totp/verify',
  'DELETE /me/mfa/totp',
  'POST /me/email',
  'POST /me/email/verify',
  'POST /signin/mfa-setup',
  'POST /signin/mfa-setup/verify',
]
export const BEARER_ROUTES = [
  'POST /signout',
  'GET /me',
  'POST /password/change',
  'POST /me/mfa/totp',
  'POST /me/mfa/totp/verify',
  'DELETE /me/mfa/totp',
  'POST /me/email',
  'POST /me/email/verify',
]
