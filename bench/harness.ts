// What a load run needs around the product: where the compiled binary is, how it is started
// against a stub Cognito, CPU pinning and memory read from /proc.
import { existsSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { resolve } from 'node:path'
import type { Subprocess } from 'bun'
import { freePort } from '../test/support/util.ts'

export const ROOT = resolve(import.meta.dir, '..')
export const CLIENT_ID = 'benchclient'
export const CLIENT_SECRET = 'bench-client-secret-0123456789abcdefghijklmnopqrstuvwxyz'
export const USER_POOL_ID = 'local_bench'

/** The number after `name` on the command line, if it is there. */
export function numberOption(args: string[], name: string): number | undefined {
  const at = args.indexOf(name)
  return at === -1 ? undefined : Number(args[at + 1])
}

export const PRODUCT_BINARY = resolve(ROOT, 'dist/user-service')

export function requireBinary(): string {
  if (!existsSync(PRODUCT_BINARY))
    throw new Error('dist/user-service is missing: build it with `npm run build` (npm test does)')
  return PRODUCT_BINARY
}

// Server on CPU 0, load generator on CPU 1: the server gets a core to itself.
export const canPin = cpus().length >= 2 && Bun.which('taskset') !== null
export const onServerCpu = (cmd: string[]) => (canPin ? ['taskset', '-c', '0', ...cmd] : cmd)
export const onLoadCpu = (cmd: string[]) => (canPin ? ['taskset', '-c', '1', ...cmd] : cmd)

/**
 * The product's environment in front of the stub at `stubUrl`; `caFile`, the certificate of a stub
 * that speaks TLS, is trusted through NODE_EXTRA_CA_CERTS (read by Bun and Node at start).
 */
export const productEnv = (stubUrl: string, port: number, caFile?: string): Record<string, string> => ({
  PATH: process.env.PATH ?? '',
  ...(caFile ? { NODE_EXTRA_CA_CERTS: caFile } : {}),
  PORT: String(port),
  COGNITO_ENDPOINT: stubUrl,
  COGNITO_USER_POOL_ID: USER_POOL_ID,
  COGNITO_CLIENT_ID: CLIENT_ID,
  COGNITO_CLIENT_SECRET: CLIENT_SECRET,
  COGNITO_ISSUER: `${stubUrl}/${USER_POOL_ID}`,
  LOG_LEVEL: 'info',
  // The load generator is one client IP: the per-task rate limits would answer it 429.
  RATE_LIMITS_ENABLED: 'false',
  // The token check's limit stays on, so its cost is in the figures, set above what one core serves.
  TOKEN_CHECK_RATE_LIMIT: '999999/1s',
  // As deployed behind the ALB (deploy/ecs/task-definition.json): the client is the X-Forwarded-For
  // entry the ALB appends, which bench/wrk.lua sends. Without it, looking the socket's address up
  // (Bun's server.requestIP) costs ~5 µs per request on /health (docs/performance.md).
  TRUST_PROXY: 'true',
  // As deployed: metrics on (their own port; 0 picks a free one), so their cost is in every number.
  METRICS_PORT: '0',
  // Off: the breached-password check is a call to another service (Have I Been Pwned), not the
  // product's own work, and the benchmark measures against Cognito alone.
  BREACHED_PASSWORD_CHECK: 'false',
})

export async function untilHealthy(url: string, proc: Subprocess, deadlineMs = 10_000): Promise<void> {
  const until = performance.now() + deadlineMs
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).status === 200) return
    } catch {
      // not listening yet
    }
    if (proc.exitCode !== null) throw new Error(`target exited with ${proc.exitCode}`)
    if (performance.now() > until) throw new Error(`${url} not healthy after ${deadlineMs} ms`)
    await Bun.sleep(1)
  }
}

/** Resident (VmRSS) or peak resident (VmHWM) memory of a process, in MiB. */
export function procStatus(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)
  return match ? Number(match[1]) / 1024 : NaN
}

/** The stub Cognito (test/support/stub-cognito.ts) on CPU 1: its URL and a token it issued. */
export interface Stub {
  url: string
  /** The certificate to trust when the stub speaks TLS. */
  caFile?: string
  idToken: string
  proc: Subprocess
}

/**
 * `tls`: HTTPS with a self-signed certificate (Stub.caFile); `latencyMs`: each answer that much later;
 * `sendMs`: a passwordless start that sends a code about that much later still (StubOptions.sendMs).
 */
export async function startStub({ tls = false, latencyMs = 0, sendMs = 0 } = {}): Promise<Stub> {
  const proc = Bun.spawn(onLoadCpu([process.execPath, resolve(ROOT, 'test/support/stub-cognito.ts')]), {
    env: {
      ...process.env,
      STUB_CLIENT_ID: CLIENT_ID,
      STUB_CLIENT_SECRET: CLIENT_SECRET,
      STUB_TLS: tls ? '1' : '0',
      STUB_LATENCY_MS: String(latencyMs),
      STUB_SEND_MS: String(sendMs),
    },
    stdout: 'pipe',
    stderr: 'inherit',
  })
  const reader = proc.stdout.getReader()
  let text = ''
  while (!text.includes('\n')) {
    const { value, done } = await reader.read()
    if (done) throw new Error('stub exited before it listened')
    text += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  const { url, idToken, caFile } = JSON.parse(text.slice(0, text.indexOf('\n'))) as Omit<Stub, 'proc'>
  return { url, idToken, proc, ...(caFile ? { caFile } : {}) }
}

/** One cold start of `command` (on the server CPU): spawn to the first 200 on /health, in ms. */
export async function coldStartOnceMs(
  command: string[],
  env: (port: number) => Record<string, string>,
): Promise<number> {
  const port = await freePort()
  const started = performance.now()
  const proc = Bun.spawn(onServerCpu(command), { cwd: ROOT, env: env(port), stdout: 'ignore', stderr: 'inherit' })
  try {
    await untilHealthy(`http://127.0.0.1:${port}`, proc)
    return performance.now() - started
  } finally {
    proc.kill('SIGKILL')
    await proc.exited
  }
}

/** The median of `values` (the mean of the middle two for an even count). */
export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
