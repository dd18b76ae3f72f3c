// node-redis loads only when REDIS_URL is set: a start without a store never pays for it. In a
// process of its own, so that no other test file has imported it first.
import { expect, test } from 'bun:test'
import { resolve } from 'node:path'

const script = (redisUrl: string | undefined) => `
import { runService } from '${resolve(import.meta.dir, '../../src/service.ts')}'
const server = { port: 1, requestIp: () => undefined, drain: async () => {}, close: async () => {} }
await runService({
  COGNITO_USER_POOL_ID: 'local_pool', COGNITO_CLIENT_ID: 'client', COGNITO_ENDPOINT: 'http://127.0.0.1:9',
  COGNITO_CLIENT_SECRET: 'a-client-secret', LOG_LEVEL: 'error', STORE_DEADLINE_MS: '20',
  ${redisUrl === undefined ? '' : `REDIS_URL: '${redisUrl}',`}
}, { name: 'test', serve: () => server })
console.log(JSON.stringify({ redisLoaded: Object.keys(require.cache).some((k) => k.includes('@redis/client')) }))
process.exit(0)
`

async function startAndReport(redisUrl: string | undefined): Promise<{ redisLoaded: boolean }> {
  const proc = Bun.spawn([process.execPath, '-e', script(redisUrl)], {
    cwd: resolve(import.meta.dir, '../..'),
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
  expect(code).toBe(0)
  return JSON.parse(out.trim().split('\n').at(-1)!)
}

test('without REDIS_URL the store client is never loaded; with it, it is (and an unreachable store does not stop the start)', async () => {
  expect(await startAndReport(undefined)).toEqual({ redisLoaded: false })
  // Port 9 (discard) refuses: the start waits out its catch-up bound and goes on.
  expect(await startAndReport('redis://127.0.0.1:9')).toEqual({ redisLoaded: true })
}, 30_000)
