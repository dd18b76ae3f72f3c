// CORS for the browser origins listed in CORS_ORIGINS, and for nobody else (the default: then the
// app calls none of this). Tokens travel in the Authorization header, never in cookies, so
// credentials mode is never allowed.

// DELETE: removing a passkey (DELETE /me/passkeys/{credentialId}).
const ALLOWED_METHODS = 'GET, POST, DELETE'
const ALLOWED_HEADERS = 'authorization, content-type, x-device-token, x-request-id'
// What a browser client needs to read: the request id to quote, when to retry, why a token failed.
const EXPOSED_HEADERS = 'x-request-id, x-amzn-trace-id, retry-after, www-authenticate'
// Browsers cap this (Chromium at 2 h); 10 min keeps a changed list from lingering.
const PREFLIGHT_MAX_AGE_SECONDS = '600'

/** Headers for an actual (non-preflight) response. */
export function corsHeaders(request: Request, allowed: ReadonlySet<string>): Record<string, string> {
  const origin = request.headers.get('origin')
  // Vary even when refused: a cache must not serve one origin's answer to another.
  if (origin === null || !allowed.has(origin)) return { vary: 'Origin' }
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': EXPOSED_HEADERS, vary: 'Origin' }
}

/** The answer to a preflight from an allowed origin; anything else goes on to routing (404/405). */
export function corsPreflight(request: Request, allowed: ReadonlySet<string>): Response | undefined {
  if (request.method !== 'OPTIONS') return undefined
  const origin = request.headers.get('origin')
  if (origin === null || !allowed.has(origin) || request.headers.get('access-control-request-method') === null)
    return undefined
  return new Response(null, {
    status: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': ALLOWED_METHODS,
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS,
      vary: 'Origin',
    },
  })
}
