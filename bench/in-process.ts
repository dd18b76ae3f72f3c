// What the app's own work costs per request, with no socket and no Cognito: createApp(...).handle
// around the stub gateway (as test/routes do), metrics off and on, in one process.
//   bun bench/in-process.ts [--iterations N] [--rounds R] [--src DIR]
// --src: another checkout's src/ (e.g. an older commit's, unpacked with `git archive`), to compare
// before and after a change; it must export createApp, parseConfig and createLogger as this one does.
import { resolve } from 'node:path'
import { createStubGateway } from '../test/support/stub-gateway.ts'
import { numberOption, ROOT } from './harness.ts'

const args = process.argv.slice(2)
const iterations = numberOption(args, '--iterations') ?? 5000
const rounds = numberOption(args, '--rounds') ?? 15
const srcAt = args.indexOf('--src')
const src = srcAt === -1 ? resolve(ROOT, 'src') : resolve(args[srcAt + 1]!)

const { createApp } = await import(`${src}/app.ts`)
const { parseConfig } = await import(`${src}/config.ts`)
const { createLogger } = await import(`${src}/logging.ts`)
const metricsModule = await import(`${src}/observability/metrics.ts`).catch(() => undefined)

const EMAIL = 'bench.user@example.com'
const PASSWORD = 'Bench-Passw0rd!'
const REQUESTS = {
  'GET /health': () => new Request('http://bench.test/health'),
  'POST /signin': () =>
    new Request('http://bench.test/signin', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
    }),
}

async function microseconds(withMetrics: boolean, make: () => Request): Promise<number> {
  const stub = createStubGateway()
  stub.addAccount(EMAIL, PASSWORD)
  const app = createApp({
    config: parseConfig({
      COGNITO_USER_POOL_ID: 'local_bench',
      COGNITO_CLIENT_ID: 'benchclient',
      COGNITO_ISSUER: 'http://cognito.invalid/local_bench',
      RATE_LIMITS_ENABLED: 'false',
    }),
    gateway: stub.gateway,
    verifyAccessToken: stub.verifyAccessToken,
    // Lines are built as in production and dropped: writing them is not the app's work.
    logger: createLogger({ level: 'info', write: () => {} }),
    ...(withMetrics ? { metrics: metricsModule.createMetrics() } : {}),
  })
  // A server turns the event loop between requests, and the app builds the whole API in such a turn
  // after its first /health (src/app.ts); these loops alone never would.
  await app.handle(make())
  await Bun.sleep(1)
  for (let i = 0; i < 2000; i++) await app.handle(make())
  const started = performance.now()
  for (let i = 0; i < iterations; i++) await app.handle(make())
  return ((performance.now() - started) * 1000) / iterations
}

for (const [name, make] of Object.entries(REQUESTS)) {
  // Many short interleaved rounds, the fastest of each: on a shared machine someone else's burst
  // only ever adds time, and the least disturbed round is the closest to the app's own cost.
  const off: number[] = []
  const on: number[] = []
  for (let round = 0; round < rounds; round++) {
    off.push(await microseconds(false, make))
    if (metricsModule) on.push(await microseconds(true, make))
  }
  const onText = metricsModule ? `, metrics on ${Math.min(...on).toFixed(2)} µs` : ''
  console.log(`${name}: metrics off ${Math.min(...off).toFixed(2)} µs${onText} per request (${src})`)
}
