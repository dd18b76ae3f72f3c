// The service as a process: start-up validation, graceful shutdown and keep-alive. The verifying proxy's delay
// keeps a request in flight. (Cognito outages: faults.test.ts.)
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { connect, post, rawRequest } from '../support/http.ts'
import { spawnService, startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail, waitFor } from '../support/util.ts'

let cognito: TestCognito
/** A service that lives through the whole file, and a connection to it opened when the file starts. */
let longLived: RunningService
let kept: Awaited<ReturnType<typeof connect>>
let keptSince: number

beforeAll(async () => {
  cognito = await testCognito()
  longLived = await startService(cognito.serviceEnv())
  kept = await connect(longLived.port)
  expect((await kept.exchange(rawRequest('GET', '/health'))).status).toBe(200)
  keptSince = performance.now()
})
afterAll(async () => {
  kept?.close()
  await longLived?.stop()
})
afterEach(() => cognito.proxy.setDelay(0))

describe('start-up configuration', () => {
  test('missing and invalid variables: exit 1 promptly, one line naming each, no stack trace', async () => {
    const started = performance.now()
    const { exited, lines } = spawnService({
      PORT: 'eighty',
      COGNITO_CLIENT_SECRET: 'never-print-this',
      LOG_LEVEL: 'chatty',
    })
    const code = await exited
    const elapsed = performance.now() - started
    expect(code).toBe(1)
    // Loose on purpose (shared, noisy machines): the point is that it exits instead of hanging.
    expect(elapsed).toBeLessThan(5000)
    expect(lines).toHaveLength(1)
    const [line] = lines
    for (const name of ['PORT', 'COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID', 'LOG_LEVEL']) expect(line).toContain(name)
    expect(line).not.toContain('never-print-this')
    expect(line).not.toMatch(/\bat .*:\d+:\d+/)
  })
})

describe('a busy port', () => {
  /** The exit code, or 'still running' (then killed) if the copy started after all. */
  const exitOf = async ({ proc, exited }: ReturnType<typeof spawnService>) => {
    const outcome = await Promise.race([exited, Bun.sleep(10_000).then(() => 'still running' as const)])
    proc.kill('SIGKILL')
    return outcome
  }
  const expectOneLineNaming = (lines: string[], port: number) => {
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(`port ${port} is already in use`)
    expect(lines[0]).not.toMatch(/\bat .*:\d+:\d+/)
  }

  test('a second copy on the port of a running one exits 1 at once with one line; the first keeps answering', async () => {
    const copy = spawnService(cognito.serviceEnv({ PORT: String(longLived.port) }))
    expect(await exitOf(copy)).toBe(1)
    const { lines } = copy
    expectOneLineNaming(lines, longLived.port)
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${longLived.url}/health`, { headers: { connection: 'close' } })
      expect(res.status).toBe(200)
    }
    expect(longLived.logs().some((l) => l.msg === 'shutting down')).toBe(false)
  })

  test('a port held by another program: exit 1, one line', async () => {
    const holder = createServer().listen(0)
    await once(holder, 'listening')
    const port = (holder.address() as AddressInfo).port
    try {
      const copy = spawnService(cognito.serviceEnv({ PORT: String(port) }))
      expect(await exitOf(copy)).toBe(1)
      expectOneLineNaming(copy.lines, port)
    } finally {
      holder.close()
    }
  })
})

describe('graceful shutdown', () => {
  test('SIGTERM: in-flight requests finish, new connections are refused, exit 0', async () => {
    const service = await startService(cognito.serviceEnv())
    cognito.proxy.setDelay(2000)
    const callsBefore = cognito.proxy.calls.length
    const inFlight = post(service.url, '/signup', { email: uniqueEmail('drain'), password: PASSWORD, nickname: 'n' })
    // Events, not sleeps: the request has reached "Cognito", then the service has seen the signal.
    await waitFor(() => cognito.proxy.calls.length > callsBefore || undefined, 'the sign-up to reach Cognito')
    service.proc.kill('SIGTERM')
    await waitFor(
      () => service.logs().some((l) => l.msg === 'shutting down') || undefined,
      'the service to start shutting down',
    )
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

  test('SIGTERM with an idle kept-alive connection: the drain closes it rather than wait for it', async () => {
    const service = await startService(cognito.serviceEnv({ SHUTDOWN_TIMEOUT_MS: '20000' }))
    const idle = await connect(service.port)
    try {
      expect((await idle.exchange(rawRequest('GET', '/health'))).status).toBe(200)
      expect(await service.stop('SIGTERM')).toBe(0)
      expect(service.logs().map((l) => l.msg)).not.toContain('grace period over; closing remaining connections')
      await waitFor(() => (idle.closed ? true : undefined), 'the idle connection to be closed')
    } finally {
      idle.close()
    }
  })

  test('SIGINT also exits 0', async () => {
    const service = await startService(cognito.serviceEnv())
    expect(await service.stop('SIGINT')).toBe(0)
  })

  test('requests still running after the grace period are cut, and the process still exits 0', async () => {
    const service = await startService(cognito.serviceEnv({ SHUTDOWN_TIMEOUT_MS: '200' }))
    cognito.proxy.setDelay(3000)
    const inFlight = post(service.url, '/signup', {
      email: uniqueEmail('cut'),
      password: PASSWORD,
      nickname: 'n',
    }).catch((e: Error) => e)
    await Bun.sleep(100)
    const started = performance.now()
    service.proc.kill('SIGTERM')
    expect(await service.exited).toBe(0)
    expect(performance.now() - started).toBeLessThan(2000)
    await inFlight
  })
})

describe('keep-alive', () => {
  // The ALB keeps idle connections 60 s; the service must keep them longer (65 s), or the ALB may
  // reuse one just as the service closes it (a 502). Node's own default is 5 s, so a connection
  // idle for 6 s tells the configured timeout from the default. It has idled while the tests above ran.
  test('a connection idle for over 6 s is still open and answers', async () => {
    const idle = performance.now() - keptSince
    if (idle < 6000) await Bun.sleep(6000 - idle)
    expect(kept.closed).toBe(false)
    const res = await kept.exchange(rawRequest('GET', '/health'))
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: 'OK' })
  })
})
