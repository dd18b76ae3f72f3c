// Every bad request gets a clear 4xx problem, never a 5xx, never a sent secret back, and the server
// keeps answering. Sent over a real socket to the real service. The cases are made from the app's own
// route list and each route's body schema (support/route-inputs.ts), so every route is covered as
// soon as it exists; the bearer ones are sent with a real access token (to reach the body check) and
// without one. A short list of special cases follows.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { signedInAccount } from '../support/accounts.ts'
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
import {
  apiRoutes,
  badBodies,
  concretePath,
  exampleOf,
  UNKNOWN_FIELD_MARK,
  type ApiRoute,
} from '../support/route-inputs.ts'
import { startService, type RunningService } from '../support/service.ts'
import { uniqueEmail } from '../support/util.ts'

let service: RunningService
let clientSecret: string
let accessToken: string

beforeAll(async () => {
  const cognito = await testCognito()
  clientSecret = cognito.pool.clientSecret
  service = await startService(cognito.serviceEnv())
  accessToken = (await signedInAccount(service.url, cognito, { tag: 'bad' })).tokens.accessToken
})
afterAll(() => service?.stop())

const SECRET_PASSWORD = 'Sup3r$ecretPassw0rd!'
const JSON_TYPE = { 'content-type': 'application/json' }
const json = (value: unknown) => JSON.stringify(value)

interface Case {
  name: string
  method: string
  path: string
  /** Send the signed-in account's access token. */
  token?: boolean
  headers?: Record<string, string>
  body?: string | Uint8Array
  status: number
  code: string
  /** For validation failures: the field pointers that must be named (in any order), and no other. */
  fields?: string[]
  /** For validation failures: what the detail must contain (a field and the rule it broke). */
  detail?: string
  /** The route the case is about ("POST /signin"), when it is about one. */
  route?: string
}

const routes = await apiRoutes()
const label = (route: ApiRoute) => `${route.method} ${route.path}`
/** The method to send to a route: one that answers every method (the token check) is asked with GET, as proxies do. */
const methodOf = (route: ApiRoute) => (route.method === 'ALL' ? 'GET' : route.method)

/**
 * The route's example body with its first field an array nested `depth` deep: past the nesting limit
 * such a body once overflowed the stack of the validation (a 500).
 */
function nestedBody(route: ApiRoute, depth: number): string {
  const field = Object.keys(route.body!.properties!)[0]!
  const { [field]: _replaced, ...rest } = exampleOf(route.body!) as Record<string, unknown>
  const others = json(rest).slice(1, -1)
  return `{${others}${others ? ',' : ''}${json(field)}:${'['.repeat(depth)}${']'.repeat(depth)}}`
}

/**
 * What every route that reads a body must refuse, whatever its schema. An empty body is no body: a
 * route whose body is optional takes it (that route's own tests say what it does then).
 */
function unreadableBodies(route: ApiRoute): Case[] {
  const at = { method: route.method, path: concretePath(route.path), token: route.bearer, route: label(route) }
  const valid = json(exampleOf(route.body!))
  const bad = (
    name: string,
    body: string | Uint8Array,
    status: number,
    code: string,
    headers?: Record<string, string>,
  ) => ({ ...at, name: `${label(route)}: ${name}`, body, status, code, ...(headers ? { headers } : {}) }) as Case
  return [
    bad('malformed JSON', `{"password": "${SECRET_PASSWORD}"`, 400, 'malformed_json'),
    bad('not JSON at all', `password=${SECRET_PASSWORD}`, 400, 'malformed_json'),
    ...(route.bodyOptional ? [] : [bad('empty body', '', 400, 'malformed_json')]),
    bad('invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), 400, 'malformed_json'),
    bad('trailing garbage', `${valid}xyz`, 400, 'malformed_json'),
    bad('null', 'null', 400, 'validation_failed'),
    bad('an array', json([SECRET_PASSWORD]), 400, 'validation_failed'),
    bad('a string', json(SECRET_PASSWORD), 400, 'validation_failed'),
    bad('a number', '42', 400, 'validation_failed'),
    bad('a boolean', 'true', 400, 'validation_failed'),
    bad('a field nested 4,500 levels deep (9 KB)', nestedBody(route, 4500), 400, 'validation_failed'),
    bad('text/plain', valid, 415, 'unsupported_media_type', { 'content-type': 'text/plain' }),
    bad('form-urlencoded', `password=${SECRET_PASSWORD}`, 415, 'unsupported_media_type', {
      'content-type': 'application/x-www-form-urlencoded',
    }),
    bad(
      'multipart',
      `--x\r\nContent-Disposition: form-data; name="password"\r\n\r\n${SECRET_PASSWORD}\r\n--x--`,
      415,
      'unsupported_media_type',
      { 'content-type': 'multipart/form-data; boundary=x' },
    ),
    bad('no content type', new TextEncoder().encode(valid), 415, 'unsupported_media_type', {}),
    bad('application/jsonx', valid, 415, 'unsupported_media_type', { 'content-type': 'application/jsonx' }),
    bad(
      'body just over 16 KiB',
      json({ pad: 'x'.repeat(16 * 1024), password: SECRET_PASSWORD }),
      413,
      'payload_too_large',
    ),
    bad('body of 512 KiB', json({ pad: 'x'.repeat(512 * 1024) }), 413, 'payload_too_large'),
  ]
}

/** Bodies the route's schema refuses, each wrong in one field (support/route-inputs.ts). */
const invalidBodies = (route: ApiRoute): Case[] =>
  badBodies(route.body!, SECRET_PASSWORD).map(({ name, body, fields, detail }) => ({
    name: `${label(route)}: ${name}`,
    route: label(route),
    ...(detail ? { detail } : {}),
    method: route.method,
    path: concretePath(route.path),
    token: route.bearer,
    body: json(body),
    status: 400,
    code: 'validation_failed',
    fields,
  }))

/** A method no route of this path has (a path with a parameter filled in, too): 405 with Allow. */
function wrongMethod(route: ApiRoute): Case[] {
  const taken = routes.filter((r) => r.path === route.path).map((r) => r.method)
  // A route that answers every method has no wrong one.
  if (taken.includes('ALL')) return []
  const method = ['PUT', 'PATCH', 'DELETE', 'POST', 'GET'].find((m) => !taken.includes(m))!
  const path = concretePath(route.path)
  return [
    { name: `${method} ${route.path}`, route: label(route), method, path, status: 405, code: 'method_not_allowed' },
  ]
}

/** A bearer route refuses a request without a valid access token before it looks at the body. */
function withoutToken(route: ApiRoute): Case[] {
  const at = {
    method: methodOf(route),
    path: concretePath(route.path),
    route: label(route),
    ...(methodOf(route) === 'GET' ? {} : { body: json({ previousPassword: 1 }) }),
  }
  const refused = (name: string, authorization: string | undefined, code: string): Case => ({
    ...at,
    name: `${label(route)}: ${name}`,
    headers: { ...JSON_TYPE, ...(authorization === undefined ? {} : { authorization }) },
    status: 401,
    code,
  })
  return [
    refused('no token', undefined, 'missing_token'),
    refused('Basic credentials', `Basic ${btoa(`a:${SECRET_PASSWORD}`)}`, 'missing_token'),
    refused('empty Bearer', 'Bearer ', 'missing_token'),
    refused('token with unicode', 'Bearer abc.déf.ghi', 'missing_token'),
    refused('8 KiB garbage token', `Bearer ${'a'.repeat(8192)}`, 'invalid_token'),
    refused('forged token', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'invalid_token'),
  ]
}

const signUp = routes.find((r) => r.method === 'POST' && r.path === '/signup')!
const validSignUp = () => ({ ...(exampleOf(signUp.body!) as object), email: uniqueEmail('bad') })
const post = (path: string, body: string, name: string, status: number, code: string, fields?: string[]): Case => ({
  name,
  method: 'POST',
  path,
  body,
  status,
  code,
  ...(fields ? { fields } : {}),
})

// What the schemas alone do not spell out: hostile shapes, values a pattern refuses for a reason of
// its own (log forging, terminal escapes), objects that cannot become strings, unknown routes.
const SPECIAL_CASES: Case[] = [
  post(
    '/signup',
    `{"__proto__": {"isAdmin": true}, "password": "${SECRET_PASSWORD}"}`,
    '__proto__ key only',
    400,
    'validation_failed',
  ),
  post(
    '/signup',
    `{"constructor": {"prototype": {"isAdmin": true}}, "email": 1}`,
    'constructor.prototype key',
    400,
    'validation_failed',
  ),
  post('/signup', `${'['.repeat(5000)}${']'.repeat(5000)}`, 'deeply nested arrays', 400, 'validation_failed'),
  post(
    '/signup',
    json({ ...validSignUp(), email: 'a@example.com\n{"level":"info"}' }),
    'email with a newline (log forging)',
    400,
    'validation_failed',
    ['/email'],
  ),
  post(
    '/signup',
    json({ ...validSignUp(), password: ` ${SECRET_PASSWORD}` }),
    'password with a leading space',
    400,
    'validation_failed',
    ['/password'],
  ),
  post(
    '/signup',
    json({ ...validSignUp(), password: `${SECRET_PASSWORD}\u0007x` }),
    'password with a control character',
    400,
    'validation_failed',
    ['/password'],
  ),
  post(
    '/signup',
    json({ ...validSignUp(), nickname: 'x\u001b[31mred' }),
    'nickname with an escape sequence',
    400,
    'validation_failed',
    ['/nickname'],
  ),
  // Objects that cannot become strings once made Elysia's validation error builder throw (a 500).
  post(
    '/signin',
    '{"email": {"toString": ""}, "password": "x"}',
    'signin: email with its own toString',
    400,
    'validation_failed',
  ),
  post(
    '/token/refresh',
    '{"refreshToken": {"valueOf": 1, "toString": null}, "username": "u"}',
    'refresh: token with its own valueOf',
    400,
    'validation_failed',
  ),
  post(
    '/signin',
    '{"email": {"\\u0074oString": ""}, "password": "x"}',
    'signin: toString spelled with a \\u escape',
    400,
    'validation_failed',
  ),
  post(
    '/signin/challenge',
    json({ email: 'a@b.co', challengeName: 'NEW_PASSWORD_REQUIRED', session: 's', responses: { NEW_PASSWORD: 5 } }),
    'challenge: response value not a string',
    400,
    'validation_failed',
  ),
  post(
    '/signin/challenge',
    json({
      email: 'a@b.co',
      challengeName: 'X',
      session: 's',
      responses: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`K${String.fromCharCode(65 + i)}`, 'v'])),
    }),
    'challenge: too many responses',
    400,
    'validation_failed',
    ['/responses'],
  ),
  post('/admin', json({ password: SECRET_PASSWORD }), 'unknown route', 404, 'not_found'),
  { name: 'unknown nested route', method: 'GET', path: '/signup/../../etc/passwd', status: 404, code: 'not_found' },
]

const CASES: Case[] = [
  ...routes.flatMap((route) => [
    ...wrongMethod(route),
    ...(route.bearer ? withoutToken(route) : []),
    ...(route.body ? [...unreadableBodies(route), ...invalidBodies(route)] : []),
  ]),
  ...SPECIAL_CASES,
]

async function send(c: Case): Promise<JsonResponse> {
  const headers = { ...(c.headers ?? JSON_TYPE), ...(c.token ? { authorization: `Bearer ${accessToken}` } : {}) }
  const res = await fetch(service.url + c.path, {
    method: c.method,
    headers,
    ...(c.body === undefined ? {} : { body: c.body }),
  })
  return readResponse(res)
}

describe('bad requests', () => {
  test('every route has cases: a wrong method; without a token, when it takes one; bad bodies, when it reads one', () => {
    const covered = new Set(CASES.map((c) => c.route))
    const missing = routes.map(label).filter((route) => !covered.has(route))
    expect(missing).toEqual([])
    expect(routes.filter((r) => r.bearer).length).toBeGreaterThan(0)
    expect(routes.filter((r) => r.body).length).toBeGreaterThan(0)
  })

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const res = await send(c)
    expectProblem(res, c.status, c.code, [SECRET_PASSWORD, clientSecret, accessToken, UNKNOWN_FIELD_MARK])
    const named: string[] = res.body.fields ?? []
    if (c.fields) expect([...named].sort()).toEqual([...c.fields].sort())
    if (c.detail) expect(res.body.detail).toContain(c.detail)
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
