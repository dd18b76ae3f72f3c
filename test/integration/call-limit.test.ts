// The bound on calls to Cognito, end to end on each target: at most COGNITO_MAX_CONCURRENCY calls in
// flight over as many kept-open TLS connections, COGNITO_QUEUE_LIMIT waiting, and past that a 503
// with Retry-After at once (load shedding), counted in the metrics. Against the stub Cognito over
// TLS (a self-signed certificate the service trusts through NODE_EXTRA_CA_CERTS), slowed down so
// that the calls overlap.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { BENCH_USER, startStubCognito, type StubCognito } from '../support/stub-cognito.ts'
import { expectProblem, post } from '../support/http.ts'
import { parseSamples, sampleSum } from '../support/metrics.ts'
import { startService, type RunningService } from '../support/service.ts'

const CLIENT_ID = 'limitclient'
const CLIENT_SECRET = 'limit-client-secret-0123456789abcdefghijklmnopqrstuvwxyz'
const LATENCY_MS = 600

let stub: StubCognito
let service: RunningService

beforeAll(async () => {
  stub = startStubCognito({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, tls: true, latencyMs: LATENCY_MS })
  service = await startService({
    PORT: '0',
    COGNITO_ENDPOINT: stub.url,
    COGNITO_USER_POOL_ID: 'local_bench',
    COGNITO_CLIENT_ID: CLIENT_ID,
    COGNITO_CLIENT_SECRET: CLIENT_SECRET,
    COGNITO_ISSUER: `${stub.url}/local_bench`,
    NODE_EXTRA_CA_CERTS: stub.caFile!,
    RATE_LIMITS_ENABLED: 'false',
    BREACHED_PASSWORD_CHECK: 'false',
    METRICS_PORT: '0',
    COGNITO_MAX_CONCURRENCY: '2',
    COGNITO_QUEUE_LIMIT: '1',
  })
})
afterAll(async () => {
  await service?.stop()
  stub?.stop()
})

const signIn = async () => {
  const started = performance.now()
  const res = await post(service.url, '/signin', BENCH_USER)
  return { res, ms: performance.now() - started }
}

async function metrics() {
  const port = service.logs().find((l) => l.msg === 'listening')?.metricsPort as number
  return parseSamples(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text())
}

describe('the bound on calls to Cognito', () => {
  test('two in flight, one waiting, the rest answered 503 with Retry-After at once; two connections, kept', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, signIn))
    const ok = answers.filter(({ res }) => res.status === 200)
    const shed = answers.filter(({ res }) => res.status !== 200)
    expect(ok).toHaveLength(3)
    expect(shed).toHaveLength(2)
    for (const { res, ms } of shed) {
      expectProblem(res, 503, 'upstream_unavailable', [BENCH_USER.password, CLIENT_SECRET])
      expect(res.headers.get('retry-after')).toBe('1')
      expect(ms).toBeLessThan(LATENCY_MS) // at once, not after a wait
    }
    // The third waited for a turn: one call's time after the first two.
    expect(Math.max(...ok.map(({ ms }) => ms))).toBeGreaterThanOrEqual(2 * LATENCY_MS - 50)

    const samples = await metrics()
    expect(sampleSum(samples, 'user_service_cognito_calls_shed_total')).toBe(2)
    expect(sampleSum(samples, 'user_service_cognito_calls_in_flight')).toBe(0)
    expect(sampleSum(samples, 'user_service_cognito_call_queue_length')).toBe(0)
    expect(stub.stats().calls).toBe(3)
    expect(stub.stats().connections).toBe(2)

    // The next calls reuse those two connections: no new TLS handshake.
    const again = await Promise.all([signIn(), signIn()])
    expect(again.map(({ res }) => res.status)).toEqual([200, 200])
    expect(stub.stats().connections).toBe(2)
  })

  test('the gauges show the calls in flight and waiting while they are', async () => {
    const pending = Promise.all([signIn(), signIn(), signIn()])
    await Bun.sleep(LATENCY_MS / 3)
    const samples = await metrics()
    expect(sampleSum(samples, 'user_service_cognito_calls_in_flight')).toBe(2)
    expect(sampleSum(samples, 'user_service_cognito_call_queue_length')).toBe(1)
    expect((await pending).map(({ res }) => res.status)).toEqual([200, 200, 200])
  })
})
