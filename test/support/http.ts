import { expect } from 'bun:test'

export interface JsonResponse {
  status: number
  headers: Headers
  text: string
  body: any
}

export async function request(base: string, method: string, path: string, init: { json?: unknown; body?: RequestInit['body']; headers?: Record<string, string> } = {}): Promise<JsonResponse> {
  const headers: Record<string, string> = { ...init.headers }
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
