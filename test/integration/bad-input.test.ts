// Every bad request gets a clear 4xx problem, never a 5xx, never the password back, and the
// server keeps answering. Sent over a real socket to the real service.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { testCognito } from '../support/cognito.ts'
import {
  chunk,
  connect,
  expectNoSecrets,
  expectProblem,
  rawRequest,
  readResponse,
  type JsonResponse,
} from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { uniqueEmail } from '../support/util.ts'

let service: RunningService
let clientSecret: string

beforeAll(async () => {
  const cognito = await testCognito()
  clientSecret = cognito.pool.clientSecret
  service = await startService(cognito.serviceEnv())
})
afterAll(() => service?.stop())

const SECRET_PASSWORD = 'Sup3r$ecretPassw0rd!'
const JSON_TYPE = { 'content-type': 'application/json' }
const valid = () => ({ email: uniqueEmail('bad'), password: SECRET_PASSWORD, nickname: 'nick' })
const json = (value: unknown) => JSON.stringify(value)

interface Case {
  name: string
  method?: string
  path?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  status: number
  code: string
  /** For validation failures: the field pointers that must be named. */
  fields?: string[]
}

const CASES: Case[] = [
  // Unreadable bodies
  {
    name: 'malformed JSON',
    body: `{"email": "a@b.co", "password": "${SECRET_PASSWORD}"`,
    status: 400,
    code: 'malformed_json',
  },
  { name: 'not JSON at all', body: `password=${SECRET_PASSWORD}`, status: 400, code: 'malformed_json' },
  { name: 'empty body', body: '', status: 400, code: 'malformed_json' },
  {
    name: 'invalid UTF-8',
    body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
    status: 400,
    code: 'malformed_json',
  },
  { name: 'trailing garbage', body: `${json(valid())}xyz`, status: 400, code: 'malformed_json' },
  // Not an object
  { name: 'null', body: 'null', status: 400, code: 'validation_failed' },
  { name: 'an array', body: json([valid()]), status: 400, code: 'validation_failed' },
  { name: 'a string', body: json(SECRET_PASSWORD), status: 400, code: 'validation_failed' },
  { name: 'a number', body: '42', status: 400, code: 'validation_failed' },
  { name: 'a boolean', body: 'true', status: 400, code: 'validation_failed' },
  {
    name: 'an empty object',
    body: '{}',
    status: 400,
    code: 'validation_failed',
    fields: ['/email', '/password', '/nickname'],
  },
  // Wrong types
  {
    name: 'email is a number',
    body: json({ ...valid(), email: 12345 }),
    status: 400,
    code: 'validation_failed',
    fields: ['/email'],
  },
  {
    name: 'password is a number',
    body: json({ ...valid(), password: 12345678 }),
    status: 400,
    code: 'validation_failed',
    fields: ['/password'],
  },
  {
    name: 'nickname is null',
    body: json({ ...valid(), nickname: null }),
    status: 400,
    code: 'validation_failed',
    fields: ['/nickname'],
  },
  {
    name: 'email is an array',
    body: json({ ...valid(), email: ['a@b.co'] }),
    status: 400,
    code: 'validation_failed',
    fields: ['/email'],
  },
  {
    name: 'password is an object',
    body: json({ ...valid(), password: { value: SECRET_PASSWORD } }),
    status: 400,
    code: 'validation_failed',
    fields: ['/password'],
  },
  {
    name: 'missing password',
    body: json({ email: 'a@b.co', nickname: 'n' }),
    status: 400,
    code: 'validation_failed',
    fields: ['/password'],
  },
  // Values Cognito would reject
  {
    name: 'not an email',
    body: json({ ...valid(), email: 'not-an-email' }),
    status: 400,
    code: 'validation_failed',
    fields: ['/email'],
  },
  {
    name: 'email over 254 characters',
    body: json({ ...valid(), email: `${'a'.repeat(250)}@b.co` }),
    status: 400,
    code: 'validation_failed',
    fields: ['/email'],
  },
  {
    name: 'email with a NUL',
    body: json({ ...valid(), email: 'a\u0000b@example.com' }),
    status: 400,
    code: 'validation_failed',
    fields: ['/email'],
  },
  {
    name: 'email with a newline (log forging)',
    body: json({ ...valid(), email: 'a@example.com\n{"level":"info"}' }),
    status: 400,
    code: 'validation_failed',
    fields: ['/email'],
  },
  {
    name: 'emoji email',
    body: json({ ...valid(), email: '😀😀😀' }),
    status: 400,
    code: 'validation_failed',
    fields: ['/email'],
  },
  {
    name: 'password over 256 characters',
    body: json({ ...valid(), password: `${SECRET_PASSWORD}${'x'.repeat(256)}` }),
    status: 400,
    code: 'validation_failed',
    fields: ['/password'],
  },
  {
    name: 'empty password',
    body: json({ ...valid(), password: '' }),
    status: 400,
    code: 'validation_failed',
    fields: ['/password'],
  },
  {
    name: 'password with leading space',
    body: json({ ...valid(), password: ` ${SECRET_PASSWORD}` }),
    status: 400,
    code: 'validation_failed',
    fields: ['/password'],
  },
  {
    name: 'password with a control character',
    body: json({ ...valid(), password: `${SECRET_PASSWORD}\u0007x` }),
    status: 400,
    code: 'validation_failed',
    fields: ['/password'],
  },
  {
    name: 'empty nickname',
    body: json({ ...valid(), nickname: '' }),
    status: 400,
    code: 'validation_failed',
    fields: ['/nickname'],
  },
  {
    name: 'nickname over 2048 characters',
    body: json({ ...valid(), nickname: 'n'.repeat(2049) }),
    status: 400,
    code: 'validation_failed',
    fields: ['/nickname'],
  },
  {
    name: 'nickname with an escape sequence',
    body: json({ ...valid(), nickname: 'x\u001b[31mred' }),
    status: 400,
    code: 'validation_failed',
    fields: ['/nickname'],
  },
  // Prototype pollution attempts
  {
    name: '__proto__ key only',
    body: `{"__proto__": {"isAdmin": true}, "password": "${SECRET_PASSWORD}"}`,
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'constructor.prototype key',
    body: `{"constructor": {"prototype": {"isAdmin": true}}, "email": 1}`,
    status: 400,
    code: 'validation_failed',
  },
  // Deep nesting
  {
    name: 'deeply nested arrays',
    body: `${'['.repeat(5000)}${']'.repeat(5000)}`,
    status: 400,
    code: 'validation_failed',
  },
  // Content types
  {
    name: 'text/plain',
    headers: { 'content-type': 'text/plain' },
    body: json(valid()),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'form-urlencoded',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `email=a%40b.co&password=${SECRET_PASSWORD}`,
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'multipart',
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    body: `--x\r\nContent-Disposition: form-data; name="password"\r\n\r\n${SECRET_PASSWORD}\r\n--x--`,
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'no content type',
    headers: {},
    body: new TextEncoder().encode(json(valid())),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    name: 'application/jsonx',
    headers: { 'content-type': 'application/jsonx' },
    body: json(valid()),
    status: 415,
    code: 'unsupported_media_type',
  },
  // Size
  {
    name: 'body just over 16 KiB',
    body: json({ ...valid(), nickname: 'n'.repeat(16 * 1024) }),
    status: 413,
    code: 'payload_too_large',
  },
  {
    name: 'body of 512 KiB',
    body: json({ ...valid(), nickname: 'n'.repeat(512 * 1024) }),
    status: 413,
    code: 'payload_too_large',
  },
  // Sign-in gets the same treatment
  {
    name: 'signin: malformed JSON',
    path: '/signin',
    body: `{"password": "${SECRET_PASSWORD}"`,
    status: 400,
    code: 'malformed_json',
  },
  {
    name: 'signin: missing email',
    path: '/signin',
    body: json({ password: SECRET_PASSWORD }),
    status: 400,
    code: 'validation_failed',
    fields: ['/email'],
  },
  {
    name: 'signin: password is an array',
    path: '/signin',
    body: json({ email: 'a@b.co', password: [SECRET_PASSWORD] }),
    status: 400,
    code: 'validation_failed',
    fields: ['/password'],
  },
  // Objects that cannot become strings once made Elysia's validation error builder throw (a 500).
  {
    name: 'signin: email with its own toString',
    path: '/signin',
    body: '{"email": {"toString": ""}, "password": "x"}',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'refresh: token with its own valueOf',
    path: '/token/refresh',
    body: '{"refreshToken": {"valueOf": 1, "toString": null}, "username": "u"}',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'signin: toString spelled with a \\u escape',
    path: '/signin',
    body: '{"email": {"\\u0074oString": ""}, "password": "x"}',
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'signin: text/plain',
    path: '/signin',
    headers: { 'content-type': 'text/plain' },
    body: json({ email: 'a@b.co', password: SECRET_PASSWORD }),
    status: 415,
    code: 'unsupported_media_type',
  },
  // Routing
  { name: 'GET /signup', method: 'GET', status: 405, code: 'method_not_allowed' },
  {
    name: 'PUT /signin',
    method: 'PUT',
    path: '/signin',
    body: json({ email: 'a@b.co', password: SECRET_PASSWORD }),
    status: 405,
    code: 'method_not_allowed',
  },
  { name: 'DELETE /health', method: 'DELETE', path: '/health', status: 405, code: 'method_not_allowed' },
  { name: 'unknown route', path: '/admin', body: json({ password: SECRET_PASSWORD }), status: 404, code: 'not_found' },
  { name: 'unknown nested route', method: 'GET', path: '/signup/../../etc/passwd', status: 404, code: 'not_found' },
  // Lifecycle routes: what is peculiar to each
  {
    name: 'confirm: code with spaces',
    path: '/signup/confirm',
    body: json({ email: 'a@b.co', code: '12 34' }),
    status: 400,
    code: 'validation_failed',
    fields: ['/code'],
  },
  {
    name: 'confirm: code over 2048',
    path: '/signup/confirm',
    body: json({ email: 'a@b.co', code: '1'.repeat(2049) }),
    status: 400,
    code: 'validation_failed',
    fields: ['/code'],
  },
  {
    name: 'reset: weak-shaped password',
    path: '/password/reset',
    body: json({ email: 'a@b.co', code: '123456', password: ` ${SECRET_PASSWORD}` }),
    status: 400,
    code: 'validation_failed',
    fields: ['/password'],
  },
  {
    name: 'refresh: token with spaces',
    path: '/token/refresh',
    body: json({ refreshToken: 'a b', username: 'u' }),
    status: 400,
    code: 'validation_failed',
    fields: ['/refreshToken'],
  },
  {
    name: 'refresh: username with a newline',
    path: '/token/refresh',
    body: json({ refreshToken: 'abc', username: 'u\nx' }),
    status: 400,
    code: 'validation_failed',
    fields: ['/username'],
  },
  {
    name: 'refresh: token over 8 KiB',
    path: '/token/refresh',
    body: json({ refreshToken: 'a'.repeat(8193), username: 'u' }),
    status: 400,
    code: 'validation_failed',
    fields: ['/refreshToken'],
  },
  {
    name: 'challenge: lowercase challenge name',
    path: '/signin/challenge',
    body: json({ email: 'a@b.co', challengeName: 'new_password', session: 's', responses: { NEW_PASSWORD: 'x' } }),
    status: 400,
    code: 'validation_failed',
    fields: ['/challengeName'],
  },
  {
    name: 'challenge: response value not a string',
    path: '/signin/challenge',
    body: json({
      email: 'a@b.co',
      challengeName: 'NEW_PASSWORD_REQUIRED',
      session: 's',
      responses: { NEW_PASSWORD: 5 },
    }),
    status: 400,
    code: 'validation_failed',
  },
  {
    name: 'challenge: too many responses',
    path: '/signin/challenge',
    body: json({
      email: 'a@b.co',
      challengeName: 'X',
      session: 's',
      responses: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`K${String.fromCharCode(65 + i)}`, 'v'])),
    }),
    status: 400,
    code: 'validation_failed',
    fields: ['/responses'],
  },
  {
    name: 'challenge: empty session',
    path: '/signin/challenge',
    body: json({ email: 'a@b.co', challengeName: 'X', session: '', responses: { NEW_PASSWORD: 'x' } }),
    status: 400,
    code: 'validation_failed',
    fields: ['/session'],
  },
  // Bearer routes refuse before anything else
  { name: 'me: no token', method: 'GET', path: '/me', headers: {}, status: 401, code: 'missing_token' },
  {
    name: 'me: Basic credentials',
    method: 'GET',
    path: '/me',
    headers: { authorization: `Basic ${btoa(`a:${SECRET_PASSWORD}`)}` },
    status: 401,
    code: 'missing_token',
  },
  {
    name: 'me: empty Bearer',
    method: 'GET',
    path: '/me',
    headers: { authorization: 'Bearer ' },
    status: 401,
    code: 'missing_token',
  },
  {
    name: 'me: token with unicode',
    method: 'GET',
    path: '/me',
    headers: { authorization: 'Bearer abc.déf.ghi' },
    status: 401,
    code: 'missing_token',
  },
  {
    name: 'me: 8 KiB garbage token',
    method: 'GET',
    path: '/me',
    headers: { authorization: `Bearer ${'a'.repeat(8192)}` },
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'signout: forged token',
    path: '/signout',
    headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
    status: 401,
    code: 'invalid_token',
  },
  {
    name: 'change password: no token, wrong-shaped body',
    path: '/password/change',
    body: json({ previousPassword: 1 }),
    status: 401,
    code: 'missing_token',
  },
]

// Every lifecycle route with a body also gets the generic treatment.
const BODY_ROUTES = [
  '/signup/confirm',
  '/signup/resend',
  '/password/forgot',
  '/password/reset',
  '/token/refresh',
  '/signin/challenge',
]
for (const path of BODY_ROUTES) {
  CASES.push(
    {
      name: `${path}: malformed JSON`,
      path,
      body: `{"password": "${SECRET_PASSWORD}"`,
      status: 400,
      code: 'malformed_json',
    },
    { name: `${path}: empty object`, path, body: '{}', status: 400, code: 'validation_failed' },
    { name: `${path}: an array`, path, body: json([SECRET_PASSWORD]), status: 400, code: 'validation_failed' },
    {
      name: `${path}: numbers everywhere`,
      path,
      body: json({
        email: 1,
        code: 2,
        password: 3,
        refreshToken: 4,
        username: 5,
        challengeName: 6,
        session: 7,
        responses: 8,
      }),
      status: 400,
      code: 'validation_failed',
    },
    {
      name: `${path}: text/plain`,
      path,
      headers: { 'content-type': 'text/plain' },
      body: json({ email: 'a@b.co' }),
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: `${path}: over 16 KiB`,
      path,
      body: json({ email: 'a@b.co', password: SECRET_PASSWORD, pad: 'x'.repeat(17 * 1024) }),
      status: 413,
      code: 'payload_too_large',
    },
  )
}

async function send(c: Case): Promise<JsonResponse> {
  const res = await fetch(service.url + (c.path ?? '/signup'), {
    method: c.method ?? 'POST',
    headers: c.headers ?? JSON_TYPE,
    ...(c.body === undefined ? {} : { body: c.body }),
  })
  return readResponse(res)
}

describe('bad requests', () => {
  test('the table is large enough to mean something', () => expect(CASES.length).toBeGreaterThanOrEqual(30))

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const res = await send(c)
    expectProblem(res, c.status, c.code, [SECRET_PASSWORD, clientSecret])
    if (c.fields) expect(res.body.fields).toEqual(c.fields)
    if (c.status === 405) expect(res.headers.get('allow')).toBeTruthy()
    const health = await fetch(`${service.url}/health`)
    expect(health.status).toBe(200)
  })

  test("over the server's own limit (1 MiB) Bun answers 413 itself, and the server stays up", async () => {
    const res = await fetch(`${service.url}/signup`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: 'x'.repeat(2 * 1024 * 1024),
    }).catch((error: Error) => error)
    if (!(res instanceof Error)) expect(res.status).toBe(413)
    expect((await fetch(`${service.url}/health`)).status).toBe(200)
  })

  test('a valid body with __proto__ and unknown keys signs up normally and pollutes nothing', async () => {
    const email = uniqueEmail('proto')
    const res = await fetch(`${service.url}/signup`, {
      method: 'POST',
      headers: JSON_TYPE,
      body: `{"__proto__": {"userConfirmed": true}, "email": "${email}", "password": "ThisisLocalTest1234@", "nickname": "n", "admin": true}`,
    })
    expect(res.status).toBe(201)
    const body = (await res.json()) as Record<string, unknown>
    expect(body.userConfirmed).toBe(false)
    expect(body).not.toHaveProperty('admin')
  })

  test('nothing the table sent shows up in the logs', async () => {
    await Bun.sleep(50)
    expect(service.logs().filter((l) => l.msg === 'request').length).toBeGreaterThanOrEqual(CASES.length)
    expect(service.logs().some((l) => l.level === 'error')).toBe(false)
    expectNoSecrets(service.lines, [SECRET_PASSWORD, clientSecret])
  })
})

describe('chunked bodies (no Content-Length)', () => {
  const chunkedSignUp = (...parts: string[]) =>
    connect(service.port).then(async (connection) => {
      try {
        return await connection.exchange(
          rawRequest('POST', '/signup', { ...JSON_TYPE, 'transfer-encoding': 'chunked' }),
          ...parts,
        )
      } finally {
        connection.close()
      }
    })

  test('a small one is read like any body', async () => {
    const res = await chunkedSignUp(chunk('{"email":'), chunk('"a@b.co"}'), chunk(''))
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body)).toMatchObject({ code: 'validation_failed', fields: ['/password', '/nickname'] })
  })

  test('one over 16 KiB is 413 payload_too_large', async () => {
    const parts = Array.from({ length: 64 }, () => chunk('x'.repeat(1024)))
    const res = await chunkedSignUp(...parts, chunk(''))
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body)).toMatchObject({ code: 'payload_too_large' })
  })
})
