import { expect } from 'bun:test'
import { once } from 'node:events'
import { createConnection } from 'node:net'

// Every credential any test sent or received through `request`, for the whole-run log audit
// (preload.ts): passwords and codes going out, tokens and sessions coming back.
export const credentialsSeen = new Set<string>()
const CREDENTIAL_FIELDS = new Set([
  'password',
  'previousPassword',
  'proposedPassword',
  'NEW_PASSWORD',
  'token',
  'idToken',
  'accessToken',
  'refreshToken',
  'session',
  'deviceToken',
])

/** Remembers every credential-named string field in a JSON value, at any depth. */
function rememberCredentials(value: unknown): void {
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

/** What a test sends: `json` becomes an application/json body (unless the test set another type). */
export interface RequestOptions {
  json?: unknown
  body?: RequestInit['body']
  headers?: Record<string, string>
}

/** The fetch init of a test request. */
export function requestInit(method: string, { json, body, headers = {} }: RequestOptions): RequestInit {
  if (json === undefined) return { method, headers, body }
  return { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(json) }
}

/** A response read whole: its text, and that text parsed (undefined when it is not JSON). */
export async function readResponse(res: Response): Promise<JsonResponse> {
  const text = await res.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  return { status: res.status, headers: res.headers, text, body }
}

export async function request(
  base: string,
  method: string,
  path: string,
  init: RequestOptions = {},
): Promise<JsonResponse> {
  rememberCredentials(init.json)
  const bearer = /^Bearer (.+)$/.exec(init.headers?.authorization ?? '')?.[1]
  if (bearer) credentialsSeen.add(bearer)
  const res = await readResponse(await fetch(base + path, requestInit(method, init)))
  rememberCredentials(res.body)
  return res
}

/** The Authorization header of a bearer request. */
export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

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

/**
 * What every API answer carries, success or problem: the security headers (literal values, not the
 * module's constant, so a change to them shows up here) and a request id, the caller's when it sent
 * a valid one, otherwise a fresh UUID.
 */
export function expectApiHeaders(res: JsonResponse, requestId?: string) {
  expect({
    'cache-control': res.headers.get('cache-control'),
    'x-content-type-options': res.headers.get('x-content-type-options'),
    'content-security-policy': res.headers.get('content-security-policy'),
    'referrer-policy': res.headers.get('referrer-policy'),
  }).toEqual({
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
  })
  if (requestId === undefined)
    expect(res.headers.get('x-request-id')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
  else expect(res.headers.get('x-request-id')).toBe(requestId)
}

/** No line contains any of the values (passwords, tokens, the client secret). */
export function expectNoSecrets(lines: string[], secrets: string[]) {
  const values = secrets.filter((s) => s.length >= 6)
  expect(values.length).toBeGreaterThan(0)
  const leaks = lines.filter((line) => values.some((v) => line.includes(v)))
  expect(leaks).toEqual([])
}

export interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/**
 * One raw TCP connection to the service, for what fetch hides: reusing a kept-alive connection, and
 * sending a chunked body byte for byte.
 */
export async function connect(port: number) {
  const socket = createConnection({ host: '127.0.0.1', port })
  await once(socket, 'connect')
  let received = ''
  let closed = false
  const waiters: Array<() => void> = []
  const wake = () => {
    for (const w of waiters.splice(0)) w()
  }
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString('utf8')
    wake()
  })
  socket.on('close', () => {
    closed = true
    wake()
  })
  // The server may answer and close before the whole request is written (an early 413): that answer counts.
  socket.on('error', () => undefined)

  /** The next complete response (framed by Content-Length), or an error if the connection closes first. */
  const nextResponse = async (): Promise<RawResponse> => {
    while (true) {
      const end = received.indexOf('\r\n\r\n')
      if (end !== -1) {
        const [statusLine, ...fields] = received.slice(0, end).split('\r\n')
        const headers = Object.fromEntries(
          fields.map((f) => [f.slice(0, f.indexOf(':')).toLowerCase(), f.slice(f.indexOf(':') + 1).trim()]),
        )
        const length = Number(headers['content-length'] ?? 0)
        const status = Number(statusLine!.split(' ')[1])
        if (status === 100) {
          received = received.slice(end + 4)
          continue
        }
        if (received.length >= end + 4 + length) {
          const body = received.slice(end + 4, end + 4 + length)
          received = received.slice(end + 4 + length)
          return { status, headers, body }
        }
      }
      if (closed) throw new Error(`connection closed; received: ${JSON.stringify(received)}`)
      await new Promise<void>((resolve) => waiters.push(resolve))
    }
  }

  return {
    get closed() {
      return closed
    },
    /** Writes the parts (no more once the server has closed the connection), then reads the response. */
    async exchange(...parts: string[]): Promise<RawResponse> {
      const response = nextResponse()
      for (const part of parts) {
        if (closed) break
        socket.write(part)
      }
      return response
    },
    close: () => socket.destroy(),
  }
}

/** A request in HTTP/1.1 wire format, headers then body as given. */
export const rawRequest = (method: string, path: string, headers: Record<string, string> = {}) =>
  `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`

/** A body part in chunked transfer coding; `chunk('')` is the last one. */
export const chunk = (data: string) => `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`
