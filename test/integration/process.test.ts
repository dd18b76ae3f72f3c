// The service as a process: start-up validation, graceful shutdown, and what it answers when
// Cognito is slow or unreachable. The verifying proxy's delay stands in for a slow Cognito;
// a closed port for an unreachable one.
import { afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { expectProblem, post, request } from '../support/http.ts'
import { spawnService, startService } from '../support/service.ts'
import { freePort, PASSWORD, uniqueEmail, waitFor } from '../support/util.ts'

let cognito: TestCognito

beforeAll(async () => {
  cognito = await testCognito()
})
afterEach(() => cognito.proxy.setDelay(0))

describe('start-up configuration', () => {
  test('missing and invalid variables: exit 1 within a second, one line naming each, no stack trace', async () => {
    const started = performance.now()
    const { exited, lines } = spawnService({ PORT: 'eighty', COGNITO_CLIENT_SECRET: 'never-print-this', LOG_LEVEL: 'chatty' })
    const code = await exited
    const elapsed = performance.now() - started
    expect(code).toBe(1)
    expect(elapsed).toBeLessThan(1000)
    expect(lines).toHaveLength(1)
    const [line] = lines
    for (const name of ['PORT', 'COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID', 'LOG_LEVEL']) expect(line).toContain(name)
    expect(line).not.toContain('never-print-this')
    expect(line).not.toMatch(/\bat .*:\d+:\d+/)
  })
})

describe('graceful shutdown', () => {
  test('SIGTERM: in-flight requests finish, new connections are refused, exit 0', async () => {
    const service = await startService(cognito.serviceEnv())
    cognito.proxy.setDelay(700)
    const inFlight = post(service.url, '/signup', { email: uniqueEmail('drain'), password: PASSWORD, nickname: 'n' })
    await Bun.sleep(200)
    service.proc.kill('SIGTERM')
    await Bun.sleep(100)
    const refused = await fetch(`${service.url}/health`).then(
      () => false,
      () => true,
    )
    const res = await inFlight
    expect(res.status).toBe(201)
    expect(refused).toBe(true)
    expect(await service.exited).toBe(0)
    expect(service.logs().map((l) => l.msg)).toContain('stopped')
  })

  test('SIGINT also exits 0', async () => {
    const service = await startService(cognito.serviceEnv())
    expect(await service.stop('SIGINT')).toBe(0)
  })

  test('requests still running after the grace period are cut, and the process still exits 0', async () => {
    const service = await startService(cognito.serviceEnv({ SHUTDOWN_TIMEOUT_MS: '200' }))
    cognito.proxy.setDelay(3000)
    const inFlight = post(service.url, '/signup', { email: uniqueEmail('cut'), password: PASSWORD, nickname: 'n' }).catch((e: Error) => e)
    await Bun.sleep(100)
    const started = performance.now()
    service.proc.kill('SIGTERM')
    expect(await service.exited).toBe(0)
    expect(performance.now() - started).toBeLessThan(2000)
    await inFlight
  })
})

describe('Cognito slow or unreachable', () => {
  test('past the deadline: 504 upstream_timeout, promptly; /health stays 200', async () => {
    const service = await startService(cognito.serviceEnv({ COGNITO_TIMEOUT_MS: '300' }))
    try {
      cognito.proxy.setDelay(2000)
      const started = performance.now()
      const res = await post(service.url, '/signin', { email: uniqueEmail('slow'), password: PASSWORD })
      const elapsed = performance.now() - started
      expectProblem(res, 504, 'upstream_timeout', [PASSWORD])
      expect(elapsed).toBeLessThan(1500)
      const health = await request(service.url, 'GET', '/health')
      expect(health.status).toBe(200)
    } finally {
      await service.stop()
    }
  })

  test('connection refused: 503 upstream_unavailable; /health stays 200', async () => {
    const closed = await freePort()
    const service = await startService(cognito.serviceEnv({ COGNITO_ENDPOINT: `http://127.0.0.1:${closed}` }))
    try {
      const res = await post(service.url, '/signup', { email: uniqueEmail('down'), password: PASSWORD, nickname: 'n' })
      expectProblem(res, 503, 'upstream_unavailable', [PASSWORD])
      expect((await request(service.url, 'GET', '/health')).status).toBe(200)
      const logged = await waitFor(() => service.logs().find((l) => l.msg === 'request failed'), 'the failure log line')
      expect(logged).toMatchObject({ level: 'error', code: 'upstream_unavailable' })
    } finally {
      await service.stop()
    }
  })
})
