// Revocations shared through a real redis-server by several instances of the service (the target
// SERVICE_TARGET names) against one local Cognito: a sign-out on one instance is refused by the
// others without asking Cognito; the store killed, frozen (SIGSTOP: connections accepted, nothing
// answered) and restarted: no 5xx, no request held past the deadline, /health 200 throughout, and
// a revocation made during the outage in force everywhere once the store is back. Plain and
// cluster mode (a one-node cluster with every slot, as ElastiCache Serverless is to a client).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { signedInAccount, type SignedInAccount } from '../support/accounts.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { bearer, post, request } from '../support/http.ts'
import { startRedis, type TestRedis } from '../support/redis-server.ts'
import { expectNo5xxNorSecrets, expectNot5xx, metricsOf, waitForMetric } from '../support/instances.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD } from '../support/util.ts'

const DEADLINE_MS = 50
// What a request may take beyond the store deadline: the local Cognito's own answer on a shared machine.
const COGNITO_SLACK_MS = 1500
const PROPAGATION_MS = 2000
const RECOVERY_MS = 10_000

for (const cluster of [false, true]) {
  describe(`revocations shared through ${cluster ? 'a one-node cluster' : 'a plain server'}`, () => {
    let cognito: TestCognito
    let redis: TestRedis
    let services: RunningService[] = []
    const seen: string[] = [PASSWORD]
    const start = () =>
      startService(cognito.serviceEnv({ ...redis.env, STORE_DEADLINE_MS: String(DEADLINE_MS), METRICS_PORT: '0' }))

    beforeAll(async () => {
      cognito = await testCognito()
      seen.push(cognito.pool.clientSecret)
      redis = await startRedis({ cluster })
      services = await Promise.all([start(), start()])
      await Promise.all(services.map((service) => caughtUp(service)))
    })
    afterAll(async () => {
      await Promise.all(services.map((service) => service.stop()))
      await redis?.stop()
    })

    /** GET /me with `token` on `service`, and how many GetUser calls reached Cognito meanwhile. */
    const me = async (service: RunningService, token: string) => {
      const before = getUserCalls()
      const started = performance.now()
      const res = await request(service.url, 'GET', '/me', { headers: bearer(token) })
      return { res, ms: performance.now() - started, cognitoCalls: getUserCalls() - before }
    }
    const getUserCalls = () => cognito.proxy.calls.filter((call) => call.operation === 'GetUser').length
    /** Polls until `service` refuses `token` itself (401, Cognito not asked); fails after `withinMs`. */
    const refusedBy = async (service: RunningService, token: string, withinMs: number) => {
      const deadline = Date.now() + withinMs
      for (;;) {
        const { res, cognitoCalls } = await me(service, token)
        expect(res.status).toBeLessThan(500)
        if (res.status === 401 && cognitoCalls === 0) return
        if (Date.now() > deadline)
          throw new Error(`the token was still not refused by the service after ${withinMs} ms`)
        await Bun.sleep(20)
      }
    }
    const account = () => signedInAccount(services[0]!.url, cognito, { seen, tag: 'shared' })
    const signOut = (service: RunningService, user: SignedInAccount) =>
      post(service.url, '/signout', {}, user.auth).then(expectNot5xx)

    test('a sign-out on one instance: the other refuses the token itself within 2 s', async () => {
      const user = await account()
      expect((await me(services[1]!, user.tokens.accessToken)).res.status).toBe(200)
      expect((await signOut(services[0]!, user)).status).toBe(204)
      await refusedBy(services[1]!, user.tokens.accessToken, PROPAGATION_MS)
    })

    test('a device sign-out and an account deletion on one instance: refused by the other', async () => {
      const device = await account()
      const out = await post(
        services[1]!.url,
        '/signout/device',
        { refreshToken: device.tokens.refreshToken },
        device.auth,
      )
      expect(out.status).toBe(204)
      await refusedBy(services[0]!, device.tokens.accessToken, PROPAGATION_MS)

      const deleted = await account()
      expect((await request(services[0]!.url, 'DELETE', '/me', { headers: deleted.auth })).status).toBe(204)
      await refusedBy(services[1]!, deleted.tokens.accessToken, PROPAGATION_MS)
    })

    test('an instance that starts after a sign-out refuses the token from its first request (caught up from the store)', async () => {
      const user = await account()
      expect((await signOut(services[0]!, user)).status).toBe(204)
      await refusedBy(services[1]!, user.tokens.accessToken, PROPAGATION_MS)
      const late = await start()
      services.push(late)
      const { res, cognitoCalls } = await me(late, user.tokens.accessToken)
      expect(res.status).toBe(401)
      expect(cognitoCalls).toBe(0)
    })

    for (const outage of ['killed', 'frozen'] as const) {
      test(`store ${outage}: no 5xx, nothing past the deadline, /health 200; a sign-out made meanwhile is in force everywhere once it is back`, async () => {
        const [a, b] = services as [RunningService, RunningService]
        const during = await account()
        const after = await account()
        if (outage === 'killed') redis.kill()
        else redis.freeze()
        // The first store operation after the failure waits out the deadline; later ones fail at once.
        for (let i = 0; i < 5; i++) {
          for (const service of [a, b]) {
            const { res, ms } = await me(service, after.tokens.accessToken)
            expect(res.status).toBe(200)
            expect(ms).toBeLessThan(DEADLINE_MS + COGNITO_SLACK_MS)
            expect((await request(service.url, 'GET', '/health')).status).toBe(200)
          }
        }
        const started = performance.now()
        expect((await signOut(a, during)).status).toBe(204)
        expect(performance.now() - started).toBeLessThan(DEADLINE_MS + COGNITO_SLACK_MS)
        // The instance that signed the user out knows at once; the other cannot hear it yet.
        await refusedBy(a, during.tokens.accessToken, 0)
        await waitForMetric(b, 'user_service_store_up 0', RECOVERY_MS)
        // Once B knows the store is gone, its token checks go on with its own list, and a metric says so.
        expect((await me(b, after.tokens.accessToken)).res.status).toBe(200)
        expect(await metricsOf(b)).toMatch(/^user_service_store_fallbacks_total\{check="revocation_check"\} [1-9]/m)

        if (outage === 'killed') await redis.restart()
        else redis.thaw()
        await Promise.all([a, b].map((service) => caughtUp(service)))
        await refusedBy(b, during.tokens.accessToken, RECOVERY_MS)
        expect((await me(b, after.tokens.accessToken)).res.status).toBe(200)
      })
    }

    /** Every line of every instance: no 5xx access-log line, no credential. */
    test('no instance answered a 5xx or logged a credential', () => {
      expectNo5xxNorSecrets(services, seen)
    })
  })
}

/**
 * Waits until the service has read back the store's revocations each time the store became
 * reachable (one "caught up" line per "reachable" line).
 */
async function caughtUp(service: RunningService): Promise<void> {
  const count = (msg: string) => service.logs().filter((line) => line.msg === msg).length
  const deadline = Date.now() + RECOVERY_MS
  for (;;) {
    const reachable = count('state store reachable')
    if (reachable > 0 && count('revocations caught up with the state store') >= reachable) return
    if (Date.now() > deadline) throw new Error('the service did not catch up with the store')
    await Bun.sleep(20)
  }
}
