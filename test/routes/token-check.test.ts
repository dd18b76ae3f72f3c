// The token check (src/routes/token-check.ts) in process: around the stub gateway's verifier through the
// whole app, and around a verifier of the test's own for what the stub's tokens cannot carry (groups,
// scopes, expired tokens, unfetchable keys). Behind real nginx and caddy: test/integration/token-check.test.ts.
import { describe, expect, test } from 'bun:test'
import { createMetrics } from '../../src/observability/metrics.ts'
import { ProblemError } from '../../src/http/problem.ts'
import { createApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logging.ts'
import { onlyTokenCheck } from '../../src/routes/token-check.ts'
import type { AccessClaims, AccessTokenVerifier } from '../../src/tokens/claims.ts'
import { bearer, expectApiHeaders, expectProblem, readResponse } from '../support/http.ts'
import { inProcessApp, signedInApp } from '../support/in-process-app.ts'
import { parseSamples, seriesOf } from '../support/metrics.ts'
import { createStubGateway } from '../support/stub-gateway.ts'
import { PASSWORD } from '../support/util.ts'

const EMAIL = 'proxy.check@example.com'

describe('/token/verify through the app', () => {
  test('a valid token: 200, the identity as headers and as the body; the gateway is not called', async () => {
    const { call, stub, auth, accessToken } = await signedInApp(EMAIL, PASSWORD)
    const claims = await stub.verifyAccessToken(accessToken)
    const before = stub.calls.length
    const res = await call('GET', '/token/verify', { headers: auth })
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      sub: claims.sub,
      username: claims.username,
      groups: [],
      authTime: claims.authTime,
      scopes: [],
    })
    expect(Object.fromEntries([...res.headers].filter(([name]) => name.startsWith('x-auth-request-')))).toEqual({
      'x-auth-request-user': claims.sub,
      'x-auth-request-preferred-username': claims.username,
      'x-auth-request-groups': '',
      'x-auth-request-auth-time': String(claims.authTime),
      'x-auth-request-scope': '',
    })
    expectApiHeaders(res)
    expect(stub.calls.length).toBe(before)
  })

  test('any method, any path under it, a body of anything: the same answer (the body is never read)', async () => {
    const { call, auth, stub, accessToken } = await signedInApp(EMAIL, PASSWORD)
    const { sub } = await stub.verifyAccessToken(accessToken)
    const cases: Array<[string, string]> = [
      ['POST', '/token/verify'],
      ['PUT', '/token/verify/api/orders/7?expand=items'],
      ['DELETE', '/token/verify/'],
      ['PATCH', '/token/verify/a/b/c'],
      ['OPTIONS', '/token/verify'],
    ]
    for (const [method, path] of cases) {
      const res = await call(method, path, {
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{"not json',
      })
      expect({ method, path, status: res.status, user: res.headers.get('x-auth-request-user') }).toEqual({
        method,
        path,
        status: 200,
        user: sub,
      })
    }
    const head = await call('HEAD', '/token/verify', { headers: auth })
    expect({ status: head.status, user: head.headers.get('x-auth-request-user') }).toEqual({ status: 200, user: sub })
    // Not a prefix match: another word is another route.
    expect((await call('GET', '/token/verifyx', { headers: auth })).status).toBe(404)
  })

  test('what each proxy sends is answered: Traefik’s and Caddy’s X-Forwarded-*, Envoy’s original method and path with only Authorization', async () => {
    const { call, auth } = await signedInApp(EMAIL, PASSWORD, { TRUST_PROXY: 'true' })
    const forwarded = {
      'x-forwarded-method': 'DELETE',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'api.example.com',
      'x-forwarded-uri': '/orders/7?expand=items',
      'x-forwarded-for': '198.51.100.4, 10.0.0.7',
    }
    const shapes: Array<[string, string, string, Record<string, string>]> = [
      ['nginx auth_request', 'GET', '/token/verify', { ...auth, 'x-original-uri': '/orders/7', 'content-length': '0' }],
      ['Traefik ForwardAuth', 'GET', '/token/verify', { ...auth, ...forwarded }],
      ['Traefik preserveRequestMethod', 'DELETE', '/token/verify', { ...auth, ...forwarded }],
      [
        'Caddy forward_auth',
        'GET',
        '/token/verify',
        { ...auth, 'x-forwarded-method': 'POST', 'x-forwarded-uri': '/orders' },
      ],
      ['Envoy ext_authz', 'PATCH', '/token/verify/orders/7?expand=items', { ...auth, 'content-length': '0' }],
    ]
    for (const [proxy, method, path, headers] of shapes) {
      const res = await call(method, path, { headers })
      expect({ proxy, status: res.status }).toEqual({ proxy, status: 200 })
    }
  })

  test('missing, malformed, garbage: 401 with WWW-Authenticate, and no identity header', async () => {
    const { call } = inProcessApp()
    const cases: Array<[Record<string, string>, string, string]> = [
      [{}, 'missing_token', 'Bearer'],
      [{ authorization: 'Basic dXNlcjpwYXNz' }, 'missing_token', 'Bearer'],
      [bearer('garbage'), 'invalid_token', 'Bearer error="invalid_token"'],
      [bearer('eyJhbGciOiJub25lIn0.e30.'), 'invalid_token', 'Bearer error="invalid_token"'],
    ]
    for (const [headers, code, challenge] of cases) {
      const res = await call('GET', '/token/verify/app', { headers })
      expectProblem(res, 401, code)
      expect(res.headers.get('www-authenticate')).toBe(challenge)
      expect([...res.headers.keys()].filter((name) => name.startsWith('x-auth-request-'))).toEqual([])
    }
  })

  test('no path or forwarded header lets a request skip the check (oauth2-proxy GHSA-7x63-xv5r-3p2x, spoofed X-Forwarded-Uri)', async () => {
    // The check has no allow-list of paths: whatever the proxy or the client says the original
    // request was, a missing token is refused.
    const { call } = inProcessApp()
    const spoofed = {
      'x-forwarded-uri': '/health',
      'x-original-uri': '/health',
      'x-original-url': 'https://api.example.com/health',
      'x-forwarded-method': 'OPTIONS',
    }
    for (const path of ['/token/verify', '/token/verify/health', '/token/verify/docs', '/token/verify/..%2fhealth'])
      for (const method of ['GET', 'OPTIONS', 'HEAD'])
        expect((await call(method, path, { headers: spoofed })).status).toBe(401)
  })

  test('after a sign-out through this service the token is refused at once, as on every bearer route', async () => {
    const { call, auth } = await signedInApp(EMAIL, PASSWORD)
    expect((await call('GET', '/token/verify', { headers: auth })).status).toBe(200)
    expect((await call('POST', '/signout', { headers: auth })).status).toBe(204)
    const res = await call('GET', '/token/verify', { headers: auth })
    expectProblem(res, 401, 'invalid_token')
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
  })

  test('with the verification cache on, a sign-out still refuses a token the check has just remembered', async () => {
    const { call, auth } = await signedInApp(EMAIL, PASSWORD, { TOKEN_CHECK_CACHE_SECONDS: '60' })
    for (let i = 0; i < 2; i++) expect((await call('GET', '/token/verify', { headers: auth })).status).toBe(200)
    expect((await call('POST', '/signout', { headers: auth })).status).toBe(204)
    expectProblem(await call('GET', '/token/verify', { headers: auth }), 401, 'invalid_token')
  })

  test('its own limit per client address, not the sign-in routes’: 429 with Retry-After past it; 0 turns it off', async () => {
    const limited = await signedInApp(EMAIL, PASSWORD, { TOKEN_CHECK_RATE_LIMIT: '3/1m', TRUST_PROXY: 'true' })
    const from = (ip: string) => ({ ...limited.auth, 'x-forwarded-for': ip })
    for (let i = 0; i < 3; i++)
      expect((await limited.call('GET', '/token/verify', { headers: from('198.51.100.1') })).status).toBe(200)
    const refused = await limited.call('GET', '/token/verify', { headers: from('198.51.100.1') })
    expectProblem(refused, 429, 'too_many_requests')
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect((await limited.call('GET', '/token/verify', { headers: from('198.51.100.2') })).status).toBe(200)

    const off = await signedInApp(EMAIL, PASSWORD, { TOKEN_CHECK_RATE_LIMIT: '0', TRUST_PROXY: 'true' })
    for (let i = 0; i < 50; i++)
      expect(
        (await off.call('GET', '/token/verify', { headers: { ...off.auth, 'x-forwarded-for': '198.51.100.1' } }))
          .status,
      ).toBe(200)
  })

  test('the default limit lets thousands of checks a second through from one address', async () => {
    const { call, auth } = await signedInApp(EMAIL, PASSWORD, { TRUST_PROXY: 'true' })
    const headers = { ...auth, 'x-forwarded-for': '198.51.100.9' }
    const statuses = await Promise.all(Array.from({ length: 5000 }, () => call('GET', '/token/verify', { headers })))
    expect(statuses.filter((r) => r.status !== 200).length).toBe(0)
  })

  test('metrics: allowed and refused by reason, no label from the request', async () => {
    const metrics = createMetrics()
    const app = inProcessApp({}, { metrics })
    app.stub.addAccount(EMAIL, PASSWORD)
    const { accessToken } = await app.stub.signIn(EMAIL, PASSWORD)
    await app.call('GET', '/token/verify', { headers: bearer(accessToken) })
    await app.call('POST', '/token/verify/x', { headers: bearer(accessToken) })
    await app.call('GET', '/token/verify')
    await app.call('GET', '/token/verify', { headers: bearer('garbage') })
    await app.call('POST', '/signout', { headers: bearer(accessToken) })
    await app.call('GET', '/token/verify', { headers: bearer(accessToken) })
    const series = seriesOf(parseSamples(await metrics.registry.metrics()), 'user_service_token_checks_total')
    expect(series).toEqual(
      expect.arrayContaining([
        { result: 'allowed', reason: 'none', value: 2 },
        { result: 'refused', reason: 'missing_token', value: 1 },
        { result: 'refused', reason: 'invalid_token', value: 1 },
        { result: 'refused', reason: 'revoked', value: 1 },
      ]),
    )
    expect(series.length).toBe(4)
  })
})

describe('/token/verify with a verifier of its own', () => {
  const CLAIMS: AccessClaims = {
    sub: '5f1c1b9e-0000-4000-8000-000000000001',
    username: 'kim',
    authTime: 1_700_000_000,
    groups: ['admins', 'Ünïcode,group'],
    scopes: ['aws.cognito.signin.user.admin', 'orders/read'],
  }
  // The whole app, with this verifier in place of the stub's.
  const routes = (verify: AccessTokenVerifier, metrics = createMetrics()) => {
    const app = createApp({
      config: parseConfig({
        COGNITO_USER_POOL_ID: 'local_routes',
        COGNITO_CLIENT_ID: 'routesclient',
        COGNITO_ISSUER: 'http://cognito.invalid/local_routes',
      }),
      gateway: createStubGateway().gateway,
      verifyAccessToken: verify,
      logger: createLogger({ level: 'error', write: (line) => void errorLines.push(line) }),
      metrics,
    })
    const errorLines: string[] = []
    return {
      metrics,
      errorLines,
      call: async () =>
        readResponse(await app.handle(new Request('http://check.test/token/verify', { headers: bearer('a.b.c') }))),
    }
  }

  test('groups and scopes: listed in the body as they are, in the headers as printable ASCII', async () => {
    const res = await routes(async () => CLAIMS).call()
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      sub: CLAIMS.sub,
      username: 'kim',
      groups: ['admins', 'Ünïcode,group'],
      authTime: 1_700_000_000,
      scopes: ['aws.cognito.signin.user.admin', 'orders/read'],
    })
    expect(res.headers.get('x-auth-request-groups')).toBe('admins,%C3%9Cn%C3%AFcode%2Cgroup')
    expect(res.headers.get('x-auth-request-scope')).toBe('aws.cognito.signin.user.admin orders/read')
  })

  test('an expired token is a 401 counted as expired', async () => {
    const expired = Object.assign(new Error('Token expired'), { name: 'JwtExpiredError' })
    const { call, metrics } = routes(async () => {
      throw new ProblemError('invalid_token', undefined, { cause: expired })
    })
    expectProblem(await call(), 401, 'invalid_token')
    const series = seriesOf(parseSamples(await metrics.registry.metrics()), 'user_service_token_checks_total')
    expect(series).toEqual([{ result: 'refused', reason: 'expired', value: 1 }])
  })

  test('signing keys not fetchable: 503 with Retry-After, counted as an error, not a refusal, and logged', async () => {
    const { call, metrics, errorLines } = routes(async () => {
      throw new ProblemError('upstream_unavailable')
    })
    // The first check comes while the routes are being built (Elysia answers it), the second once
    // they are (the app answers it before routing): the same answer and the same log line.
    for (const round of [1, 2]) {
      const res = await call()
      expectProblem(res, 503, 'upstream_unavailable')
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(errorLines.join('').match(/"request failed"/g)?.length).toBe(round)
    }
    const series = seriesOf(parseSamples(await metrics.registry.metrics()), 'user_service_token_checks_total')
    expect(series).toEqual([{ result: 'error', reason: 'unavailable', value: 2 }])
  })

  test('a verifier that fails in a way of its own: 500 internal_error, logged, never an escaped throw', async () => {
    const { call, errorLines } = routes(async () => {
      throw new TypeError('a bug in a verifier')
    })
    for (const round of [1, 2]) {
      expectProblem(await call(), 500, 'internal_error')
      expect(errorLines.join('').match(/"request failed"/g)?.length).toBe(round)
    }
  })
})

describe('the token check’s own port', () => {
  test('serves the token check’s paths and answers 404 to everything else', async () => {
    const seen: string[] = []
    const handle = onlyTokenCheck(async (request) => {
      seen.push(new URL(request.url).pathname)
      return new Response('ok')
    })
    const statuses: Record<string, number> = {}
    for (const path of [
      '/token/verify',
      '/token/verify/',
      '/token/verify?x=1',
      '/token/verify/a/b',
      '/token/verifyx',
      '/signin',
      '/health',
      '/',
    ])
      statuses[path] = (await handle(new Request(`http://check.internal${path}`))).status
    expect(statuses).toEqual({
      '/token/verify': 200,
      '/token/verify/': 200,
      '/token/verify?x=1': 200,
      '/token/verify/a/b': 200,
      '/token/verifyx': 404,
      '/signin': 404,
      '/health': 404,
      '/': 404,
    })
    expect(seen).toEqual(['/token/verify', '/token/verify/', '/token/verify', '/token/verify/a/b'])
  })
})
