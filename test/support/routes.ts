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
  'POST /signout/device',
  'GET /me',
  'DELETE /me',
  'GET /sessions',
  'DELETE /sessions/{sessionId}',
  'POST /password/change',
  'POST /password/forgot',
  'POST /password/reset',
]
export const BEARER_ROUTES = [
  'POST /signout',
  'POST /signout/device',
  'GET /me',
  'DELETE /me',
  'GET /sessions',
  'DELETE /sessions/{sessionId}',
  'POST /password/change',
]
