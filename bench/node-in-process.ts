// What the Node bridge's Request and Response cost around the app, on Node, with no socket and no
// Cognito: createApp(...).handle around the stub gateway (as bench/in-process.ts), given Node's own
// Request and read back through Node's Response ("platform"), or given the bridge's lean Request
// with its Response installed and read as the bridge reads it ("lean"). Interleaved rounds, the
// fastest of each. Node runs a bundle of it:
//   bun build --target=node bench/node-in-process.ts --outdir /tmp/nip && node /tmp/nip/node-in-process.js
import type { IncomingMessage } from 'node:http'
import { createApp } from '../src/app.ts'
import { parseConfig } from '../src/config.ts'
import { leanRequestOf } from '../src/runtime/node/node-request.ts'
import { installLeanResponse, LeanResponse } from '../src/runtime/node/node-response.ts'
import { createLogger } from '../src/logging.ts'
import { createStubGateway } from '../test/support/stub-gateway.ts'

const ITERATIONS = 5000
const ROUNDS = 9
const EMAIL = 'bench.user@example.com'
const PASSWORD = 'Bench-Passw0rd!'
const SIGNIN_BODY = JSON.stringify({ email: EMAIL, password: PASSWORD })
// What wrk sends in bench/run.ts, as node:http hands it over.
const RAW = { health: ['Host', '127.0.0.1:8080', 'X-Forwarded-For', '203.0.113.7'] }
const RAW_POST = [...RAW.health, 'Content-Type', 'application/json', 'Content-Length', String(SIGNIN_BODY.length)]
const incoming = (method: string, url: string, rawHeaders: string[]) => {
  const headers: Record<string, string> = {}
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!.toLowerCase()] = rawHeaders[i + 1]!
  return { method, url, rawHeaders, headers } as unknown as IncomingMessage
}

const PlatformResponse = globalThis.Response
const stub = createStubGateway()
stub.addAccount(EMAIL, PASSWORD)
const app = createApp({
  config: parseConfig({
    COGNITO_USER_POOL_ID: 'local_bench',
    COGNITO_CLIENT_ID: 'benchclient',
    COGNITO_ISSUER: 'http://cognito.invalid/local_bench',
    RATE_LIMITS_ENABLED: 'false',
    TRUST_PROXY: 'true',
  }),
  gateway: stub.gateway,
  verifyAccessToken: stub.verifyAccessToken,
  logger: createLogger({ level: 'info', write: () => {} }),
})

type Mode = 'platform' | 'lean'
const platformRequest = (method: string, path: string, raw: string[], body: string | null) => {
  const headers = new Headers()
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!)
  return new Request(`http://127.0.0.1:8080${path}`, { method, headers, body })
}
const ROUTES = {
  'GET /health': (mode: Mode) =>
    mode === 'lean'
      ? leanRequestOf(incoming('GET', '/health', RAW.health), null)
      : platformRequest('GET', '/health', RAW.health, null),
  'POST /signin': (mode: Mode) =>
    mode === 'lean'
      ? leanRequestOf(incoming('POST', '/signin', RAW_POST), Buffer.from(SIGNIN_BODY))
      : platformRequest('POST', '/signin', RAW_POST, SIGNIN_BODY),
}

async function answerBytes(response: Response): Promise<number> {
  const source = LeanResponse.sourceOf(response)
  if (source !== undefined) return typeof source === 'string' ? Buffer.byteLength(source) : source.byteLength
  return response.body === null ? 0 : (await response.arrayBuffer()).byteLength
}

async function microseconds(mode: Mode, make: (mode: Mode) => Request): Promise<number> {
  if (mode === 'lean') installLeanResponse()
  else globalThis.Response = PlatformResponse
  for (let i = 0; i < 500; i++) await answerBytes(await app.handle(make(mode)))
  const started = performance.now()
  for (let i = 0; i < ITERATIONS; i++) await answerBytes(await app.handle(make(mode)))
  return ((performance.now() - started) * 1000) / ITERATIONS
}

for (const [name, make] of Object.entries(ROUTES)) {
  const best = { platform: Infinity, lean: Infinity }
  for (let round = 0; round < ROUNDS; round++)
    for (const mode of ['platform', 'lean'] as const) best[mode] = Math.min(best[mode], await microseconds(mode, make))
  console.log(`${name}: platform ${best.platform.toFixed(2)} µs, lean ${best.lean.toFixed(2)} µs per request`)
}
