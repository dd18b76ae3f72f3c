// The soak: a long run of mixed traffic through the compiled binary in front of the stub Cognito,
// watching the product's memory and every answer.
//   npm run soak             200,000 requests in phases of 5,000; fails on any error, or when RSS
//                            trends upward after the warm-up (the first 20% of requests): the mean
//                            of the last quarter of the RSS samples (one per phase) above 1.05 ×
//                            the mean of the second quarter. The fitted slope (MB per 100,000
//                            requests) and the peaks are reported. A leak grows on; JavaScriptCore's
//                            heap (up to twice its live size between full collections) and late
//                            JIT compiles raise the peak once and stop.
//   npm run soak -- --requests 1000000   the same criterion over a million requests
//   npm run soak -- --smoke  20,000 requests: fails on any error only (CI runs it; no memory or
//                            speed is asserted there)
// Options: --requests N (total), --phase N (requests per phase). Prints a table and writes
// bench/out/soak-<time>.json.
//
// An error is a socket error or timeout, or an answer whose status is not the one its kind of
// request expects (a 400 for a malformed body, a 404 for an unknown route and a 401 for a wrong
// password are expected answers). Cognito is test/support/stub-cognito.ts: real Cognito cannot take this
// load, cognito-local is far slower than the service.
import { mkdirSync, openSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { resolve } from 'node:path'
import type { Subprocess } from 'bun'
import {
  CLIENT_ID,
  CLIENT_SECRET,
  ROOT,
  canPin,
  numberOption,
  onLoadCpu,
  onServerCpu,
  procStatus,
  productEnv,
  requireBinary,
  untilHealthy,
} from './harness.ts'
import { BENCH_USER, startStubCognito } from '../test/support/stub-cognito.ts'
import { freePort } from '../test/support/util.ts'

const OUT = resolve(ROOT, 'bench/out')
const args = process.argv.slice(2)
const option = (name: string) => numberOption(args, name)
const smoke = args.includes('--smoke')
const totalRequests = option('--requests') ?? (smoke ? 20_000 : 200_000)
const phaseRequests = option('--phase') ?? (smoke ? 10_000 : 5_000)
/** Mean RSS of the last quarter of post-warm-up samples over the second quarter's, at most. */
const RSS_TREND_LIMIT = 1.05
/** The first fraction of the requests is warm-up: JIT tiers and heap sizing settle there. */
const WARM_UP_FRACTION = 0.2
const CONNECTIONS = 64

interface Kind {
  name: string
  method: 'GET' | 'POST'
  path: string
  /** "{email}" is replaced with a unique address per request. */
  body?: string
  status: number
  /** Share of the mix, in percent. */
  weight: number
}

const json = (value: unknown) => JSON.stringify(value)

// Weights sum to 100. Everything that reaches Cognito goes to the stub; bearer routes with a valid
// token are left out: they verify signatures against the pool's JWKS, which the stub does not sign.
function kindsFor(refresh: { refreshToken: string; username: string }): Kind[] {
  return [
    { name: 'health', method: 'GET', path: '/health', status: 200, weight: 25 },
    {
      name: 'signup',
      method: 'POST',
      path: '/signup',
      body: json({ email: '{email}', password: 'Soak-Passw0rd!', nickname: 'soak' }),
      status: 201,
      weight: 15,
    },
    { name: 'signin', method: 'POST', path: '/signin', body: json(BENCH_USER), status: 200, weight: 20 },
    { name: 'refresh', method: 'POST', path: '/token/refresh', body: json(refresh), status: 200, weight: 10 },
    {
      name: 'forgot',
      method: 'POST',
      path: '/password/forgot',
      body: json({ email: 'nobody@soak.example' }),
      status: 202,
      weight: 5,
    },
    {
      name: 'resend',
      method: 'POST',
      path: '/signup/resend',
      body: json({ email: BENCH_USER.email }),
      status: 200,
      weight: 5,
    },
    {
      name: 'wrong-password',
      method: 'POST',
      path: '/signin',
      body: json({ ...BENCH_USER, password: 'Not-The-Passw0rd!' }),
      status: 401,
      weight: 5,
    },
    {
      name: 'invalid-body',
      method: 'POST',
      path: '/signup',
      body: json({ email: 'not-an-email', password: '' }),
      status: 400,
      weight: 5,
    },
    { name: 'malformed-json', method: 'POST', path: '/signin', body: '{"email":', status: 400, weight: 3 },
    { name: 'no-token', method: 'GET', path: '/me', status: 401, weight: 2 },
    { name: 'unknown-route', method: 'GET', path: '/no-such-route', status: 404, weight: 5 },
  ]
}

/** The kinds as Lua source for bench/soak.lua (JSON string literals are valid Lua ones for ASCII). */
const luaTable = (kinds: Kind[]) =>
  `return {${kinds
    .map(
      (k) =>
        `{name=${json(k.name)},method=${json(k.method)},path=${json(k.path)},status=${k.status},weight=${k.weight}${k.body ? `,body=${json(k.body)}` : ''}}`,
    )
    .join(',')}}`

// ---------------------------------------------------------------------------------------------

/** Resets the process's peak RSS (VmHWM) to its current RSS (Linux, proc(5): clear_refs 5). */
function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5')
}

async function signIn(url: string): Promise<{ refreshToken: string; username: string }> {
  const res = await fetch(`${url}/signin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: json(BENCH_USER),
  })
  const body = (await res.json()) as { refreshToken?: string; username?: string }
  if (res.status !== 200 || !body.refreshToken || !body.username)
    throw new Error(`preflight /signin: ${res.status} ${json(body)}`)
  return { refreshToken: body.refreshToken, username: body.username }
}

/** One request of each kind: the expected status, and the X-Request-Id echo soak.lua relies on. */
async function preflight(url: string, kinds: Kind[]): Promise<void> {
  const problems: string[] = []
  for (const k of kinds) {
    const id = `soak.${k.name}`
    const res = await fetch(`${url}${k.path}`, {
      method: k.method,
      headers: { 'x-request-id': id, ...(k.body ? { 'content-type': 'application/json' } : {}) },
      ...(k.body ? { body: k.body.replace('{email}', `preflight-${Date.now()}@soak.example`) } : {}),
    })
    const text = await res.text()
    if (res.status !== k.status)
      problems.push(`${k.name}: status ${res.status}, expected ${k.status}: ${text.slice(0, 200)}`)
    if (res.headers.get('x-request-id') !== id) problems.push(`${k.name}: X-Request-Id not echoed`)
  }
  if (problems.length > 0) throw new Error(`preflight failed:\n  ${problems.join('\n  ')}`)
}

interface WrkTally {
  requests: number
  durationUs: number
  connect: number
  read: number
  write: number
  timeout: number
  p50: number
  p99: number
  answered: number
  counts: Record<string, number>
  unexpected: Record<string, number>
}

interface Phase {
  requests: number
  seconds: number
  reqPerSec: number
  p99Ms: number
  socketErrors: number
  unexpected: number
  rssMb: number
  /** The heap and other private memory, and the executable's pages in memory: VmRSS = the two. */
  anonMb: number
  fileMb: number
  /** Peak RSS (VmHWM) since start for the first phase, since the end of the first phase after it. */
  hwmMb: number
  counts: Record<string, number>
}

/** wrk's stdout; SIGINT (wrk's own way to stop early, with its summary) once the limit is reached. */
async function readUntilLimit(proc: Subprocess<'ignore', 'pipe', 'pipe'>): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  let interrupted = false
  for await (const chunk of proc.stdout) {
    text += decoder.decode(chunk, { stream: true })
    if (!interrupted && text.includes('SOAK_LIMIT_REACHED')) {
      interrupted = true
      proc.kill('SIGINT')
    }
  }
  return text
}

async function runPhase(
  url: string,
  kinds: Kind[],
  limit: number,
  label: string,
): Promise<{ phase: Phase; sample: string }> {
  // -d is only a bound: the script stops the phase at `limit` answers, readUntilLimit ends wrk.
  const cmd = onLoadCpu([
    'wrk',
    '-t1',
    `-c${CONNECTIONS}`,
    '-d600s',
    '--timeout',
    '10s',
    '-s',
    resolve(ROOT, 'bench/soak.lua'),
    url,
  ])
  const proc = Bun.spawn(cmd, {
    env: {
      ...process.env,
      SOAK_KINDS: luaTable(kinds),
      SOAK_LIMIT: String(limit),
      SOAK_EMAIL_PREFIX: `${label}-${process.pid}-${Date.now()}`,
      SOAK_SEED: String(Date.now() % 1e9),
    },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([
    readUntilLimit(proc),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  const line = stdout.split('\n').find((l) => l.startsWith('SOAK_JSON '))
  if (code !== 0 || !line) throw new Error(`wrk failed (${code}): ${stderr || stdout}`)
  const t = JSON.parse(line.slice('SOAK_JSON '.length)) as WrkTally
  const sample = stdout.includes('SOAK_SAMPLE\n')
    ? stdout.slice(stdout.indexOf('SOAK_SAMPLE\n') + 'SOAK_SAMPLE\n'.length)
    : ''
  const seconds = t.durationUs / 1e6
  // A phase that ran out of time before `limit` answers is short: its missing answers are errors.
  const missing = Math.max(0, limit - t.answered)
  return {
    phase: {
      requests: t.answered,
      seconds,
      reqPerSec: t.answered / seconds,
      p99Ms: t.p99 / 1000,
      socketErrors: t.connect + t.read + t.write + t.timeout + missing,
      unexpected: Object.values(t.unexpected).reduce((a, b) => a + b, 0),
      rssMb: 0,
      anonMb: 0,
      fileMb: 0,
      hwmMb: 0,
      counts: t.counts,
    },
    sample,
  }
}

async function logFigures(file: string): Promise<{ lines: number; byLevel: Record<string, number> }> {
  const byLevel: Record<string, number> = {}
  let lines = 0
  for (const line of (await Bun.file(file).text()).split('\n')) {
    if (line === '') continue
    lines++
    const level = /"level":"(\w+)"/.exec(line)?.[1] ?? 'other'
    byLevel[level] = (byLevel[level] ?? 0) + 1
  }
  return { lines, byLevel }
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  if (!Bun.which('wrk')) throw new Error('wrk is not installed: `apt-get install wrk` (.ci/run does)')
  const binary = requireBinary()
  mkdirSync(OUT, { recursive: true })
  const started = new Date()
  const loadBefore = loadavg()[0]!
  const stub = startStubCognito({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET })
  const port = await freePort()
  const logFile = resolve(OUT, 'soak.stdout.log')
  const proc = Bun.spawn(onServerCpu([binary]), {
    cwd: ROOT,
    env: productEnv(stub.url, port),
    stdout: openSync(logFile, 'w'),
    stderr: 'inherit',
  })
  const url = `http://127.0.0.1:${port}`
  try {
    await untilHealthy(url, proc)
    const kinds = kindsFor(await signIn(url))
    await preflight(url, kinds)
    const idleRssMb = procStatus(proc.pid, 'VmRSS')

    const phases: Phase[] = []
    for (let done = 0, n = 1; done < totalRequests; n++) {
      const { phase, sample } = await runPhase(url, kinds, Math.min(phaseRequests, totalRequests - done), `p${n}`)
      phase.rssMb = procStatus(proc.pid, 'VmRSS')
      phase.anonMb = procStatus(proc.pid, 'RssAnon')
      phase.fileMb = procStatus(proc.pid, 'RssFile')
      phase.hwmMb = procStatus(proc.pid, 'VmHWM')
      // From here on the kernel's peak counts only what comes after the first phase (warm-up).
      if (n === 1) resetPeak(proc.pid)
      phases.push(phase)
      done += phase.requests
      console.log(
        `phase ${String(n).padStart(2)}  ${String(phase.requests).padStart(6)} req  ${done.toString().padStart(7)} total  ${phase.reqPerSec.toFixed(0).padStart(5)} req/s  p99 ${phase.p99Ms.toFixed(1).padStart(6)} ms  errors ${phase.socketErrors + phase.unexpected}  RSS ${phase.rssMb.toFixed(1)} MB (anon ${phase.anonMb.toFixed(1)}, file ${phase.fileMb.toFixed(1)})  peak ${phase.hwmMb.toFixed(1)} MB`,
      )
      if (sample) console.log(`  unexpected answers (first few):\n  ${sample.trimEnd().split('\n').join('\n  ')}`)
      if (phase.requests === 0) break
    }

    const requests = phases.reduce((n, p) => n + p.requests, 0)
    const errors = phases.reduce((n, p) => n + p.socketErrors + p.unexpected, 0)
    const seconds = phases.reduce((n, p) => n + p.seconds, 0)
    const counts: Record<string, number> = {}
    for (const p of phases) for (const [k, v] of Object.entries(p.counts)) counts[k] = (counts[k] ?? 0) + v
    const first = phases[0]!
    const last = phases.at(-1)!
    // The kernel's RSS counters are batched per thread: VmHWM read twice can differ by a page or two.
    const peakMb = Math.max(...phases.map((p) => p.hwmMb))
    // The criterion's peak: the highest RSS after the first phase, against the RSS at its end.
    const peakAfterFirstMb = Math.max(first.rssMb, ...phases.slice(1).map((p) => p.hwmMb))
    const rss = { idleMb: idleRssMb, afterFirstPhaseMb: first.rssMb, finalMb: last.rssMb, peakMb, peakAfterFirstMb }
    // Where the peak stopped growing, and how much it grew in the second half of the run: a leak
    // keeps raising it to the end, a heap that has found its working size does not.
    const doneAfter = (index: number) => phases.slice(0, index + 1).reduce((n, p) => n + p.requests, 0)
    const peakPhase = phases.findIndex((p) => p.hwmMb === peakMb)
    const peakReachedAfter = doneAfter(peakPhase)
    const halfway = phases.findIndex((_, i) => doneAfter(i) >= requests / 2)
    const growth = {
      final: rss.finalMb / rss.afterFirstPhaseMb,
      peak: peakMb / rss.afterFirstPhaseMb,
      peakAfterFirst: peakAfterFirstMb / rss.afterFirstPhaseMb,
      peakInSecondHalf:
        Math.max(...phases.slice(halfway + 1).map((p) => p.hwmMb), 0) /
        Math.max(...phases.slice(1, halfway + 1).map((p) => p.hwmMb), first.rssMb),
    }
    proc.kill('SIGTERM')
    await proc.exited
    const log = await logFigures(logFile)
    const upstream = stub.stats()

    const trend = rssTrend(phases, requests)
    const memoryOk = smoke || trend.ratio <= RSS_TREND_LIMIT
    const ok = errors === 0 && requests >= totalRequests && memoryOk
    const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Bun ${Bun.version}${canPin ? ', pinned (server CPU 0, wrk CPU 1; stub unpinned)' : ', not pinned'}`
    const report = {
      date: started.toISOString(),
      machine,
      command: `npm run soak${args.length ? ` -- ${args.join(' ')}` : ''}`,
      product: 'dist/user-service',
      loadAverage: { before: loadBefore, after: loadavg()[0]! },
      connections: CONNECTIONS,
      requests,
      errors,
      seconds,
      reqPerSec: requests / seconds,
      rss,
      growth,
      trend,
      peakReachedAfter,
      // Lines the product wrote, over every request it answered (the preflight's included).
      logLinesPerRequest: log.lines / (requests + kinds.length + 2),
      logLinesByLevel: log.byLevel,
      requestsByKind: counts,
      upstreamCallsByOperation: upstream.byOperation,
      upstreamConnections: upstream.connections,
      phases,
      passed: ok,
    }
    const file = resolve(OUT, `soak-${started.toISOString().replace(/[:.]/g, '-')}.json`)
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`)
    console.log(
      `\n${report.date} · ${machine} · load average ${loadBefore.toFixed(1)} -> ${report.loadAverage.after.toFixed(1)}`,
    )
    console.log(
      `${report.command} · ${requests} requests in ${phases.length} phases · ${seconds.toFixed(1)} s under load · ${report.reqPerSec.toFixed(0)} req/s · errors ${errors}`,
    )
    console.log(
      `mix: ${Object.entries(counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    )
    console.log(
      `RSS: idle ${rss.idleMb.toFixed(1)} MB, after the first ${first.requests} ${rss.afterFirstPhaseMb.toFixed(1)} MB, final ${rss.finalMb.toFixed(1)} MB (${growth.final.toFixed(3)}×), peak after the first phase ${rss.peakAfterFirstMb.toFixed(1)} MB (${growth.peakAfterFirst.toFixed(3)}×; the second half's over the first's ${growth.peakInSecondHalf.toFixed(3)}×), peak since start ${rss.peakMb.toFixed(1)} MB (${growth.peak.toFixed(3)}×, in phase ${peakPhase + 1} of ${phases.length}, after ${peakReachedAfter} requests)`,
    )
    console.log(
      `trend after the warm-up (${trend.samples} samples): last quarter ${trend.lastQuarterMb.toFixed(1)} MB over the second ${trend.secondQuarterMb.toFixed(1)} MB = ${trend.ratio.toFixed(3)}×, slope ${trend.slopeMbPer100k.toFixed(2)} MB per 100k requests${smoke ? ' (not asserted in --smoke)' : `, limit ${RSS_TREND_LIMIT}×`}`,
    )
    console.log(
      `log: ${log.lines} lines, ${report.logLinesPerRequest.toFixed(3)} per request, by level ${json(log.byLevel)} · upstream: ${json(upstream.byOperation)} over ${upstream.connections} connections`,
    )
    console.log(`JSON: ${file}`)
    if (!ok)
      console.error(
        `soak FAILED: ${errors} errors${requests < totalRequests ? `, ${requests} of ${totalRequests} requests` : ''}${memoryOk ? '' : ', RSS trends upward past the limit'}`,
      )
    return ok ? 0 : 1
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL')
    stub.stop()
  }
}

/**
 * Whether RSS still grows after the warm-up: the phases' end-of-phase RSS after the first
 * WARM_UP_FRACTION of `requests`, split in quarters; `ratio` is the last quarter's mean over the
 * second's, `slopeMbPer100k` the least-squares slope of RSS against requests done.
 */
function rssTrend(phases: Phase[], requests: number) {
  let done = 0
  const samples: Array<{ done: number; rssMb: number }> = []
  for (const phase of phases) {
    done += phase.requests
    if (done > requests * WARM_UP_FRACTION) samples.push({ done, rssMb: phase.rssMb })
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1)
  const quarter = Math.max(1, Math.floor(samples.length / 4))
  const secondQuarterMb = mean(samples.slice(quarter, 2 * quarter).map((s) => s.rssMb))
  const lastQuarterMb = mean(samples.slice(-quarter).map((s) => s.rssMb))
  const meanDone = mean(samples.map((s) => s.done))
  const meanRss = mean(samples.map((s) => s.rssMb))
  const covariance = samples.reduce((sum, s) => sum + (s.done - meanDone) * (s.rssMb - meanRss), 0)
  const variance = samples.reduce((sum, s) => sum + (s.done - meanDone) ** 2, 0)
  return {
    samples: samples.length,
    secondQuarterMb,
    lastQuarterMb,
    ratio: secondQuarterMb > 0 ? lastQuarterMb / secondQuarterMb : 0,
    slopeMbPer100k: variance > 0 ? (covariance / variance) * 100_000 : 0,
  }
}

try {
  process.exit(await main())
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
}
