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
  'POST /signin/passwordless',
  'GET /me/passkeys',
  'GET /me/auth-factors',
  'DELETE /me/passkeys/{credentialId}',
  'POST /me/passkeys/options',
  'POST /me/passkeys',
]
export const BEARER_ROUTES = [
  'POST /signout',
  'GET /me',
  'POST /password/change',
  'GET /me/passkeys',
  'GET /me/auth-factors',
  'DELETE /me/passkeys/{credentialId}',
  'POST /me/passkeys/options',
  'POST /me/passkeys',
]
