// Swagger UI and the OpenAPI document (src/routes/docs.ts, src/openapi/document.ts), in process around
// the stub gateway (test/support/stub-gateway.ts). The document's content in depth (a valid OpenAPI
// 3.1, examples, problem schemas) and the page over a socket: test/integration/docs.test.ts; in a
// real browser: test/browser/swagger-ui.test.ts.
import { describe, expect, test } from 'bun:test'
import { expectApiHeaders, expectProblem } from '../support/http.ts'
import { inProcessApp } from '../support/in-process-app.ts'
import { ROUTES } from '../support/routes.ts'

const DOCS_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; font-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const operationsOf = (document: { paths: Record<string, Record<string, unknown>> }) =>
  Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  )

describe('GET /swagger/json', () => {
  test('200 JSON with the API’s headers: an OpenAPI 3.1 document listing exactly the product routes', async () => {
    const { call, stub } = inProcessApp()
    const res = await call('GET', '/swagger/json')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('application/json')
    expectApiHeaders(res)
    expect(res.body.openapi).toBe('3.1.0')
    expect(operationsOf(res.body).sort()).toEqual([...ROUTES].sort())
    expect(stub.calls).toEqual([])
  })

  test('/signup documents 409 username_exists by default, and not under SIGNUP_ENUMERATION_SAFE (it never answers it)', async () => {
    const responsesOfSignUp = async (env: Record<string, string>) =>
      (await inProcessApp(env).call('GET', '/swagger/json')).body.paths['/signup'].post.responses as Record<
        string,
        unknown
      >
    expect(Object.keys(await responsesOfSignUp({}))).toContain('409')
    expect(Object.keys(await responsesOfSignUp({ SIGNUP_ENUMERATION_SAFE: 'true' }))).not.toContain('409')
  })
})

describe('GET /swagger and its assets', () => {
  test('the page: HTML that loads only this service’s own files, cacheable, under the docs CSP', async () => {
    const res = await inProcessApp().call('GET', '/swagger')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('content-security-policy')).toBe(DOCS_CSP)
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400')
    const sources = [...res.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
    expect(sources.length).toBeGreaterThan(0)
    expect(sources.filter((s) => !s.startsWith('swagger/') && !s.startsWith('data:'))).toEqual([])
    expect(res.text).not.toContain('<script>')
  })

  test.each([
    ['/swagger/assets/swagger-ui.css', 'text/css; charset=utf-8'],
    ['/swagger/assets/swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
    ['/swagger/assets/init.js', 'text/javascript; charset=utf-8'],
  ])('%s: 200 %s, cacheable, not empty', async (path, type) => {
    const res = await inProcessApp().call('GET', path)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(type)
    expect(res.headers.get('cache-control')).toBe('public, max-age=86400')
    expect(res.text.length).toBeGreaterThan(100)
  })

  test('an asset that does not exist: 404 not_found', async () => {
    expectProblem(await inProcessApp().call('GET', '/swagger/assets/other.js'), 404, 'not_found')
  })
})

describe('SWAGGER_ENABLED=false', () => {
  test('the page, the assets and the document are 404 not_found; the API still answers', async () => {
    const { call } = inProcessApp({ SWAGGER_ENABLED: 'false' })
    for (const path of ['/swagger', '/swagger/json', '/swagger/assets/init.js'])
      expectProblem(await call('GET', path), 404, 'not_found')
    expect((await call('GET', '/health')).status).toBe(200)
  })
})
