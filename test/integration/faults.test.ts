// What the service answers when Cognito fails, and that it recovers when Cognito does. A fault proxy
// (test/support/fault-proxy.ts) sits in front of the real cognito-local: the emulator itself cannot
// be made unreachable, slow, throttled or broken on demand.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { confirmedAccount } from '../support/accounts.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { startFaultProxy, type Fault, type FaultProxy } from '../support/fault-proxy.ts'
import { expectProblem, post, request } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail, waitFor } from '../support/util.ts'

// Room for the one retry (with the SDK's throttling backoff) on a busy machine.
const TIMEOUT_MS = 2000

let cognito: TestCognito
let faults: FaultProxy
let service: RunningService
const email = uniqueEmail('faults')

beforeAll(async () => {
  cognito = await testCognito()
  faults = await startFaultProxy(cognito.proxy.url)
  service = await startService(
    cognito.serviceEnv({
      COGNITO_ENDPOINT: faults.url,
      COGNITO_TIMEOUT_MS: String(TIMEOUT_MS),
      COGNITO_CONNECT_TIMEOUT_MS: '300',
    }),
  )
  await confirmedAccount(service.url, cognito, { email })
})
afterEach(() => faults.set({ mode: 'normal' }))
afterAll(async () => {
  await service?.stop()
  await faults?.stop()
})

const signIn = () => post(service.url, '/signin', { email, password: PASSWORD })

/** /health while the fault is on (and, for a slow Cognito, while a sign-in hangs): 200, not stuck. */
async function expectHealthy() {
  const started = performance.now()
  const health = await request(service.url, 'GET', '/health')
  expect(health.status).toBe(200)
  expect(performance.now() - started).toBeLessThan(1000)
}

const CASES: Array<{ name: string; fault: Fault; status: number; code: string; maxAttempts: number }> = [
  { name: 'connections refused', fault: { mode: 'refuse' }, status: 503, code: 'upstream_unavailable', maxAttempts: 0 },
  { name: 'connections reset', fault: { mode: 'reset' }, status: 503, code: 'upstream_unavailable', maxAttempts: 0 },
  {
    name: 'slower than the deadline',
    fault: { mode: 'delay', ms: 8000 },
    status: 504,
    code: 'upstream_timeout',
    maxAttempts: 2,
  },
  { name: 'throttling', fault: { mode: 'throttle' }, status: 429, code: 'too_many_requests', maxAttempts: 2 },
  {
    name: 'a 500 InternalErrorException',
    fault: { mode: 'error500' },
    status: 502,
    code: 'upstream_error',
    maxAttempts: 2,
  },
]

describe.each(CASES)('Cognito $name', ({ fault, status, code, maxAttempts }) => {
  test(`${status} ${code} within the deadline, /health stays 200, then recovery`, async () => {
    expect((await signIn()).status).toBe(200)

    await faults.set(fault)
    const attemptsBefore = faults.attempts()
    const started = performance.now()
    const pending = signIn()
    await expectHealthy()
    const res = await pending
    const elapsed = performance.now() - started
    expectProblem(res, status, code, [PASSWORD, cognito.pool.clientSecret])
    expect(res.text).not.toMatch(/Exception|amazonaws|cognito-idp|Rate exceeded|Internal server error/)
    // Well under the 8 s delay: the deadline, not Cognito, ended the call. (Loose: shared machines.)
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 2500)
    const attempts = faults.attempts() - attemptsBefore
    expect(attempts).toBeLessThanOrEqual(maxAttempts)
    if (status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0)
    if (status >= 500) {
      // Logs arrive through a pipe: wait for this request's line.
      const reqId = res.headers.get('x-request-id')
      const logged = await waitFor(
        () => service.logs().find((l) => l.msg === 'request failed' && l.reqId === reqId),
        'the failure log line',
      )
      expect(logged).toMatchObject({ level: 'error', code })
    }

    await faults.set({ mode: 'normal' })
    const recovered = await signIn()
    expect(recovered.status).toBe(200)
    expect(typeof recovered.body.accessToken).toBe('string')
  })
})

test('a 500 on sign-up is retried at most once', async () => {
  await faults.set({ mode: 'error500' })
  const before = faults.attempts()
  const res = await post(service.url, '/signup', {
    email: uniqueEmail('faults-signup'),
    password: PASSWORD,
    nickname: 'n',
  })
  expectProblem(res, 502, 'upstream_error', [PASSWORD])
  expect(faults.attempts() - before).toBeLessThanOrEqual(2)
})
