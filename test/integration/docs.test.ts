// The OpenAPI document and the self-hosted Swagger UI, from the running service: validated with a
// real OpenAPI validator, checked against the product's route list, and switched off by config.
import SwaggerParser from '@apidevtools/swagger-parser'
import { codesOf, type Schema } from '../support/openapi.ts'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import pkg from '../../package.json' with { type: 'json' }
import { PROBLEMS } from '../../src/http/problem.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { request } from '../support/http.ts'
import { BEARER_ROUTES, ROUTES } from '../support/routes.ts'
import { startService, type RunningService } from '../support/service.ts'

const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'init.js']

type Operation = {
  summary?: string
  description?: string
  security?: Array<Record<string, string[]>>
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> }
  responses: Record<
    string,
    { description?: string; headers?: Record<string, { $ref?: string }>; content?: Record<string, { schema: Schema }> }
  >
}

let cognito: TestCognito
let service: RunningService
let document: {
  info: { version: string }
  servers?: Array<{ url: string }>
  paths: Record<string, Record<string, Operation>>
  components: any
}

beforeAll(async () => {
  cognito = await testCognito()
  service = await startService(cognito.serviceEnv())
  document = (await request(service.url, 'GET', '/swagger/json')).body
})
afterAll(() => service?.stop())

const operations = () =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
  )

describe('GET /swagger/json', () => {
  test('is a valid OpenAPI 3.1 document (checked by @apidevtools/swagger-parser)', async () => {
    expect((await request(service.url, 'GET', '/swagger/json')).headers.get('content-type')).toStartWith(
      'application/json',
    )
    // validate() dereferences in place: give it a copy.
    const api = (await SwaggerParser.validate(structuredClone(document) as never)) as { openapi?: string }
    expect(api.openapi).toBe('3.1.0')
  })

  // A route added without documentation, or documentation of a route that does not exist, fails here.
  test('lists exactly the product routes, and not its own', () => {
    expect(
      operations()
        .map((o) => o.route)
        .sort(),
    ).toEqual([...ROUTES].sort())
  })

  test('info.version is package.json’s version', () => {
    expect(document.info.version).toBe(pkg.version)
  })

  test('every operation has a summary, a description and a tag', () => {
    for (const { route, op } of operations()) {
      expect({ route, summary: (op.summary ?? '').length > 3 }).toEqual({ route, summary: true })
      expect({ route, description: (op.description ?? '').length > 10 }).toEqual({ route, description: true })
      expect({ route, tagged: ((op as { tags?: string[] }).tags ?? []).length > 0 }).toEqual({ route, tagged: true })
    }
  })

  test('every JSON request body is the validating schema, with an example for each field', () => {
    const withBody = operations().filter(({ op }) => op.requestBody)
    expect(withBody.map((o) => o.route).sort()).toEqual(
      // Without input: signing out, starting TOTP enrolment, asking for passkey creation options. With
      // input among the DELETEs: turning the authenticator app off, and removing a passkey while passkeys
      // count as MFA (the password and a code).
      [
        ...ROUTES.filter(
          (r) =>
            /^(POST|PUT) /.test(r) &&
            r !== 'POST /signout' &&
            r !== 'POST /me/mfa/totp' &&
            r !== 'POST /me/passkeys/options',
        ),
        'DELETE /me/mfa/totp',
        'DELETE /me/passkeys/{credentialId}',
      ].sort(),
    )
    // Only removing a passkey may go without its body (it is needed while passkeys count as MFA).
    expect(withBody.filter(({ op }) => op.requestBody!.required !== true).map((o) => o.route)).toEqual([
      'DELETE /me/passkeys/{credentialId}',
    ])
    for (const { route, op } of withBody) {
      expect({ route, media: Object.keys(op.requestBody!.content) }).toEqual({ route, media: ['application/json'] })
      const schema = op.requestBody!.content['application/json']!.schema
      expect(schema.type).toBe('object')
      for (const [field, property] of Object.entries(schema.properties ?? {})) {
        expect({ route, field, example: (property.examples ?? []).length > 0 }).toEqual({ route, field, example: true })
      }
    }
  })

  test('/signup documents its 201 body, its conflict and the body errors', () => {
    const op = document.paths['/signup']!.post!
    expect(Object.keys(op.responses).sort()).toEqual([
      '201',
      '400',
      '409',
      '413',
      '415',
      '429',
      '500',
      '502',
      '503',
      '504',
    ])
    expect(op.responses['201']!.content!['application/json']!.schema.properties!.message!.const).toBe(
      'User signed up successfully!',
    )
    expect(codesOf(op.responses['409']!.content!['application/problem+json']!.schema)).toEqual(['username_exists'])
    expect(codesOf(op.responses['400']!.content!['application/problem+json']!.schema)).toContain('validation_failed')
  })

  test('every error response is problem+json, and its codes are real and of that status', () => {
    let errors = 0
    for (const { route, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue
        errors++
        expect({ route, status, media: Object.keys(response.content ?? {}) }).toEqual({
          route,
          status,
          media: ['application/problem+json'],
        })
        const codes = codesOf(response.content!['application/problem+json']!.schema)
        expect(codes.length).toBeGreaterThan(0)
        for (const code of codes) {
          const known: Record<string, { status: number }> = PROBLEMS
          expect({ route, code, status: known[String(code)]?.status }).toEqual({ route, code, status: Number(status) })
        }
      }
    }
    expect(errors).toBeGreaterThan(ROUTES.length * 3)
  })

  test('bearer routes, and only they, require the bearer scheme and document 401', () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' })
    for (const { route, op } of operations()) {
      const bearer = BEARER_ROUTES.includes(route)
      expect({ route, security: op.security ?? [] }).toEqual({ route, security: bearer ? [{ bearer: [] }] : [] })
      if (!bearer) continue
      const unauthorized = codesOf(op.responses['401']!.content!['application/problem+json']!.schema)
      expect({
        route,
        token: unauthorized.filter((c) => c === 'missing_token' || c === 'invalid_token').sort(),
      }).toEqual({
        route,
        token: ['invalid_token', 'missing_token'],
      })
    }
  })

  test('a server entry, so a generated client needs no base URL of its own', () => {
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })])
  })

  test('every answer documents X-Request-Id and the trace id; 429 Retry-After; 401 WWW-Authenticate', () => {
    const headers = document.components.headers
    expect(Object.keys(headers).sort()).toEqual(['Retry-After', 'WWW-Authenticate', 'X-Amzn-Trace-Id', 'X-Request-Id'])
    for (const { route, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        const names = Object.keys(response.headers ?? {}).sort()
        const expected = [
          'X-Amzn-Trace-Id',
          'X-Request-Id',
          ...(status === '429' ? ['Retry-After'] : []),
          ...(status === '401' ? ['WWW-Authenticate'] : []),
        ].sort()
        expect({ route, status, names }).toEqual({ route, status, names: expected })
      }
    }
  })

  test('shared shapes are named once under components.schemas and referenced', () => {
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['Problem', 'TokenResponse', 'ChallengeResponse']),
    )
    const text = JSON.stringify(document.paths)
    expect(text.split('#/components/schemas/Problem"').length - 1).toBeGreaterThan(ROUTES.length * 3)
    const signIn = document.paths['/signin']!.post!.responses['200']!.content!['application/json']!.schema
    expect(signIn.anyOf!.map((s) => s.$ref).sort()).toEqual([
      '#/components/schemas/ChallengeResponse',
      '#/components/schemas/TokenResponse',
    ])
    // Each error status still lists exactly its own codes, on top of the shared shape.
    const conflict = document.paths['/signup']!.post!.responses['409']!.content!['application/problem+json']!.schema
    expect(conflict.allOf![0]!.$ref).toBe('#/components/schemas/Problem')
  })

  test('maps are additionalProperties of the value type, never patternProperties', () => {
    expect(JSON.stringify(document)).not.toContain('patternProperties')
    expect(document.components.schemas.ChallengeResponse.properties.challengeParameters).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'string' },
    })
    const answers = document.paths['/signin/challenge']!.post!.requestBody!.content['application/json']!.schema
      .properties!.responses as Record<string, unknown>
    expect(answers).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'string' },
      propertyNames: { pattern: '^[A-Z_]{1,64}$' },
    })
  })

  test('every answer says what it means (no generated "Response for status" text), and speaks to API users', () => {
    for (const { route, op } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        expect({ route, status, generic: /^Response for status/.test(response.description ?? '') }).toEqual({
          route,
          status,
          generic: false,
        })
      }
    }
    expect(JSON.stringify(document)).not.toMatch(/\bseed\b|blog/i)
  })

  test('413 documents the server’s own empty answer for a body over its limit', async () => {
    expect(document.paths['/signup']!.post!.responses['413']!.description).toContain('empty 413')
  })

  test('204 answers have no content; /health is text/plain', () => {
    expect(document.paths['/signout']!.post!.responses['204']!.content).toBeUndefined()
    expect(document.paths['/me/mfa/totp/verify']!.post!.responses['204']!.content).toBeUndefined()
    expect(Object.keys(document.paths['/health']!.get!.responses['200']!.content!)).toEqual(['text/plain'])
  })
})

describe('GET /swagger', () => {
  test('an HTML page whose scripts and styles are all this service’s own, under a strict CSP', async () => {
    const res = await request(service.url, 'GET', '/swagger')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self';")
    expect(csp).toContain("connect-src 'self'")
    const refs = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])
    expect(refs.sort()).toEqual(['data:,', ...ASSETS.map((a) => `swagger/assets/${a}`)].sort())
    expect(res.text).not.toMatch(/<script>[^<]/)
  })

  test.each(ASSETS)('asset %s is served from inside the service', async (asset) => {
    const res = await request(service.url, 'GET', `/swagger/assets/${asset}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith(asset.endsWith('.css') ? 'text/css' : 'text/javascript')
    expect(res.text.length).toBeGreaterThan(asset === 'init.js' ? 50 : 100_000)
    expect(res.text).not.toMatch(/https?:\/\/(?:unpkg|cdn|fonts\.googleapis|petstore)/)
  })
})

describe('SWAGGER_ENABLED=false', () => {
  test('removes the page, the assets and the document; the API is unchanged', async () => {
    const off = await startService({ ...cognito.serviceEnv(), SWAGGER_ENABLED: 'false' })
    try {
      for (const path of ['/swagger', '/swagger/json', '/swagger/assets/swagger-ui-bundle.js']) {
        const res = await request(off.url, 'GET', path)
        expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({
          path,
          status: 404,
          type: 'application/problem+json',
        })
      }
      expect((await request(off.url, 'GET', '/health')).status).toBe(200)
    } finally {
      await off.stop()
    }
  })
})
