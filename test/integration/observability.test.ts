// Metrics and auth events of the real service (Bun, Node or the binary) against the real local
// Cognito behind the fault proxy (test/support/fault-proxy.ts: the emulator cannot be made
// unreachable, slow or throttled on demand). A scripted mix of requests, then /metrics on the
// metrics port, counted exactly; each Cognito fault in its own outcome series; the event lines.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { signedInAccount } from '../support/accounts.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts'
import { bearer, post, request } from '../support/http.ts'
import { parseSamples, sampleSum, seriesOf, type Sample } from '../support/metrics.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail, waitFor } from '../support/util.ts'

const EMAIL_KEY = 'observability-test-key-0123456789abcdef'

let cognito: TestCognito
let faults: FaultProxy
let service: RunningService
let metricsUrl: string

beforeAll(async () => {
  cognito = await testCognito()
  faults = await startFaultProxy(cognito.proxy.url)
  service = await startService(
    cognito.serviceEnv({
      COGNITO_ENDPOINT: faults.url,
      // The signing keys from the emulator itself: the fault proxy forwards Cognito's API calls only.
      COGNITO_JWKS_URI: `${cognito.emulator.endpoint}/${cognito.pool.userPoolId}/.well-known/jwks.json`,
      COGNITO_TIMEOUT_MS: '1500',
      COGNITO_CONNECT_TIMEOUT_MS: '300',
      METRICS_PORT: '0',
      AUTH_EVENT_EMAIL_KEY: EMAIL_KEY,
      RATE_LIMITS_ENABLED: 'true',
      RATE_LIMIT_SIGNIN_PER_ACCOUNT: '1/1h',
    }),
  )
  const metricsPort = service.logs().find((l) => l.msg === 'listening')?.metricsPort
  expect(typeof metricsPort).toBe('number')
  expect(metricsPort).not.toBe(service.port)
  metricsUrl = `http://127.0.0.1:${metricsPort}`
})
afterEach(() => faults.set({ mode: 'normal' }))
afterAll(async () => {
  await service?.stop()
  await faults?.stop()
})

const scrape = async (): Promise<Sample[]> => {
  const res = await fetch(`${metricsUrl}/metrics`)
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toStartWith('text/plain; version=0.0.4')
  return parseSamples(await res.text())
}
const events = () => service.logs().filter((l) => l.msg === 'auth event')

test('metrics are on their own port only: /metrics on the API port is a 404', async () => {
  expect((await request(service.url, 'GET', '/metrics')).status).toBe(404)
  expect((await fetch(`${metricsUrl}/`)).status).toBe(404)
})

describe('a scripted mix of requests', () => {
  const email = uniqueEmail('observe')
  let before: Sample[]
  let after: Sample[]
  let accessToken: string
  const delta = (name: string, labels: Record<string, string> = {}) =>
    sampleSum(after, name, labels) - sampleSum(before, name, labels)

  beforeAll(async () => {
    before = await scrape()
    accessToken = (await signedInAccount(service.url, cognito, { email })).tokens.accessToken
    expect((await post(service.url, '/signin', { email, password: PASSWORD })).status).toBe(200)
    expect((await post(service.url, '/signin', { email, password: 'WrongPassword-1' })).status).toBe(401)
    // One failure within the hour is the account's RATE_LIMIT_SIGNIN_PER_ACCOUNT: Cognito never asked.
    expect((await post(service.url, '/signin', { email, password: PASSWORD })).status).toBe(429)
    expect((await request(service.url, 'GET', '/me', { headers: bearer(accessToken) })).status).toBe(200)
    expect((await request(service.url, 'GET', '/me', { headers: bearer('not.a.token') })).status).toBe(401)
    for (let i = 0; i < 2; i++) expect((await request(service.url, 'GET', '/health')).status).toBe(200)
    expect((await request(service.url, 'GET', `/users/${crypto.randomUUID()}`)).status).toBe(404)
    after = await scrape()
  })

  test('requests by route pattern, method and status class', () => {
    expect(delta('user_service_http_requests_total', { route: '/signup', status_class: '2xx' })).toBe(1)
    expect(delta('user_service_http_requests_total', { route: '/signin', method: 'POST', status_class: '2xx' })).toBe(2)
    expect(delta('user_service_http_requests_total', { route: '/signin', method: 'POST', status_class: '4xx' })).toBe(2)
    expect(delta('user_service_http_requests_total', { route: '/me', method: 'GET', status_class: '2xx' })).toBe(1)
    expect(delta('user_service_http_requests_total', { route: '/me', method: 'GET', status_class: '4xx' })).toBe(1)
    expect(delta('user_service_http_requests_total', { route: '/health', status_class: '2xx' })).toBe(2)
    expect(delta('user_service_http_requests_total', { route: 'unmatched', status_class: '4xx' })).toBe(1)
    expect(delta('user_service_http_requests_total')).toBe(10)
    expect(delta('user_service_http_request_duration_seconds_count')).toBe(10)
    expect(sampleSum(after, 'user_service_http_requests_in_flight')).toBe(0)
  })

  test('Cognito calls by operation and outcome; token verifications; the rate-limit refusal', () => {
    expect(delta('user_service_cognito_calls_total', { operation: 'SignUp', outcome: 'ok' })).toBe(1)
    expect(delta('user_service_cognito_calls_total', { operation: 'InitiateAuth', outcome: 'ok' })).toBe(2)
    expect(
      delta('user_service_cognito_calls_total', { operation: 'InitiateAuth', outcome: 'NotAuthorizedException' }),
    ).toBe(1)
    expect(delta('user_service_cognito_calls_total', { operation: 'GetUser', outcome: 'ok' })).toBe(1)
    expect(delta('user_service_cognito_calls_total')).toBe(5)
    expect(delta('user_service_cognito_call_duration_seconds_count', { operation: 'InitiateAuth' })).toBe(3)
    expect(delta('user_service_cognito_retries_total')).toBe(0)
    expect(delta('user_service_token_verifications_total', { outcome: 'valid' })).toBe(1)
    expect(delta('user_service_token_verifications_total', { outcome: 'invalid' })).toBe(1)
    expect(delta('user_service_rate_limit_rejections_total', { group: 'signin', key_kind: 'account' })).toBe(1)
    expect(delta('user_service_rate_limit_rejections_total')).toBe(1)
    expect(sampleSum(after, 'process_resident_memory_bytes')).toBeGreaterThan(0)
  })

  test('one auth event per event, with sub and the keyed email hash, never the email, password or token', async () => {
    const mine = await waitFor(() => {
      const lines = events().filter((e) => e.emailHash !== undefined && e.route !== 'POST /signup/resend')
      const forEmail = lines.filter((e) => e.emailHash === lines.find((l) => l.event === 'sign_up')?.emailHash)
      return forEmail.length >= 5 ? forEmail : undefined
    }, 'the event lines')
    expect(mine.map(({ event, outcome, reason }) => ({ event, outcome, reason }))).toEqual([
      { event: 'sign_up', outcome: 'succeeded', reason: undefined },
      { event: 'sign_in', outcome: 'succeeded', reason: undefined },
      { event: 'sign_in', outcome: 'succeeded', reason: undefined },
      { event: 'sign_in', outcome: 'failed', reason: 'not_authorized' },
      { event: 'rate_limited', outcome: 'failed', reason: 'too_many_requests' },
    ])
    const sub = mine[0]!.sub
    expect(sub).toMatch(/^[0-9a-f-]{36}$/)
    expect(mine[1]!.sub).toBe(sub)
    expect(mine[4]).toMatchObject({ group: 'signin', keyKind: 'account', route: 'POST /signin' })
    const lines = service.lines.filter((l) => l.includes('"auth event"'))
    for (const line of [email, PASSWORD, accessToken, EMAIL_KEY]) expect(lines.join('\n')).not.toContain(line)
    expect(delta('user_service_auth_events_total', { event: 'sign_in', outcome: 'failed' })).toBe(1)
  })
})

describe('a failing Cognito shows up in its outcome series', () => {
  const CASES = [
    // A refused connection is transient to the SDK's retry strategy: tried twice.
    { fault: { mode: 'refuse' }, outcome: 'unavailable', retries: 1 },
    { fault: { mode: 'delay', ms: 5000 }, outcome: 'timeout', retries: 0 },
    { fault: { mode: 'throttle' }, outcome: 'TooManyRequestsException', retries: 1 },
    { fault: { mode: 'error500' }, outcome: 'InternalErrorException', retries: 1 },
  ] as const
  test.each(CASES)('$fault.mode: SignUp outcome $outcome, $retries retries', async ({ fault, outcome, retries }) => {
    const before = await scrape()
    await faults.set(fault)
    const res = await post(service.url, '/signup', {
      email: uniqueEmail('observe-fault'),
      password: PASSWORD,
      nickname: 'f',
    })
    expect(res.status).toBeGreaterThanOrEqual(429)
    await faults.set({ mode: 'normal' })
    const after = await scrape()
    const delta = (name: string, labels: Record<string, string>) =>
      sampleSum(after, name, labels) - sampleSum(before, name, labels)
    expect(seriesDelta(before, after, 'user_service_cognito_calls_total')).toEqual([
      { operation: 'SignUp', outcome, value: 1 },
    ])
    expect(delta('user_service_cognito_retries_total', { operation: 'SignUp' })).toBe(retries)
    expect(delta('user_service_cognito_call_duration_seconds_count', { operation: 'SignUp', result: 'error' })).toBe(1)
  })

  test('the SDK path (GetUser) counts its retries too', async () => {
    const { accessToken } = (await signedInAccount(service.url, cognito, { tag: 'observe-sdk' })).tokens
    const before = await scrape()
    await faults.set({ mode: 'throttle' })
    expect((await request(service.url, 'GET', '/me', { headers: bearer(accessToken) })).status).toBe(429)
    const after = await scrape()
    expect(seriesDelta(before, after, 'user_service_cognito_calls_total')).toEqual([
      { operation: 'GetUser', outcome: 'TooManyRequestsException', value: 1 },
    ])
    expect(
      sampleSum(after, 'user_service_cognito_retries_total', { operation: 'GetUser' }) -
        sampleSum(before, 'user_service_cognito_retries_total', { operation: 'GetUser' }),
    ).toBe(1)
  })
})

/** The series of `name` that changed between two scrapes, with the change. */
function seriesDelta(before: Sample[], after: Sample[], name: string): Array<Record<string, string | number>> {
  const key = (labels: Record<string, unknown>) => JSON.stringify(Object.entries(labels).sort())
  const was = new Map(seriesOf(before, name).map(({ value, ...labels }) => [key(labels), Number(value)]))
  return seriesOf(after, name)
    .map(({ value, ...labels }) => ({ ...labels, value: Number(value) - (was.get(key(labels)) ?? 0) }))
    .filter((s) => s.value !== 0)
}
