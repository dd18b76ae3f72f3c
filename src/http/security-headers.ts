// Responses of an auth API are per-user and often carry credentials: nothing may cache them. The
// API serves no documents, so its CSP allows nothing (Swagger UI's own responses carry theirs).
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
}
