// Property-based fuzzing of every registered route (the app's own route list; bodies shaped by each
// route's schema) with fast-check, body and headers: thousands of generated
// requests through the app's handler (in process, so thousands stay fast), built around the real
// SDK gateway and the real cognito-local. Whatever comes in: never a 5xx, never a crash, every
// error a problem with a known code, and never a sent password or token in the answer or a log line.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import fc from 'fast-check'
import { createApp, type App } from '../../src/app.ts'
import { createGateway } from '../../src/cognito/gateway.ts'
import { createAccessTokenVerifier } from '../../src/tokens/access-token-verifier.ts'
import { parseConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logging.ts'
import { PROBLEMS, PROBLEM_CONTENT_TYPE } from '../../src/http/problem.ts'
import { signedInAccount } from '../support/accounts.ts'
import { testCognito } from '../support/cognito.ts'
import { requestInit } from '../support/http.ts'
import { exampleOf, type BodySchema } from '../support/route-inputs.ts'
import { PASSWORD } from '../support/util.ts'

const RUNS = 3000

// The fields whose values are credentials: never to be found in an answer.
const CREDENTIAL_FIELD = /password|token|session/i

interface FuzzedRoute {
  method: string
  path: string
  body: BodySchema | undefined
}

let app: App
let routes: FuzzedRoute[]
let accessToken: string
let refreshToken: string
const logLines: string[] = []

beforeAll(async () => {
  const cognito = await testCognito()
  const config = parseConfig(cognito.serviceEnv())
  const logger = createLogger({
    level: 'info',
    secrets: [config.cognito.clientSecret!],
    write: (line) => void logLines.push(line),
  })
  app = createApp({
    config,
    gateway: await createGateway(config.cognito),
    verifyAccessToken: createAccessTokenVerifier(config.cognito),
    logger,
  })
  // Every route the app registers, each with its body's schema: a new route is fuzzed as it is added.
  routes = (await app.routes).routes.map(({ method, path, hooks }) => ({
    method,
    path,
    body: hooks.body as BodySchema | undefined,
  }))
  // A real session, so the bearer routes and refresh are fuzzed past the token check too.
  ;({ accessToken, refreshToken } = (await signedInAccount(app, cognito, { tag: 'fuzz' })).tokens)
})
afterAll(() => {
  logLines.length = 0
})

// Header values must be ByteStrings without CR, LF or NUL, or `new Request` itself refuses them.
const headerText = fc.string({ unit: 'binary-ascii', maxLength: 300 }).map((s) => s.replace(/[\r\n\0]/g, ''))
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 3000 }),
)
// Addresses in every form the service accepts: any RFC 5322 atext local part, ASCII and IDNA domains
// (A-labels, and Unicode ones it converts), and the non-ASCII local part it refuses with a reason.
const ATEXT = [..."aZ09!#$%&'*+/=?^_`{|}~-"]
const localPart = fc
  .array(fc.string({ unit: fc.constantFrom(...ATEXT), minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 3 })
  .map((atoms) => atoms.join('.'))
const unicodeLabel = fc.string({
  unit: fc.constantFrom(...'приммерфбüßé日本語東京', 'a', '-'),
  minLength: 1,
  maxLength: 16,
})
const domain = fc.oneof(
  fc.domain(),
  fc.constantFrom('example.xn--p1ai', 'xn--e1afmkfd.xn--p1ai', 'пример.рф', 'ПРИМЕР.РФ', 'bücher.de', 'xn--zz.com'),
  fc
    .tuple(fc.array(unicodeLabel, { minLength: 1, maxLength: 4 }), fc.constantFrom('рф', 'com', 'jp', 'xn--p1ai'))
    .map(([labels, tld]) => [...labels, tld].join('.')),
)
const emailAddress = fc.oneof(
  fc.emailAddress(),
  fc.tuple(localPart, domain).map(([local, at]) => `${local}@${at}`),
  fc.tuple(fc.constantFrom('jö', '김뮤직', 'иван', 'a.ü'), domain).map(([local, at]) => `${local}@${at}`),
)
/** Likely values for one field of a body: what its schema suggests, then any text, then any JSON type. */
const fieldValue = (field: string, schema: BodySchema) => {
  const choices = schema.anyOf?.map((choice) => choice.const).filter((c) => c !== undefined) ?? []
  const likely =
    schema.format === 'email'
      ? emailAddress
      : CREDENTIAL_FIELD.test(field) && schema.type === 'string'
        ? fc.string({ minLength: 8, maxLength: 64 })
        : choices.length > 0
          ? fc.constantFrom(...choices)
          : schema.type === 'object'
            ? fc.oneof(fc.constant(exampleOf(schema)), fc.dictionary(text, text, { maxKeys: 17 }))
            : fc.oneof(fc.constant(exampleOf(schema)), text)
  return fc.oneof(
    { weight: 4, arbitrary: likely as fc.Arbitrary<unknown> },
    { weight: 2, arbitrary: text },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.integer(),
        fc.double(),
        fc.boolean(),
        fc.constant(null),
        fc.array(text, { maxLength: 3 }),
        fc.dictionary(text, text, { maxKeys: 3 }),
      ),
    },
  )
}
/** Bodies around a schema: any of its fields (each maybe missing), maybe with unknown ones. */
const fieldsOf = (schema: BodySchema | undefined) =>
  fc
    .record(Object.fromEntries(Object.entries(schema?.properties ?? {}).map(([f, s]) => [f, fieldValue(f, s)])), {
      requiredKeys: [],
    })
    .chain((body) =>
      fc.oneof(
        fc.constant(body as unknown),
        fc.dictionary(text, fc.jsonValue(), { maxKeys: 3 }).map((extra) => ({ ...extra, ...body })),
      ),
    )
/** The route's path with each parameter filled in: a plausible id, or any URL segment. */
const concretePathOf = (path: string) =>
  fc
    .array(fc.oneof(fc.stringMatching(/^[\w-]{1,64}$/), fc.webSegment()), {
      minLength: path.split(':').length - 1,
      maxLength: path.split(':').length - 1,
    })
    .map((values) => values.reduce((filled, value) => filled.replace(/:[^/]+/, value || 'x'), path))

const requestArb = () =>
  fc.constantFrom(...routes).chain((route) =>
    fc.record({
      route: fc.constant(`${route.method} ${route.path}`),
      path: fc.oneof({ weight: 9, arbitrary: concretePathOf(route.path) }, { weight: 1, arbitrary: fc.webPath() }),
      method: fc.oneof(
        { weight: 8, arbitrary: fc.constant(route.method) },
        { weight: 2, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD') },
      ),
      body: fc.oneof(
        { weight: 6, arbitrary: fieldsOf(route.body).map((b) => ({ kind: 'json' as const, value: b })) },
        { weight: 1, arbitrary: fc.jsonValue().map((b) => ({ kind: 'json' as const, value: b })) },
        { weight: 1, arbitrary: text.map((raw) => ({ kind: 'raw' as const, value: raw })) },
        { weight: 1, arbitrary: fc.constant({ kind: 'none' as const, value: undefined }) },
      ),
      contentType: fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json') },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            undefined,
            'application/json; charset=utf-8',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/vnd.api+json',
            'application/json; charset=latin1',
          ),
        },
        { weight: 1, arbitrary: headerText },
      ),
      authorization: fc.oneof(
        fc.constant(undefined),
        fc.constant('real'),
        headerText.map((t) => `Bearer ${t}`),
        headerText,
        fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((parts) => `Bearer ${parts.join('.')}`),
      ),
      requestId: fc.option(headerText),
      forwardedFor: fc.option(headerText),
      refresh: fc.boolean(),
    }),
  )

/** The credentials a request carries, long and varied enough that finding one in an answer is a leak, not chance. */
function credentialsIn(body: unknown, bearer: string | undefined): string[] {
  const found = bearer ? [bearer] : []
  if (typeof body === 'object' && body !== null) {
    for (const [key, value] of Object.entries(body)) {
      if (typeof value === 'string' && CREDENTIAL_FIELD.test(key)) found.push(value)
    }
  }
  return found.filter((s) => s.length >= 8 && new Set(s).size >= 4)
}

test(`${RUNS} generated requests over every registered route: no 5xx, problems only, nothing credential echoed`, async () => {
  const statuses = new Map<number, number>()
  const fuzzed = new Set<string>()
  await fc.assert(
    fc.asyncProperty(requestArb(), async (r) => {
      fuzzed.add(r.route)
      let body = r.body.kind === 'json' ? JSON.stringify(r.body.value) : r.body.value
      let sentBody = r.body.value
      // Half the refreshes carry the real refresh token, so they reach Cognito's token check.
      if (
        r.path === '/token/refresh' &&
        r.refresh &&
        r.body.kind === 'json' &&
        typeof r.body.value === 'object' &&
        r.body.value
      ) {
        sentBody = { ...r.body.value, refreshToken }
        body = JSON.stringify(sentBody)
      }
      const authorization = r.authorization === 'real' ? `Bearer ${accessToken}` : r.authorization
      const headers = new Headers()
      if (r.contentType !== undefined) headers.set('content-type', r.contentType)
      if (authorization !== undefined) headers.set('authorization', authorization)
      if (r.requestId !== null) headers.set('x-request-id', r.requestId)
      if (r.forwardedFor !== null) headers.set('x-forwarded-for', r.forwardedFor)
      const withBody = r.method !== 'GET' && r.method !== 'HEAD' && body !== undefined
      const res = await app.handle(
        new Request(`http://localhost${r.path}`, { method: r.method, headers, ...(withBody ? { body } : {}) }),
      )
      const answer = await res.text()
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)

      expect({ path: r.path, status: res.status }).toEqual({ path: r.path, status: expect.any(Number) })
      if (res.status >= 500) throw new Error(`${r.method} ${r.path} answered ${res.status}: ${answer}`)
      if (res.status >= 400 && r.method !== 'HEAD') {
        expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE)
        expect(Object.keys(PROBLEMS)).toContain(JSON.parse(answer).code)
      }
      // Swagger UI's files are the same bytes whatever the request: 1.6 MB of JavaScript contains
      // many an 8-character string a generated header happens to be.
      const fixedFile = r.path.startsWith('/swagger/assets/') && res.status === 200
      for (const credential of fixedFile ? [] : credentialsIn(sentBody, authorization?.replace(/^Bearer /, ''))) {
        if (answer.includes(credential)) throw new Error(`${r.path} echoed a credential: ${answer.slice(0, 2000)}`)
      }
      const requestId = res.headers.get('x-request-id') ?? ''
      expect(requestId).toMatch(/^[\w.:-]{1,128}$/)
    }),
    { numRuns: RUNS },
  )
  expect(routes.map((r) => `${r.method} ${r.path}`).filter((route) => !fuzzed.has(route))).toEqual([])
  // The generators reach well past validation: successes and Cognito's own refusals are in the mix.
  const reached = [...statuses.keys()]
  expect(reached).toContain(200)
  expect(reached).toContain(400)
  expect(reached).toContain(401)
  expect((await app.handle(new Request('http://localhost/health'))).status).toBe(200)
}, 300_000)

// Addresses that are always valid: an atext local part at an ASCII domain, an A-label one, or a
// domain in Cyrillic letters (always a valid IDNA label).
const acceptedAddress = fc
  .tuple(
    localPart,
    fc.oneof(
      fc.domain(),
      fc.constantFrom('example.xn--p1ai', 'xn--e1afmkfd.xn--p1ai'),
      fc
        .tuple(
          fc.string({ unit: fc.constantFrom(...'абвгдежзиклмнопрстуфхцчшщэюя'), minLength: 1, maxLength: 10 }),
          fc.constantFrom('рф', 'com'),
        )
        .map((labels) => labels.join('.')),
    ),
  )
  .map(([local, at]) => `${local}@${at}`)
  .filter((email) => email.length <= 254)

test('every accepted form of an address reaches Cognito: /signup/resend answers 200 (and a non-ASCII local part 400, with its reason)', async () => {
  const resend = async (email: string) => {
    const res = await app.handle(
      new Request('http://localhost/signup/resend', requestInit('POST', { json: { email } })),
    )
    return { status: res.status, body: (await res.json()) as { detail?: string; fields?: string[] } }
  }
  await fc.assert(
    fc.asyncProperty(acceptedAddress, async (email) => {
      expect({ email, status: (await resend(email)).status }).toEqual({ email, status: 200 })
    }),
    { numRuns: 300 },
  )
  await fc.assert(
    fc.asyncProperty(
      fc.tuple(fc.constantFrom('jö', '김뮤직', 'иван', 'a.ü'), acceptedAddress),
      async ([local, address]) => {
        const email = `${local}@${address.slice(address.lastIndexOf('@') + 1)}`
        const { status, body } = await resend(email)
        expect({ email, status, fields: body.fields, why: body.detail?.includes('cannot be delivered') }).toEqual({
          email,
          status: 400,
          fields: ['/email'],
          why: true,
        })
      },
    ),
    { numRuns: 100 },
  )
}, 120_000)

test('no fuzzed credential in any log line', () => {
  // Access lines are written after each response, some still on their way when this runs: the
  // count only shows the audit read real traffic.
  expect(logLines.length).toBeGreaterThan(RUNS / 2)
  const leaked = logLines.filter(
    (line) => line.includes(accessToken) || line.includes(refreshToken) || line.includes(PASSWORD),
  )
  expect(leaked).toEqual([])
})
