// What an ALB (and a direct client inside the VPC) sends: X-Forwarded-For from dual-stack clients
// and with the client port, X-Amzn-Trace-Id, large headers, a short Host. Against the real service
// and cognito-local, on every SERVICE_TARGET.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { MAX_HEADER_BYTES } from '../../src/service.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { connect, expectProblem, post, request } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail, waitFor } from '../support/util.ts'

let cognito: TestCognito
let service: RunningService
beforeAll(async () => {
  cognito = await testCognito()
  // Defaults: 30 sign-ins per IP per 5 minutes, IPv6 counted per /64.
  service = await startService(cognito.serviceEnv({ RATE_LIMITS_ENABLED: 'true', TRUST_PROXY: 'true' }))
})
afterAll(() => service?.stop())

const from = (xff: string) => ({ 'x-forwarded-for': xff })
/** A sign-in of a fresh (unknown) account: 401 from Cognito until the client's IP is over its limit. */
const signIn = (xff: string) =>
  post(service.url, '/signin', { email: uniqueEmail('lb'), password: PASSWORD }, from(xff))

describe('per-IP limit: the client the ALB names', () => {
  test('31 sign-ins from one IPv4 address: the 31st is a 429', async () => {
    for (let i = 0; i < 30; i++) expect((await signIn('198.51.100.31')).status).toBe(401)
    expectProblem(await signIn('198.51.100.31'), 429, 'too_many_requests', [PASSWORD])
  })

  test('40 sign-ins from distinct addresses of one IPv6 /64 meet a 429; another /64 is not affected', async () => {
    const statuses: number[] = []
    for (let i = 1; i <= 40; i++)
      statuses.push((await signIn(`2001:db8:40:1:${i.toString(16)}::${(i * 7).toString(16)}`)).status)
    expect(statuses.slice(0, 30)).toEqual(new Array(30).fill(401))
    expect(statuses.slice(30)).toEqual(new Array(10).fill(429))
    expect((await signIn('2001:db8:40:2::1')).status).toBe(401)
  })

  test('ip:port entries (ALB client-port setting) count as the address: a new port is not a new client', async () => {
    for (let i = 0; i < 30; i++) expect((await signIn(`10.1.1.1:1000, 203.0.113.44:${40000 + i}`)).status).toBe(401)
    expectProblem(await signIn('203.0.113.44'), 429, 'too_many_requests')
    for (let i = 0; i < 30; i++) expect((await signIn(`[2001:db8:44::1]:${40000 + i}`)).status).toBe(401)
    expectProblem(await signIn('[2001:db8:44::2]:50000'), 429, 'too_many_requests')
  })

  test('an IPv4-mapped IPv6 address is the IPv4 client, and logged as such', async () => {
    for (let i = 0; i < 15; i++) expect((await signIn('::ffff:192.0.2.15')).status).toBe(401)
    for (let i = 0; i < 15; i++) expect((await signIn('192.0.2.15')).status).toBe(401)
    expectProblem(await signIn('[::ffff:192.0.2.15]:443'), 429, 'too_many_requests')
    // Another IPv4 client is not caught by it (a mapped address is not masked like IPv6).
    expect((await signIn('::ffff:192.0.2.16')).status).toBe(401)
    await waitFor(
      () => service.logs().find((l) => l.msg === 'request' && l.ip === '192.0.2.16'),
      'the access line with the IPv4 address',
    )
  })
})

describe('X-Amzn-Trace-Id', () => {
  const TRACE = 'Root=1-67891233-abcdef012345678912345678;Sampled=1'

  test('is logged on the access line and echoed; a malformed one is neither', async () => {
    const res = await request(service.url, 'GET', '/health', {
      headers: { 'x-amzn-trace-id': TRACE, 'x-request-id': 'lb-trace-1' },
    })
    expect(res.headers.get('x-amzn-trace-id')).toBe(TRACE)
    const bad = await request(service.url, 'GET', '/health', {
      headers: { 'x-amzn-trace-id': 'Root=1 "x"', 'x-request-id': 'lb-trace-2' },
    })
    expect(bad.headers.get('x-amzn-trace-id')).toBeNull()
    const line = await waitFor(() => service.logs().find((l) => l.reqId === 'lb-trace-1'), 'the access line')
    expect(line).toMatchObject({ msg: 'request', path: '/health', status: 200, traceId: TRACE })
    const badLine = await waitFor(() => service.logs().find((l) => l.reqId === 'lb-trace-2'), 'the access line')
    expect(badLine).not.toHaveProperty('traceId')
  })

  test('is on the error line of a failed request too', async () => {
    // A wrong client secret: Cognito refuses the SECRET_HASH, the service answers 500 and logs why.
    const wrongSecret = 'not-the-real-secret-lb-0123456789'
    const failing = await startService(cognito.serviceEnv({ COGNITO_CLIENT_SECRET: wrongSecret }))
    try {
      const res = await post(
        failing.url,
        '/signin',
        { email: uniqueEmail('lbtrace'), password: PASSWORD },
        { 'x-amzn-trace-id': TRACE },
      )
      expectProblem(res, 500, 'internal_error', [wrongSecret])
      expect(res.headers.get('x-amzn-trace-id')).toBe(TRACE)
      const logged = await waitFor(() => failing.logs().find((l) => l.msg === 'request failed'), 'the failure line')
      expect(logged).toMatchObject({ level: 'error', traceId: TRACE, reqId: res.headers.get('x-request-id') })
    } finally {
      await failing.stop()
    }
  })
})

describe('header sizes', () => {
  test('what the ALB forwards is accepted: 16 KB in one header, 64 KB in all', async () => {
    expect(
      (await request(service.url, 'GET', '/health', { headers: { cookie: `a=${'x'.repeat(16 * 1024 - 10)}` } })).status,
    ).toBe(200)
    const large: Record<string, string> = {}
    for (let i = 0; i < 4; i++) large[`x-oidc-${i}`] = 'x'.repeat(16 * 1024 - 100)
    const res = await request(service.url, 'GET', '/health', { headers: large })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-request-id')).not.toBeNull()
  })

  test('over the service limit: the runtime’s own 431 (documented: no problem body, no log line)', async () => {
    const huge: Record<string, string> = {}
    for (let i = 0; i < 6; i++) huge[`x-big-${i}`] = 'x'.repeat(Math.ceil(MAX_HEADER_BYTES / 5))
    const res = await request(service.url, 'GET', '/health', { headers: huge })
    expect(res.status).toBe(431)
    // The service is unharmed.
    expect((await request(service.url, 'GET', '/health')).status).toBe(200)
  })
})

describe('a short Host', () => {
  const raw = (method: string, path: string, host: string, body = '') =>
    `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`

  test.each(['api', 'a', 'ab:8'])('Host: %p routes on the path, body and all', async (host) => {
    const conn = await connect(service.port)
    try {
      const health = await conn.exchange(raw('GET', '/health', host))
      expect(health.status).toBe(200)
      expect(health.body).toBe('OK')
      // A body survives the re-routing: a bad one is the route's own 400, a good one reaches Cognito.
      const invalid = await conn.exchange(
        raw('POST', '/signin', host, JSON.stringify({ email: 'nope', password: PASSWORD })),
      )
      expect({ status: invalid.status, code: JSON.parse(invalid.body).code }).toEqual({
        status: 400,
        code: 'validation_failed',
      })
      const unknown = await conn.exchange(
        raw('POST', '/signin', host, JSON.stringify({ email: uniqueEmail('shorthost'), password: PASSWORD })),
      )
      expect(unknown.status).toBe(401)
      expect((await conn.exchange(raw('GET', '/no-such-route', host))).status).toBe(404)
    } finally {
      conn.close()
    }
  })
})
