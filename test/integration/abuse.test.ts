// Abuse: rate limits per client IP and per account, enumeration-safe sign-up, CORS and the security
// headers, against the real service and cognito-local.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { expectProblem, post, request } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

let cognito: TestCognito
const started: RunningService[] = []
const start = async (env: Record<string, string>) => {
  const service = await startService(cognito.serviceEnv(env))
  started.push(service)
  return service
}

beforeAll(async () => {
  cognito = await testCognito()
})
afterAll(() => Promise.all(started.map((s) => s.stop())))

describe('rate limits (defaults)', () => {
  let service: RunningService
  beforeAll(async () => {
    service = await start({ RATE_LIMITS_ENABLED: 'true', TRUST_PROXY: 'true' })
  })
  const from = (ip: string) => ({ 'x-forwarded-for': ip })

  test('sign-in: 10 failures per account per 5 minutes, then 429 with Retry-After, without asking Cognito', async () => {
    const email = uniqueEmail('stuffing')
    for (let i = 0; i < 10; i++) {
      expect(
        (await post(service.url, '/signin', { email, password: `Wrong${i}Password!` }, from(`198.51.100.${i}`))).status,
      ).toBe(401)
    }
    const calls = cognito.proxy.calls.length
    const res = await post(
      service.url,
      '/signin',
      { email: email.toUpperCase(), password: PASSWORD },
      from('198.51.100.99'),
    )
    expectProblem(res, 429, 'too_many_requests', [PASSWORD])
    expect(Number(res.headers.get('retry-after'))).toBe(30)
    expect(cognito.proxy.calls.length).toBe(calls)
    // Another account from the same addresses is not affected.
    expect(
      (await post(service.url, '/signin', { email: uniqueEmail('other'), password: PASSWORD }, from('198.51.100.1')))
        .status,
    ).toBe(401)
  })

  test('email routes: 30 per IP per 5 minutes; the ALB-appended (right-most) address counts, not client-written ones', async () => {
    for (let i = 0; i < 30; i++) {
      // A different spoofed left-most entry each time: it must not reset the count.
      const res = await post(
        service.url,
        '/password/forgot',
        { email: uniqueEmail('bomb') },
        from(`10.9.${i}.1, 203.0.113.7`),
      )
      expect(res.status).toBe(202)
    }
    const res = await post(
      service.url,
      '/signup/resend',
      { email: uniqueEmail('bomb') },
      from('10.9.99.1, 203.0.113.7'),
    )
    expectProblem(res, 429, 'too_many_requests')
    expect(Number(res.headers.get('retry-after'))).toBe(10)
    expect(
      (await post(service.url, '/password/forgot', { email: uniqueEmail('bomb') }, from('203.0.113.8'))).status,
    ).toBe(202)
  })

  test('code guessing: 10 wrong confirmation codes per account per 5 minutes; a reset code is another budget', async () => {
    const email = uniqueEmail('guess')
    for (let i = 0; i < 10; i++) {
      expect(
        (await post(service.url, '/signup/confirm', { email, code: String(100000 + i) }, from(`192.0.2.${i}`))).status,
      ).toBe(400)
    }
    expectProblem(
      await post(service.url, '/signup/confirm', { email, code: '999999' }, from('192.0.2.77')),
      429,
      'too_many_requests',
    )
    expectProblem(
      await post(service.url, '/password/reset', { email, code: '999999', password: PASSWORD }, from('192.0.2.78')),
      400,
      'code_mismatch',
    )
  })

  test('/health, invalid bodies and other routes are never limited', async () => {
    for (let i = 0; i < 50; i++)
      expect((await request(service.url, 'GET', '/health', { headers: from('203.0.113.50') })).status).toBe(200)
    for (let i = 0; i < 40; i++)
      expect((await post(service.url, '/signin', { email: 'nope' }, from('203.0.113.51'))).status).toBe(400)
  })
})

test('without TRUST_PROXY, X-Forwarded-For is ignored: the socket address is the client', async () => {
  const service = await start({ RATE_LIMITS_ENABLED: 'true', RATE_LIMIT_EMAIL_PER_IP: '3/1m' })
  for (let i = 0; i < 3; i++) {
    expect(
      (
        await post(
          service.url,
          '/password/forgot',
          { email: uniqueEmail('noproxy') },
          { 'x-forwarded-for': `10.0.0.${i}` },
        )
      ).status,
    ).toBe(202)
  }
  const res = await post(
    service.url,
    '/password/forgot',
    { email: uniqueEmail('noproxy') },
    { 'x-forwarded-for': '10.0.0.200' },
  )
  expectProblem(res, 429, 'too_many_requests')
  expect(Number(res.headers.get('retry-after'))).toBe(20)
})

describe('SIGNUP_ENUMERATION_SAFE', () => {
  const shape = (body: Record<string, unknown>) => ({ ...body, userSub: typeof body.userSub })

  test('on: an existing email gets the same 201 as a fresh one', async () => {
    const service = await start({ SIGNUP_ENUMERATION_SAFE: 'true' })
    const email = uniqueEmail('enum-safe')
    const first = await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'n' })
    const again = await post(service.url, '/signup', { email, password: 'Another1Password!', nickname: 'other' })
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(shape(again.body)).toEqual(shape(first.body))
    expect(again.body.userSub).toMatch(/^[0-9a-f-]{36}$/)
    expect(again.body.userSub).not.toBe(first.body.userSub)
    expect(first.body.codeDelivery).toEqual({
      destination: 'e***@e***',
      deliveryMedium: 'EMAIL',
      attributeName: 'email',
    })
    expect([...again.headers.keys()].filter((k) => k !== 'date' && k !== 'x-request-id').sort()).toEqual(
      [...first.headers.keys()].filter((k) => k !== 'date' && k !== 'x-request-id').sort(),
    )
    const doc = (await request(service.url, 'GET', '/swagger/json')).body
    expect(Object.keys(doc.paths['/signup'].post.responses)).not.toContain('409')
  })

  test('off (the default): 409 username_exists', async () => {
    const service = await start({})
    const email = uniqueEmail('enum-default')
    expect((await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'n' })).status).toBe(201)
    expectProblem(
      await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'n' }),
      409,
      'username_exists',
      [PASSWORD],
    )
  })
})

describe('CORS and security headers', () => {
  const ORIGIN = 'https://app.example.com'
  let service: RunningService
  beforeAll(async () => {
    service = await start({ CORS_ORIGINS: `${ORIGIN},http://localhost:3000` })
  })

  test('a preflight from a listed origin: 204 with the allowed methods and headers', async () => {
    const res = await request(service.url, 'OPTIONS', '/signin', {
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST, DELETE')
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization')
    expect(res.headers.get('access-control-allow-headers')).toContain('x-device-token')
    expect(res.headers.get('access-control-allow-credentials')).toBeNull()
    expect(res.headers.get('vary')).toBe('Origin')
  })

  test('a preflight from any other origin gets no CORS headers', async () => {
    const res = await request(service.url, 'OPTIONS', '/signin', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    })
    expect(res.status).toBe(405)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
  })

  test('actual requests: the listed origin is allowed and may read the request id; others are not', async () => {
    const ok = await request(service.url, 'GET', '/health', { headers: { origin: ORIGIN } })
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(ok.headers.get('access-control-expose-headers')).toContain('x-request-id')
    const problem = await post(service.url, '/signin', { email: 'x' }, { origin: ORIGIN })
    expect(problem.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    const other = await request(service.url, 'GET', '/health', { headers: { origin: 'https://evil.example' } })
    expect(other.headers.get('access-control-allow-origin')).toBeNull()
    expect(other.headers.get('vary')).toBe('Origin')
  })

  test('CORS is off by default', async () => {
    const plain = await start({})
    const res = await request(plain.url, 'OPTIONS', '/signin', {
      headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
    })
    expect(res.status).toBe(405)
    expect(res.headers.get('access-control-allow-origin')).toBeNull()
    expect(
      (await request(plain.url, 'GET', '/health', { headers: { origin: ORIGIN } })).headers.get(
        'access-control-allow-origin',
      ),
    ).toBeNull()
  })

  test.each([
    ['GET', '/health'],
    ['POST', '/signin'],
    ['GET', '/nowhere'],
    ['GET', '/swagger/json'],
  ])('%s %s: no-store, nosniff, a CSP that allows nothing, no referrer', async (method, path) => {
    const res = await request(service.url, method, path, method === 'POST' ? { json: {} } : {})
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'")
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
  })

  test('Swagger UI keeps its own CSP, which lets only this origin run it', async () => {
    const res = await request(service.url, 'GET', '/swagger')
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
  })
})
