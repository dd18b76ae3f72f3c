// Request metrics and auth events (src/observability/*), in process around the stub gateway: the
// series a scripted mix of requests leaves, exactly; that no request value becomes a label; and one
// auth-event line per event, with its fields and without a secret. Cognito's own series need the
// real protocol: test/integration/observability.test.ts.
import { describe, expect, test } from 'bun:test'
import { createMetrics } from '../../src/observability/metrics.ts'
import { bearer, expectNoSecrets } from '../support/http.ts'
import { inProcessApp } from '../support/in-process-app.ts'
import { parseSamples, sampleSum, seriesOf } from '../support/metrics.ts'
import { PASSWORD } from '../support/util.ts'

const EMAIL = 'ada.events@example.com'
const EMAIL_KEY = 'k'.repeat(32)

const scrape = async (metrics: ReturnType<typeof createMetrics>) => parseSamples(await metrics.registry.metrics())
const eventsOf = (logLines: string[]) =>
  logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'auth event')

describe('request metrics', () => {
  test('a scripted mix of requests: counts by route pattern, method and status class, exactly', async () => {
    const metrics = createMetrics()
    const { call, stub } = inProcessApp({}, { metrics })
    stub.addAccount(EMAIL, PASSWORD)
    for (let i = 0; i < 3; i++) await call('GET', '/health')
    const { accessToken } = await stub.signIn(EMAIL, PASSWORD)
    await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })
    await call('POST', '/signin', { json: { email: EMAIL, password: 'WrongPassword1!' } })
    await call('POST', '/signin', { json: { email: EMAIL } })
    await call('GET', '/me', { headers: bearer(accessToken) })
    await call('GET', '/me', { headers: bearer('not-a-token') })
    await call('GET', '/no/such/path')
    await call('DELETE', '/health')
    stub.failNext('getUser', 'upstream_unavailable')
    await call('GET', '/me', { headers: bearer(accessToken) })

    const samples = await scrape(metrics)
    expect(seriesOf(samples, 'user_service_http_requests_total')).toEqual(
      expect.arrayContaining([
        { route: '/health', method: 'GET', status_class: '2xx', value: 3 },
        { route: '/signin', method: 'POST', status_class: '2xx', value: 1 },
        { route: '/signin', method: 'POST', status_class: '4xx', value: 2 },
        { route: '/me', method: 'GET', status_class: '2xx', value: 1 },
        { route: '/me', method: 'GET', status_class: '4xx', value: 1 },
        { route: '/me', method: 'GET', status_class: '5xx', value: 1 },
        { route: 'unmatched', method: 'GET', status_class: '4xx', value: 1 },
        { route: 'unmatched', method: 'DELETE', status_class: '4xx', value: 1 },
      ]),
    )
    expect(seriesOf(samples, 'user_service_http_requests_total')).toHaveLength(8)
    expect(sampleSum(samples, 'user_service_http_request_duration_seconds_count', { route: '/health' })).toBe(3)
    expect(sampleSum(samples, 'user_service_http_request_duration_seconds_count')).toBe(11)
    expect(sampleSum(samples, 'user_service_http_requests_in_flight')).toBe(0)
    // The stub's tokens are checked by the stub verifier, not the service's: no verification series here.
    expect(sampleSum(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0)
  })

  test('in flight while a request is being answered', async () => {
    const metrics = createMetrics()
    const { call } = inProcessApp({}, { metrics })
    const pending = call('POST', '/signup/resend', { json: { email: EMAIL } })
    expect(sampleSum(await scrape(metrics), 'user_service_http_requests_in_flight')).toBe(1)
    await pending
    expect(sampleSum(await scrape(metrics), 'user_service_http_requests_in_flight')).toBe(0)
  })

  test('a flood of distinct paths, emails and methods adds no series: labels come from closed sets', async () => {
    const metrics = createMetrics()
    const { call } = inProcessApp({}, { metrics })
    for (let i = 0; i < 300; i++) {
      await call('GET', `/users/${i}/${crypto.randomUUID()}`)
      await call('POST', '/signin', { json: { email: `flood.${i}@example.com`, password: `Password-${i}!` } })
      await call('POST', '/signup/resend', { json: { email: `flood.${i}@example.com` } })
    }
    await call('PROPFIND', '/health')
    const text = await metrics.registry.metrics()
    const samples = parseSamples(text)
    const ours = samples.filter((s) => s.name.startsWith('user_service_'))
    const labelValues = new Set(ours.flatMap((s) => Object.values(s.labels)))
    expect(labelValues).toEqual(
      new Set([
        ...['unmatched', '/signin', '/signup/resend', 'GET', 'POST', 'other', '2xx', '4xx', ...bucketBounds(ours)],
        ...['sign_in', 'confirmation_code_sent', 'failed', 'succeeded'],
      ]),
    )
    expect(seriesOf(samples, 'user_service_http_requests_total')).toHaveLength(4)
    expect(text).not.toContain('flood.')
    expect(text).not.toContain('/users/')
    expect(sampleSum(samples, 'user_service_auth_events_total', { event: 'sign_in', outcome: 'failed' })).toBe(300)
  })
})

/** The `le` values of the histograms' buckets (fixed by the code, not by requests). */
const bucketBounds = (samples: ReturnType<typeof parseSamples>) =>
  samples.filter((s) => s.labels.le !== undefined).map((s) => s.labels.le!)

describe('rate-limit metrics and events', () => {
  test('each refusal counted by group and key kind, and one rate_limited event naming them', async () => {
    const metrics = createMetrics()
    const { call, logLines } = inProcessApp(
      { RATE_LIMITS_ENABLED: 'true', RATE_LIMIT_SIGNIN_PER_ACCOUNT: '2/1h', AUTH_EVENT_EMAIL_KEY: EMAIL_KEY },
      { metrics },
    )
    const statuses = []
    for (let i = 0; i < 4; i++)
      statuses.push((await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })).status)
    expect(statuses).toEqual([401, 401, 429, 429])
    const samples = await scrape(metrics)
    expect(seriesOf(samples, 'user_service_rate_limit_rejections_total')).toEqual([
      { group: 'signin', key_kind: 'account', value: 2 },
    ])
    const events = eventsOf(logLines)
    expect(events.map((e) => [e.event, e.outcome, e.reason])).toEqual([
      ['sign_in', 'failed', 'not_authorized'],
      ['sign_in', 'failed', 'not_authorized'],
      ['rate_limited', 'failed', 'too_many_requests'],
      ['rate_limited', 'failed', 'too_many_requests'],
    ])
    expect(events[2]).toMatchObject({ route: 'POST /signin', group: 'signin', keyKind: 'account' })
  })
})

describe('auth events', () => {
  test('one line per event, with sub, reason and the keyed email hash; never a password, token or email', async () => {
    const { call, logLines } = inProcessApp({ AUTH_EVENT_EMAIL_KEY: EMAIL_KEY })
    const signedUp = await call('POST', '/signup', { json: { email: EMAIL, password: PASSWORD, nickname: 'Ada' } })
    await call('POST', '/signup/confirm', { json: { email: EMAIL, code: '000000' } })
    await call('POST', '/signup/confirm', { json: { email: EMAIL, code: '123456' } })
    await call('POST', '/signin', { json: { email: EMAIL, password: 'WrongPassword1!' } })
    const signedIn = await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })
    const { accessToken, refreshToken, username, idToken } = signedIn.body
    await call('POST', '/token/refresh', { json: { refreshToken, username } })
    // The change signs every session out and answers this device's new tokens.
    const changed = await call('POST', '/password/change', {
      headers: bearer(accessToken),
      json: { previousPassword: PASSWORD, proposedPassword: 'AnotherLocalTest5678!' },
    })
    await call('POST', '/password/forgot', { json: { email: EMAIL } })
    await call('GET', '/me', { headers: bearer(changed.body.accessToken) })
    await call('GET', '/health')
    await call('POST', '/signout', { headers: bearer(changed.body.accessToken) })

    const sub = signedUp.body.userSub
    const events = eventsOf(logLines)
    expect(events.map(({ event, outcome, reason }) => ({ event, outcome, reason }))).toEqual([
      { event: 'sign_up', outcome: 'succeeded', reason: undefined },
      { event: 'sign_up_confirmed', outcome: 'failed', reason: 'code_mismatch' },
      { event: 'sign_up_confirmed', outcome: 'succeeded', reason: undefined },
      { event: 'sign_in', outcome: 'failed', reason: 'not_authorized' },
      { event: 'sign_in', outcome: 'succeeded', reason: undefined },
      { event: 'token_refreshed', outcome: 'succeeded', reason: undefined },
      { event: 'password_changed', outcome: 'succeeded', reason: undefined },
      { event: 'password_reset_requested', outcome: 'succeeded', reason: undefined },
      { event: 'signed_out', outcome: 'succeeded', reason: undefined },
    ])
    const hashes = new Set(events.filter((e) => e.emailHash !== undefined).map((e) => e.emailHash))
    expect(hashes.size).toBe(1)
    expect([...hashes][0]).toMatch(/^[0-9a-f]{32}$/)
    expect(events[0]).toMatchObject({ sub, route: 'POST /signup', level: 'info' })
    expect(events.find((e) => e.event === 'password_changed')).toMatchObject({ sub })
    expect(events.find((e) => e.event === 'signed_out')).toMatchObject({ sub })
    for (const e of events) expect(typeof e.reqId).toBe('string')
    expectNoSecrets(logLines, [PASSWORD, 'AnotherLocalTest5678!', accessToken, refreshToken, idToken, EMAIL_KEY])
    expect(events.some((e) => JSON.stringify(e).includes(EMAIL))).toBe(false)
  })

  test('without AUTH_EVENT_EMAIL_KEY the events carry no email field at all', async () => {
    const { call, logLines } = inProcessApp()
    await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })
    const [event] = eventsOf(logLines)
    expect(event).toMatchObject({ event: 'sign_in', outcome: 'failed', reason: 'not_authorized' })
    expect(Object.keys(event!).filter((k) => /email/i.test(k))).toEqual([])
  })

  test('the same email hashes alike in any case, differently under another key', async () => {
    const hashOf = async (key: string, email: string) => {
      const { call, logLines } = inProcessApp({ AUTH_EVENT_EMAIL_KEY: key })
      await call('POST', '/password/forgot', { json: { email } })
      return eventsOf(logLines)[0]!.emailHash
    }
    expect(await hashOf(EMAIL_KEY, EMAIL)).toBe(await hashOf(EMAIL_KEY, EMAIL.toUpperCase()))
    expect(await hashOf(EMAIL_KEY, EMAIL)).not.toBe(await hashOf('j'.repeat(32), EMAIL))
  })

  test('SIGNUP_ENUMERATION_SAFE: the client sees a 201, the event says sign_up failed username_exists', async () => {
    const { call, stub, logLines } = inProcessApp({ SIGNUP_ENUMERATION_SAFE: 'true' })
    stub.addAccount(EMAIL, PASSWORD)
    const res = await call('POST', '/signup', { json: { email: EMAIL, password: PASSWORD, nickname: 'Again' } })
    expect(res.status).toBe(201)
    const [event] = eventsOf(logLines)
    expect(event).toMatchObject({ event: 'sign_up', outcome: 'failed', reason: 'username_exists' })
    expect(event!.sub).toBeUndefined()
  })

  test('a challenge instead of tokens: sign_in challenged, naming the challenge', async () => {
    const { call, stub, logLines } = inProcessApp()
    stub.addAccount(EMAIL, PASSWORD, { newPasswordRequired: true })
    await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })
    expect(eventsOf(logLines)[0]).toMatchObject({
      event: 'sign_in',
      outcome: 'challenged',
      challenge: 'NEW_PASSWORD_REQUIRED',
    })
  })

  test('a Cognito outage is outcome error, not a failed sign-in', async () => {
    const { call, stub, logLines } = inProcessApp()
    stub.failNext('signIn', 'upstream_timeout')
    await call('POST', '/signin', { json: { email: EMAIL, password: PASSWORD } })
    expect(eventsOf(logLines)[0]).toMatchObject({ event: 'sign_in', outcome: 'error', reason: 'upstream_timeout' })
  })

  test('a route with a path parameter is found by its pattern', async () => {
    const { call, logLines } = inProcessApp()
    await call('DELETE', '/me/passkeys/abc', { headers: { authorization: 'Bearer not-a-token' } })
    expect(eventsOf(logLines)[0]).toMatchObject({ event: 'factor_removed', outcome: 'failed', reason: 'invalid_token' })
  })
})
