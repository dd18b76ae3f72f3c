import { expect, test } from 'bun:test'
import { resolve } from 'node:path'

// In a process of its own: the test runner has long since imported @elysiajs/openapi (other files
// do), and this is about what happens the first time it is imported.
const SCRIPT = `
import { FormatRegistry } from '@sinclair/typebox'
import { createApp } from '${resolve(import.meta.dir, '../../src/app.ts')}'
import { isEmail } from '${resolve(import.meta.dir, '../../src/http/formats.ts')}'
const logger = { debug() {}, info() {}, warn() {}, error() {} }
const config = { trustProxy: false, swaggerEnabled: true, rateLimits: { enabled: false }, corsOrigins: [], signupEnumerationSafe: false }
const app = createApp({ config, gateway: {}, verifyAccessToken: async () => { throw new Error('unused') }, logger })
const loaded = () => Object.keys(require.cache).some((k) => k.includes('@elysiajs/openapi'))
const report = { beforeVisit: { openapiLoaded: loaded(), oursRegistered: FormatRegistry.Get('email') === isEmail } }
const res = await app.handle(new Request('http://local/swagger/json'))
report.afterVisit = { status: res.status, paths: Object.keys((await res.json()).paths ?? {}).length, openapiLoaded: loaded(), oursRegistered: FormatRegistry.Get('email') === isEmail }
console.log(JSON.stringify(report))
`

test('the OpenAPI generator loads on the first docs visit, and our email format is back in place after it', async () => {
  const proc = Bun.spawn([process.execPath, '-e', SCRIPT], {
    cwd: resolve(import.meta.dir, '../..'),
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  expect(err).toBe('')
  expect(code).toBe(0)
  const report = JSON.parse(out)
  expect(report.beforeVisit).toEqual({ openapiLoaded: false, oursRegistered: true })
  expect(report.afterVisit.status).toBe(200)
  expect(report.afterVisit.paths).toBeGreaterThan(5)
  expect(report.afterVisit).toMatchObject({ openapiLoaded: true, oursRegistered: true })
})
