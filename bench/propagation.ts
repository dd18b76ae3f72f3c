// The revocation propagation time: two instances of the product share a local redis-server, in
// front of the local Cognito (real signed tokens: the stub's are not verifiable). Each sample
// signs in through instance A, signs out through A, and from A's 204 polls GET /me on B until B
// refuses the token itself (a 401 for which B asked Cognito nothing: Cognito refuses a signed-out
// token too, so a 401 alone would not say B had heard). Resolution: one /me round trip on B.
// Reported as p50, p99 and the worst; a sample that takes over 2 s fails the run.
import { stopTestCognito, testCognito, type TestCognito } from '../test/support/cognito.ts'
import { bearer, post, request } from '../test/support/http.ts'
import { startRedis } from '../test/support/redis-server.ts'
import { startService, type RunningService } from '../test/support/service.ts'
import { PASSWORD, uniqueEmail } from '../test/support/util.ts'

/** A sample slower than this is a failure, not a figure. */
const GIVE_UP_MS = 2000

export interface Propagation {
  samples: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

/**
 * Runs `samples` sign-outs with the product started by `command` (Bun, Node or the binary), in
 * plain mode. Throws when a sample fails (an unexpected status, or no refusal within 2 s).
 */
export async function measurePropagation({
  command,
  samples,
}: {
  command: string[]
  samples: number
}): Promise<Propagation> {
  const redis = await startRedis()
  const services: RunningService[] = []
  try {
    const cognito = await testCognito()
    const env = { PATH: process.env.PATH ?? '', ...cognito.serviceEnv(redis.env) }
    const [a, b] = await Promise.all([startService(env, { command }), startService(env, { command })])
    services.push(a, b)
    const email = await confirmedAccount(a, cognito)
    const times: number[] = []
    for (let i = 0; i < samples; i++) times.push(await oneSignOut(a, b, email, cognito))
    times.sort((x, y) => x - y)
    const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!
    return { samples, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: times[times.length - 1]! }
  } finally {
    await Promise.all(services.map((service) => service.stop('SIGKILL')))
    await redis.stop()
    await stopTestCognito()
  }
}

async function confirmedAccount(service: RunningService, cognito: TestCognito): Promise<string> {
  const email = uniqueEmail('bench-propagation')
  const signedUp = await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'bench' })
  if (signedUp.status !== 201) throw new Error(`sign-up answered ${signedUp.status}`)
  await cognito.confirm(email)
  return email
}

/** One sample: ms from A's answer to the sign-out until B refuses the token on its own. */
async function oneSignOut(a: RunningService, b: RunningService, email: string, cognito: TestCognito): Promise<number> {
  const signedIn = await post(a.url, '/signin', { email, password: PASSWORD })
  if (signedIn.status !== 200) throw new Error(`sign-in answered ${signedIn.status}`)
  const auth = bearer(signedIn.body.accessToken)
  const before = await request(b.url, 'GET', '/me', { headers: auth })
  if (before.status !== 200) throw new Error(`GET /me before the sign-out answered ${before.status}`)
  const out = await post(a.url, '/signout', {}, auth)
  if (out.status !== 204) throw new Error(`sign-out answered ${out.status}`)
  const started = performance.now()
  const getUserCalls = () => cognito.proxy.calls.filter((call) => call.operation === 'GetUser').length
  for (;;) {
    const calls = getUserCalls()
    const res = await request(b.url, 'GET', '/me', { headers: auth })
    const elapsed = performance.now() - started
    if (res.status === 401 && getUserCalls() === calls) return elapsed
    if (res.status !== 200 && res.status !== 401) throw new Error(`GET /me after the sign-out answered ${res.status}`)
    if (elapsed > GIVE_UP_MS) throw new Error(`B still took the signed-out token after ${GIVE_UP_MS} ms`)
  }
}
