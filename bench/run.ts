// The benchmark: the product against a raw Bun.serve ceiling, both in front of a stub Cognito, and a
// "floor" between them: the ceiling plus what the issues require of every answer (bench/ceiling.ts).
//   npm run bench            full run: 5 interleaved rounds of 5 s windows (3 s warm-up first)
//   npm run bench -- --smoke 1 round, 1 s per route: CI runs it so the benchmark cannot rot
//   npm run bench -- --node  the Node target (dist/node/node.mjs; npm run build:node first) against
//                            a raw Node ceiling (bench/node-ceiling.mjs) and a Node floor
//                            (bench/node-floor.ts, bundled here), all on the `node` found on PATH
// Options: --rounds N, --seconds S, --store-only (the shared store's cost on /signin alone), --routes-only
// (the routes' table alone); --connections N (64); --routes /signin,/signup (all);
// --latency-ms N: the stub answers each Cognito call N ms late, over TLS (a self-signed certificate
// the targets trust), as Cognito does (--tls alone: TLS without the delay); BENCH_PRODUCT="<command>"
// to measure another build of the product. Prints tables and writes bench/out/bench-<time>.json. Then
// interleaved passwordless starts per kind of email against a product of its own, over a stub that
// answers 10 ms late and sends a code 20 ms later still: medians, p90 and how far the decoys'
// distribution is from the real one (bench/passwordless-timing.ts, also run alone), and
// the revocation propagation between two instances (bench/propagation.ts).
// Non-2xx answers or socket errors fail the run (exit 1). Speed is reported, never asserted.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { resolve } from 'node:path'
import type { Subprocess } from 'bun'
import {
  canPin,
  coldStartOnceMs,
  CLIENT_ID,
  median,
  numberOption,
  onLoadCpu,
  onServerCpu,
  PRODUCT_BINARY,
  procStatus,
  productEnv,
  ROOT,
  startStub,
  type Stub,
  untilHealthy,
} from './harness.ts'
import { BENCH_USER, STUB_CONFIRMATION_CODE, stubRefreshToken } from '../test/support/stub-cognito.ts'
import { freePort } from '../test/support/util.ts'
import { build } from '../scripts/build.ts'
import { measurePropagation } from './propagation.ts'
import { BENCH_LATENCY, passwordlessTimingAlone, passwordlessTimingTable } from './passwordless-timing.ts'
import { measureStoreCost, type SignInFigures, type StoreCost } from './store-cost.ts'

const OUT = resolve(ROOT, 'bench/out')
const args = process.argv.slice(2)
const option = (name: string) => numberOption(args, name)
const smoke = args.includes('--smoke')
// Only the shared store's cost on /signin (bench/store-cost.ts).
const storeOnly = args.includes('--store-only')
// Only the routes' table: no passwordless timing, revocation propagation or store comparison (for a profile).
const routesOnly = args.includes('--routes-only')
const onNode = args.includes('--node')
// Many short interleaved windows rather than a few long ones: on a shared machine a burst of
// someone else's load then hits a window of each target, and the median drops it.
const rounds = option('--rounds') ?? (smoke ? 1 : 5)
const seconds = option('--seconds') ?? (smoke ? 1 : 5)
const warmupSeconds = smoke ? 0 : 3
const CONNECTIONS = option('--connections') ?? 64
const latencyMs = option('--latency-ms') ?? 0
const tls = latencyMs > 0 || args.includes('--tls')
const routesArg = args.includes('--routes') ? args[args.indexOf('--routes') + 1]!.split(',') : undefined
// The product's default bound on Cognito calls (COGNITO_MAX_CONCURRENCY); the ceiling's fetch gets
// the same bound (BUN_CONFIG_MAX_HTTP_REQUESTS), and the product's fetch (JWKS) one above it, as
// the image sets it (Dockerfile).
const CALL_LIMIT = 256
const COLD_STARTS = smoke ? 3 : 10
/** Sign-outs timed from one instance to another through a shared store (bench/propagation.ts). */
const PROPAGATION_SAMPLES = smoke ? 30 : 300

type TargetName = 'ceiling' | 'floor' | 'product'
const TARGETS: readonly TargetName[] = ['ceiling', 'floor', 'product']
type RouteName =
  | '/health'
  | '/signup'
  | '/signin'
  | '/signin/passwordless'
  | '/signin/challenge'
  | '/token/refresh'
  | '/token/verify'

interface Route {
  name: RouteName
  method: 'GET' | 'POST'
  body?: string
  uniqueEmail?: boolean
  /** Exact status the preflight expects. */
  status: number
  callsCognito: boolean
  /** A body that depends on the target (a session it handed out), made once in its preflight. */
  bodyFor?: (target: Running) => Promise<string>
  /** Each request carries the next of ACCESS_TOKENS distinct access tokens (Authorization: Bearer). */
  accessTokens?: boolean
}

// Distinct genuine access tokens, signed by the stub's key (test/support/stub-signing-key.ts): a
// target that remembered a verification could not answer from memory.
const ACCESS_TOKENS = 1000
const TOKENS_FILE = resolve(ROOT, 'bench/out/access-tokens.txt')

const ALL_ROUTES: Route[] = [
  { name: '/health', method: 'GET', status: 200, callsCognito: false },
  {
    name: '/signup',
    method: 'POST',
    body: JSON.stringify({ email: '{email}', password: 'Bench-Passw0rd!', nickname: 'bench' }),
    uniqueEmail: true,
    status: 201,
    callsCognito: true,
  },
  { name: '/signin', method: 'POST', body: JSON.stringify(BENCH_USER), status: 200, callsCognito: true },
  // The start of a passwordless sign-in (USER_AUTH, an EMAIL_OTP challenge): the product seals
  // Cognito's session with the username (src/cognito/challenge-session.ts), the ceiling copies it.
  {
    name: '/signin/passwordless',
    method: 'POST',
    body: JSON.stringify({ email: BENCH_USER.email, method: 'email_otp' }),
    status: 200,
    callsCognito: true,
  },
  // The answer to that EMAIL_OTP challenge, with the session the target handed out: the product's is
  // sealed with the username (it unseals it and adds USERNAME and SECRET_HASH), the ceiling's is
  // Cognito's own. The stub takes the same session again for every request.
  {
    name: '/signin/challenge',
    method: 'POST',
    status: 200,
    callsCognito: true,
    bodyFor: async (target) => {
      const started = await fetch(`${target.url}/signin/passwordless`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: BENCH_USER.email, method: 'email_otp' }),
      })
      const answer = (await started.json()) as { session?: string; Session?: string }
      return JSON.stringify({
        email: BENCH_USER.email,
        challengeName: 'EMAIL_OTP',
        session: answer.session ?? answer.Session,
        responses: { EMAIL_OTP_CODE: STUB_CONFIRMATION_CODE },
      })
    },
  },
  // With rotation on (GetTokensFromRefreshToken, as deployed). Every request names its own refresh
  // token ({n}), so the product's coalescing of concurrent refreshes of one token never merges two
  // benchmark requests into one Cognito call: both targets pay one call per request.
  {
    name: '/token/refresh',
    method: 'POST',
    body: JSON.stringify({ refreshToken: stubRefreshToken(BENCH_USER.email, '{n}') }),
    uniqueEmail: true,
    status: 200,
    callsCognito: true,
  },
  // The token check behind every request of every other service: verified locally, no Cognito call.
  { name: '/token/verify', method: 'GET', status: 200, callsCognito: false, accessTokens: true },
]

const ROUTES = routesArg ? ALL_ROUTES.filter((route) => routesArg.includes(route.name)) : ALL_ROUTES

// ---------------------------------------------------------------------------------------------
// Machine set-up: wrk, CPU pinning.

async function ensureWrk(): Promise<void> {
  if (Bun.which('wrk')) return
  if (process.getuid?.() === 0 && Bun.which('apt-get')) {
    console.log('installing wrk (apt-get)…')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    for (const cmd of [
      ['apt-get', 'update'],
      ['apt-get', 'install', '-y', '--no-install-recommends', 'wrk'],
    ]) {
      const proc = Bun.spawn(cmd, { env, stdout: 'ignore', stderr: 'inherit' })
      if ((await proc.exited) !== 0) throw new Error(`${cmd.join(' ')} failed`)
    }
    return
  }
  throw new Error('wrk is not installed: run `sudo apt-get install wrk` (Debian/Ubuntu) and try again')
}

/** CPU time (user + system) the process has used so far, in µs: /proc/<pid>/stat, 100 Hz ticks. */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10_000
}

const firstLine = (file: string) => readFileSync(file, 'utf8').split('\n', 1)[0]!

// ---------------------------------------------------------------------------------------------
// The stub and the two targets.

/** fetch() options that trust the stub's certificate when it speaks TLS. */
const trustStub = (stub: Stub) => (stub.caFile ? { tls: { ca: readFileSync(stub.caFile, 'utf8') } } : {})

async function stubStats(stub: Stub): Promise<{ calls: number; connections: number }> {
  return (await fetch(`${stub.url}/__stats`, trustStub(stub))).json() as Promise<{ calls: number; connections: number }>
}

/** Calls the product shed so far (its metrics port, from its `listening` line); 0 for the others. */
async function shedSoFar(target: Running): Promise<number> {
  if (target.name !== 'product') return 0
  const listening = readFileSync(target.logFile, 'utf8')
    .split('\n')
    .find((line) => line.includes('"listening"'))
  const port = listening ? (JSON.parse(listening) as { metricsPort?: number }).metricsPort : undefined
  if (port === undefined) return 0
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith('user_service_cognito_calls_shed_total'))
  return line ? Number(line.split(' ')[1]) : 0
}

const NODE = Bun.which('node') ?? 'node'
// BENCH_PRODUCT="<command>" measures another build (e.g. an older commit's checkout, or the Node
// build with other flags) instead, with or without --node.
const productCommand = process.env.BENCH_PRODUCT
  ? process.env.BENCH_PRODUCT.split(' ')
  : onNode
    ? [NODE, resolve(ROOT, 'dist/node/node.mjs')]
    : existsSync(PRODUCT_BINARY)
      ? [PRODUCT_BINARY]
      : [process.execPath, resolve(ROOT, 'src/main.ts')]
// Compared like with like: when the product is the compiled binary, the ceiling (and the floor) are
// compiled from bench/ceiling.ts with the same flags (scripts/build.ts), so its cold start counts
// the same executable loading as the product's.
const ceilingCommand =
  !onNode && productCommand[0] === PRODUCT_BINARY
    ? [await build(process.arch === 'arm64' ? 'arm64' : 'amd64', 'bench/out/ceiling', 'bench/ceiling.ts')]
    : [process.execPath, resolve(ROOT, 'bench/ceiling.ts')]
/**
 * The Node floor (bench/node-floor.ts, which imports the product's TypeScript) bundled for Node as
 * `npm run build:node` bundles the product; returns the bundle's path in bench/out/.
 */
async function buildNodeFloor(): Promise<string> {
  const outdir = resolve(OUT, 'node-floor')
  const result = await Bun.build({
    entrypoints: [resolve(ROOT, 'bench/node-floor.ts')],
    target: 'node',
    outdir,
    naming: '[name].mjs',
  })
  if (!result.success) throw new AggregateError(result.logs, 'bun build of bench/node-floor.ts failed')
  return resolve(outdir, 'node-floor.mjs')
}
const COMMANDS: Record<TargetName, string[]> = onNode
  ? {
      ceiling: [NODE, resolve(ROOT, 'bench/node-ceiling.mjs')],
      // The Node ceiling plus what every request must do, with the same node as the product.
      floor: [NODE, await buildNodeFloor()],
      product: productCommand,
    }
  : {
      ceiling: ceilingCommand,
      // The ceiling plus only what every answer must carry (bench/ceiling.ts, CEILING_FLOOR).
      floor: ceilingCommand,
      product: productCommand,
    }
const targetEnv = (name: TargetName, stub: Stub, port: number) => ({
  ...productEnv(stub.url, port, stub.caFile),
  BUN_CONFIG_MAX_HTTP_REQUESTS: String(name === 'product' ? 2 * CALL_LIMIT : CALL_LIMIT),
  COGNITO_MAX_CONCURRENCY: String(CALL_LIMIT),
  COGNITO_REFRESH_TOKEN_ROTATION: 'true',
  ...(name === 'floor' ? { CEILING_FLOOR: '1' } : {}),
  // The token check's verification cache, off unless the run asks for it (its figures are reported apart).
  ...(name === 'product' && process.env.TOKEN_CHECK_CACHE_SECONDS
    ? { TOKEN_CHECK_CACHE_SECONDS: process.env.TOKEN_CHECK_CACHE_SECONDS }
    : {}),
})

/**
 * SIGTERM, then SIGKILL after 3 s: a product started with a profiler (`BENCH_PRODUCT="bun --cpu-prof
 * src/main.ts"`) writes its profile on the clean exit its shutdown makes.
 */
async function stopGracefully({ proc }: Running): Promise<void> {
  proc.kill('SIGTERM')
  const killer = setTimeout(() => proc.kill('SIGKILL'), 3000)
  await proc.exited
  clearTimeout(killer)
}

interface Running {
  name: TargetName
  url: string
  proc: Subprocess
  logFile: string
}

/** `extraEnv` and `label` (its log's name): the product with other settings (bench/store-cost.ts). */
async function startTarget(name: TargetName, stub: Stub, extraEnv = {}, label: string = name): Promise<Running> {
  const port = await freePort()
  const logFile = resolve(OUT, `${label}.stdout.log`)
  const proc = Bun.spawn(onServerCpu(COMMANDS[name]), {
    cwd: ROOT,
    env: { ...targetEnv(name, stub, port), ...extraEnv },
    // Truncated: Bun.file() as stdout would write over an older log without shortening it.
    stdout: openSync(logFile, 'w'),
    stderr: 'inherit',
  })
  const url = `http://127.0.0.1:${port}`
  await untilHealthy(url, proc)
  return { name, url, proc, logFile }
}

/** Spawn to the first 200 on /health per target, median of COLD_STARTS runs, the targets interleaved. */
async function coldStartsMs(stub: Stub): Promise<Record<TargetName, number>> {
  const samples = Object.fromEntries(TARGETS.map((name) => [name, [] as number[]]))
  for (let i = 0; i < COLD_STARTS; i++) {
    for (const name of TARGETS) {
      samples[name]!.push(await coldStartOnceMs(COMMANDS[name], (port) => targetEnv(name, stub, port)))
    }
  }
  return Object.fromEntries(TARGETS.map((name) => [name, median(samples[name]!)])) as Record<TargetName, number>
}

// ---------------------------------------------------------------------------------------------
// Preflight: exact statuses, and a /signin token that came through the stub.

let emailRun = 0
const uniqueEmail = (label: string) => `${label}-${process.pid}-${Date.now()}-${emailRun++}@bench.example`

// Bodies made per target (Route.bodyFor), by "target route".
const targetBodies = new Map<string, string>()
const bodyOf = (target: Running, route: Route) => targetBodies.get(`${target.name} ${route.name}`) ?? route.body

async function preflight(target: Running, stub: Stub): Promise<void> {
  const problems: string[] = []
  for (const route of ROUTES) {
    if (route.bodyFor) targetBodies.set(`${target.name} ${route.name}`, await route.bodyFor(target))
    const body = bodyOf(target, route)
      ?.replace('{email}', uniqueEmail(`preflight-${target.name}`))
      .replace('{n}', `preflight-${target.name}`)
    const res = await fetch(`${target.url}${route.name}`, {
      method: route.method,
      ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}),
      ...(route.accessTokens ? { headers: { authorization: `Bearer ${firstLine(TOKENS_FILE)}` } } : {}),
    })
    const text = await res.text()
    if (res.status !== route.status)
      problems.push(`${route.name}: status ${res.status}, expected ${route.status}: ${text.slice(0, 200)}`)
    if ((route.name === '/signin' || route.name === '/signin/challenge') && !text.includes(stub.idToken))
      problems.push(`${route.name}: answer does not carry the token the stub issued`)
  }
  if (problems.length > 0) throw new Error(`preflight of ${target.name} failed:\n  ${problems.join('\n  ')}`)
}

/** The stub must refuse a wrong SECRET_HASH, or a broken HMAC could pass the benchmark. */
async function stubRefusesBadHash(stub: Stub): Promise<void> {
  const res = await fetch(stub.url, {
    ...trustStub(stub),
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({
      ClientId: CLIENT_ID,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: BENCH_USER.email, PASSWORD: BENCH_USER.password, SECRET_HASH: 'd3Jvbmc=' },
    }),
  })
  const body = (await res.json()) as { __type?: string }
  if (res.status !== 400 || body.__type !== 'NotAuthorizedException')
    throw new Error('the stub accepted a wrong SECRET_HASH')
}

// ---------------------------------------------------------------------------------------------
// One wrk window.

interface WrkResult {
  requests: number
  durationUs: number
  connect: number
  read: number
  write: number
  status: number
  timeout: number
  p50: number
  p99: number
}

async function wrk(target: Running, route: Route, windowSeconds: number, label: string): Promise<WrkResult> {
  const cmd = onLoadCpu([
    'wrk',
    '-t1',
    `-c${CONNECTIONS}`,
    `-d${windowSeconds}s`,
    '-s',
    resolve(ROOT, 'bench/wrk.lua'),
    `${target.url}${route.name}`,
  ])
  const proc = Bun.spawn(cmd, {
    env: {
      ...process.env,
      BENCH_METHOD: route.method,
      BENCH_BODY: bodyOf(target, route) ?? '',
      BENCH_UNIQUE_EMAIL: route.uniqueEmail ? `${label}-${process.pid}-${Date.now()}` : '',
      BENCH_TOKENS_FILE: route.accessTokens ? TOKENS_FILE : '',
    },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  const line = stdout.split('\n').find((l) => l.startsWith('BENCH_JSON '))
  if (code !== 0 || !line) throw new Error(`wrk failed (${code}): ${stderr || stdout}`)
  return JSON.parse(line.slice('BENCH_JSON '.length)) as WrkResult
}

/** Newlines written to `file` from byte `from` on, and the file's size now. */
function countLines(file: string, from: number): { lines: number; size: number } {
  const fd = openSync(file, 'r')
  try {
    const size = fstatSync(fd).size
    const chunk = Buffer.allocUnsafe(1 << 20)
    let lines = 0
    for (let at = from; at < size; ) {
      const read = readSync(fd, chunk, 0, Math.min(chunk.length, size - at), at)
      if (read === 0) break
      for (let i = chunk.indexOf(10); i !== -1 && i < read; i = chunk.indexOf(10, i + 1)) lines++
      at += read
    }
    return { lines, size }
  } finally {
    closeSync(fd)
  }
}

interface Window {
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  errors: number
  logLinesPerRequest: number
  upstreamCalls: number
  upstreamConnections: number
  /** Requests the product answered 503 at once because its queue of Cognito calls was full. */
  shed: number
  /** The server's own CPU per request: unlike req/s, barely moved by other load on the machine. */
  cpuMicrosPerRequest: number
}

async function measure(target: Running, route: Route, stub: Stub, round: number): Promise<Window> {
  const label = `${target.name}-r${round}`
  // A fresh session for each window: a sealed one expires (AuthSessionValidity, 3 minutes) within a long run.
  if (route.bodyFor) targetBodies.set(`${target.name} ${route.name}`, await route.bodyFor(target))
  if (warmupSeconds > 0 && round === 1) await wrk(target, route, warmupSeconds, `${label}-warm`)
  const before = await stubStats(stub)
  const shedBefore = await shedSoFar(target)
  const logBefore = countLines(target.logFile, 0)
  const cpuBefore = cpuMicros(target.proc.pid)
  const result = await wrk(target, route, seconds, label)
  const cpuUsed = cpuMicros(target.proc.pid) - cpuBefore
  const after = await stubStats(stub)
  const shed = (await shedSoFar(target)) - shedBefore
  const log = countLines(target.logFile, logBefore.size)
  const errors = result.connect + result.read + result.write + result.status + result.timeout
  return {
    reqPerSec: result.requests / (result.durationUs / 1e6),
    p50Ms: result.p50 / 1000,
    p99Ms: result.p99 / 1000,
    errors,
    logLinesPerRequest: log.lines / Math.max(1, result.requests),
    upstreamCalls: after.calls - before.calls,
    upstreamConnections: after.connections - before.connections,
    shed,
    cpuMicrosPerRequest: cpuUsed / Math.max(1, result.requests),
  }
}

/** The product in memory and with REDIS_URL, rate limits on, on /signin (bench/store-cost.ts). */
function signInStoreCost(stub: Stub) {
  // From every route, not only --routes': the store's cost is always measured on /signin.
  const signIn = ALL_ROUTES.find((route) => route.name === '/signin')!
  return measureStoreCost({
    rounds,
    start: async (label, env) => {
      const target = await startTarget('product', stub, env, label)
      await preflight(target, stub)
      return target
    },
    round: (target, round) => measure(target, signIn, stub, round),
    stop: (target) => target.proc.kill('SIGKILL'),
  })
}

const storeCostLine = (cost: StoreCost) => {
  const figures = (what: string, f: SignInFigures) =>
    `${what} ${f.cpuMicrosPerRequest.toFixed(0)} µs CPU, ${f.reqPerSec.toFixed(0)} req/s, p99 ${f.p99Ms.toFixed(2)} ms`
  return `The shared store on /signin (rate limits on; in memory, then REDIS_URL on a local redis-server): ${figures('memory', cost.memory)}; ${figures('store', cost.store)}; CPU ratio ${cost.cpuRatio.toFixed(2)} (target at most 1.15)`
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  await ensureWrk()
  mkdirSync(OUT, { recursive: true })
  const started = new Date()
  const loadBefore = loadavg()[0]!
  const stub = await startStub({ tls, latencyMs })
  writeFileSync(
    TOKENS_FILE,
    await (await fetch(`${stub.url}/__access-tokens?count=${ACCESS_TOKENS}`, trustStub(stub))).text(),
  )
  const targets: Running[] = []
  let failed = false
  try {
    if (storeOnly) {
      const cost = await signInStoreCost(stub)
      console.log(
        `load average ${loadBefore.toFixed(1)} -> ${loadavg()[0]!.toFixed(1)}; ${rounds} round(s) × ${seconds} s\n${storeCostLine(cost)}`,
      )
      // Thrown, so the catch below fails the run once the targets are stopped.
      if (cost.memory.errors + cost.store.errors > 0) throw new Error('errors on /signin in the store comparison')
      return
    }
    await stubRefusesBadHash(stub)
    const coldStart = await coldStartsMs(stub)
    const idleRss = {} as Record<TargetName, number>
    for (const name of TARGETS) {
      const target = await startTarget(name, stub)
      targets.push(target)
      await Bun.sleep(300)
      idleRss[name] = procStatus(target.proc.pid, 'VmRSS')
      await preflight(target, stub)
    }

    const windows: Record<RouteName, Record<TargetName, Window[]>> = {} as never
    for (const route of ROUTES) windows[route.name] = { ceiling: [], floor: [], product: [] }
    for (let round = 1; round <= rounds; round++) {
      for (const route of ROUTES) {
        for (const target of targets) {
          const w = await measure(target, route, stub, round)
          windows[route.name][target.name].push(w)
          process.stdout.write(
            `round ${round} ${route.name.padEnd(8)} ${target.name.padEnd(8)} ${w.reqPerSec.toFixed(0).padStart(7)} req/s  p99 ${w.p99Ms.toFixed(2)} ms  ${w.cpuMicrosPerRequest.toFixed(0)} µs CPU/req  errors ${w.errors}\n`,
          )
        }
      }
    }
    // Whether a passwordless start's timing tells a real session from a decoy: a few hundred
    // interleaved starts per kind of email against a product of its own, over a stub that takes as
    // long as a Cognito does to answer and to send the code.
    const passwordless = routesOnly
      ? undefined
      : await passwordlessTimingAlone({ starts: smoke ? 20 : 300, ...BENCH_LATENCY, command: COMMANDS.product })
    const peakRss = Object.fromEntries(targets.map((t) => [t.name, procStatus(t.proc.pid, 'VmHWM')])) as Record<
      TargetName,
      number
    >

    const summary = ROUTES.map((route) => {
      const per = (name: TargetName) => {
        const ws = windows[route.name][name]
        const calls = ws.reduce((n, w) => n + w.upstreamCalls, 0)
        return {
          reqPerSec: median(ws.map((w) => w.reqPerSec)),
          p50Ms: median(ws.map((w) => w.p50Ms)),
          p99Ms: median(ws.map((w) => w.p99Ms)),
          cpuMicrosPerRequest: median(ws.map((w) => w.cpuMicrosPerRequest)),
          errors: ws.reduce((n, w) => n + w.errors, 0),
          logLinesPerRequest: median(ws.map((w) => w.logLinesPerRequest)),
          upstreamConnectionsPerCall: calls > 0 ? ws.reduce((n, w) => n + w.upstreamConnections, 0) / calls : null,
          shed: ws.reduce((n, w) => n + w.shed, 0),
          // Each round's own figures: how much a target moves between rounds is part of the result.
          rounds: ws.map(({ reqPerSec, p99Ms, cpuMicrosPerRequest }) => ({ reqPerSec, p99Ms, cpuMicrosPerRequest })),
        }
      }
      const ceiling = per('ceiling')
      const floor = per('floor')
      const product = per('product')
      const against = (f: RouteFigures) => ({
        ratio: f.reqPerSec / ceiling.reqPerSec,
        p99Ratio: f.p99Ms / ceiling.p99Ms,
        cpuRatio: ceiling.cpuMicrosPerRequest / f.cpuMicrosPerRequest,
      })
      return {
        route: route.name,
        ceiling,
        floor,
        floorRatios: against(floor),
        product,
        ...against(product),
      }
    })
    failed = summary.some((s) => TARGETS.some((name) => (s[name]?.errors ?? 0) > 0))
    const propagation = routesOnly
      ? undefined
      : await measurePropagation({ command: COMMANDS.product, samples: PROPAGATION_SAMPLES })
    const storeCost = routesOnly ? undefined : await signInStoreCost(stub)
    failed ||= (storeCost?.memory.errors ?? 0) + (storeCost?.store.errors ?? 0) > 0

    const runtime = onNode
      ? `Node ${Bun.spawnSync([NODE, '--version']).stdout.toString().trim()}`
      : `Bun ${Bun.version}`
    const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${runtime}${canPin ? ', pinned (server CPU 0, wrk + stub CPU 1)' : ', not pinned'}`
    const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`
    const report = {
      date: started.toISOString(),
      machine,
      command,
      product: COMMANDS.product.map((p) => p.replace(`${ROOT}/`, '')).join(' '),
      loadAverage: { before: loadBefore, after: loadavg()[0]! },
      rounds,
      seconds,
      connections: CONNECTIONS,
      latencyMs,
      tls,
      routes: summary,
      revocationPropagation: propagation,
      passwordless,
      storeCost,
      targets: Object.fromEntries(
        TARGETS.map((name) => [
          name,
          { coldStartMs: coldStart[name], idleRssMb: idleRss[name], peakRssMb: peakRss[name] },
        ]),
      ),
    }
    const file = resolve(OUT, `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`)
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
    console.log(
      `\n${report.date} · ${machine} · load average ${loadBefore.toFixed(1)} -> ${report.loadAverage.after.toFixed(1)}\n${command} · product: ${report.product} · ${rounds} round(s) × ${seconds} s, ${CONNECTIONS} connections${latencyMs ? `, stub latency ${latencyMs} ms` : ''}${tls ? ', TLS to the stub' : ''}, medians\n`,
    )
    console.log(markdownTables(report))
    if (propagation)
      console.log(
        `\nRevocation propagation (sign-out on one instance until another refuses, shared redis-server, ${propagation.samples} samples): p50 ${propagation.p50Ms.toFixed(1)} ms, p99 ${propagation.p99Ms.toFixed(1)} ms, max ${propagation.maxMs.toFixed(1)} ms`,
      )
    if (passwordless)
      console.log(
        `\nStub latency ${passwordless.latencyMs} ms, code sending ${passwordless.sendMs} ms: ${passwordlessTimingTable(passwordless)}`,
      )
    if (storeCost) console.log(`\n${storeCostLine(storeCost)}`)
    console.log(`\nJSON: ${file}`)
  } catch (error) {
    failed = true
    console.error(error instanceof Error ? error.message : error)
  } finally {
    await Promise.all(targets.map(stopGracefully))
    stub.proc.kill('SIGKILL')
  }
  if (failed) {
    console.error('benchmark FAILED: errors or non-2xx answers (see above)')
    process.exit(1)
  }
}

type Ratios = { ratio: number; p99Ratio: number; cpuRatio: number }
type Report = {
  routes: Array<
    Record<TargetName, RouteFigures> & { floorRatios: Ratios } & Ratios & {
        route: string
      }
  >
  targets: Record<string, { coldStartMs: number; idleRssMb: number; peakRssMb: number }>
}
type RouteFigures = {
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  cpuMicrosPerRequest: number
  errors: number
  logLinesPerRequest: number
  upstreamConnectionsPerCall: number | null
  shed: number
  rounds: { reqPerSec: number; p99Ms: number; cpuMicrosPerRequest: number }[]
}

function markdownTables(report: Report): string {
  const rows = [
    '| route | target | req/s | p50 ms | p99 ms | CPU µs/req | errors | req/s ratio | p99 ratio | CPU ratio |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of report.routes) {
    for (const name of TARGETS) {
      const f = r[name]
      const x = name === 'product' ? r : name === 'floor' ? r.floorRatios : undefined
      const ratios = x
        ? `| ${name === 'product' ? `**${x.ratio.toFixed(2)}×**` : `${x.ratio.toFixed(2)}×`} | ${x.p99Ratio.toFixed(2)}× | ${x.cpuRatio.toFixed(2)}× |`
        : '| | | |'
      rows.push(
        `| ${r.route} | ${name} | ${f.reqPerSec.toFixed(0)} | ${f.p50Ms.toFixed(2)} | ${f.p99Ms.toFixed(2)} | ${f.cpuMicrosPerRequest.toFixed(0)} | ${f.errors} ${ratios}`,
      )
    }
  }
  const per = [
    '',
    '| target | cold start ms (median) | idle RSS MB | peak RSS MB | log lines / request | upstream connections / call | shed |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ]
  for (const [name, t] of Object.entries(report.targets)) {
    const routes = report.routes.filter((r) => r.route !== '/health')
    const logLines = routes.map((r) => r[name as TargetName]?.logLinesPerRequest.toFixed(2)).join(' / ')
    const conns = routes.map((r) => {
      const v = r[name as TargetName]?.upstreamConnectionsPerCall ?? null
      return v === null ? '–' : `${(v * 100).toFixed(2)}%`
    })
    per.push(
      `| ${name} | ${t.coldStartMs.toFixed(1)} | ${t.idleRssMb.toFixed(1)} | ${t.peakRssMb.toFixed(1)} | ${logLines} | ${conns.join(' / ')} | ${routes.reduce((n, r) => n + (r[name as TargetName]?.shed ?? 0), 0)} |`,
    )
  }
  per.push(
    '',
    'Ratios are target / ceiling for req/s and p99, ceiling / target for CPU per request (1.00× = as cheap as the ceiling).',
    'The floor is the ceiling plus what every request must do (bench/floor.ts; on Node bench/node-floor.ts): security headers, request id and the access line; on the Cognito routes the body check, an answer from declared fields, the deadline, the metrics, mapping the answer and the auth event.',
    'Log lines and upstream connections per call: the routes that call Cognito, in the order of the table above.',
  )
  const ours = report.routes.map(
    (r) => `${r.route} ${((r.product.cpuMicrosPerRequest / r.floor.cpuMicrosPerRequest - 1) * 100).toFixed(0)}%`,
  )
  per.push(`Our CPU per request over the floor's (product ÷ floor − 1): ${ours.join(', ')}.`)
  return [...rows, ...per].join('\n')
}

await main()
