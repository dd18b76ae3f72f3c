import { expect } from 'bun:test'

// Every credential any test sent or received through `request`, for the whole-run log audit
// (preload.ts): passwords and codes going out, tokens and sessions coming back.
export const credentialsSeen = new Set<string>()
const CREDENTIAL_FIELDS = new Set(['password', 'previousPassword', 'proposedPassword', 'NEW_PASSWORD', 'token', 'idToken', 'accessToken', 'refreshToken', 'session'])

/** Remembers every credential-named string field in a JSON value, at any depth. */
export function rememberCredentials(value: unknown): void {
  if (typeof value !== 'object' || value === null) return
  for (const [key, field] of Object.entries(value)) {
    if (typeof field === 'string' && CREDENTIAL_FIELDS.has(key)) credentialsSeen.add(field)
    else rememberCredentials(field)
  }
}

export interface JsonResponse {
  status: number
  headers: Headers
  text: string
  body: any
}

export async function request(base: string, method: string, path: string, init: { json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> } = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...init.headers }
  rememberCredentials(init.json)
  const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1]
  if (bearer) credentialsSeen.add(bearer)
  let body = init.body
  if (init.json !== undefined) {
    headers['content-type'] ??= 'application/json'
    body = JSON.stringify(init.json)
  }
  const res = await fetch(base + path, { method, headers, body })
  const text = await res.text()
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  rememberCredentials(parsed)
  return { status: res.status, headers: res.headers, text, body: parsed }
}

export const post = (base: string, path: string, json: unknown, headers?: Record<string, string>) =>
  request(base, 'POST', path, { json, ...(headers ? { headers } : {}) })

/** An RFC 9457 problem with the given status and code, and nothing of the listed secrets in it. */
export function expectProblem(res: JsonResponse, status: number, code: string, secrets: string[] = []) {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code })
  expect(res.headers.get('content-type')).toBe('application/problem+json')
  expect(res.body).toMatchObject({ type: `urn:user-service:problem:${code}`, status, code })
  expect(typeof res.body.title).toBe('string')
  expect(typeof res.body.detail).toBe('string')
  for (const secret of secrets) expect(res.text).not.toContain(secret)
}

/** No line contains any of the values (passwords, tokens, the client secret). */
export function expectNoSecrets(lines: string[], secrets: string[]) {
  const values = secrets.filter((s) => s.length >= 6)
  expect(values.length).toBeGreaterThan(0)
  const leaks = lines.filter((line) => values.some((v) => line.includes(v)))
  expect(leaks).toEqual([])
}
