// `sudo npx bun scripts/measure.ts` (after `npm run build`): the binary and image sizes in
// docs/performance.md. Root is needed to assemble the runtime image's files (ownership as in the image).
//
// - binary size per architecture (dist/), raw and gzip-compressed (what a registry stores);
// - runtime image content: the Debian packages distroless base-nossl-debian12 is made of, unpacked
//   (an estimate of distroless's layer: the real one is built by distroless from the same packages),
//   plus the binary;
// - cold start: from spawning the x64 binary to its first 200 on /health, median of 10 runs;
// - RSS: idle (2 s after the first 200), then after a load through the local Cognito (sign-ups and
//   sign-ins through the gateway, and /health), with the peak (VmHWM).
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startEmulator } from '../dev/local-cognito/emulator.ts'
import { provision } from '../dev/local-cognito/provision.ts'
import { processEnv } from '../src/config.ts'
import { freePort } from '../test/support/util.ts'
import { TARGETS, type Arch } from './build.ts'
import { assembleRuntimeRoot, RUNTIME_PACKAGES } from './image/runtime-root.ts'

const ROOT = resolve(import.meta.dir, '..')
const BINARY = resolve(ROOT, TARGETS.amd64.outfile)
const MiB = 2 ** 20
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`

/** Total size of the regular files and links under a folder (what a layer tarball holds). */
function contentSize(dir: string): number {
  let total = 0
  for (const name of readdirSync(dir)) {
    const stat = lstatSync(join(dir, name))
    total += stat.isDirectory() ? contentSize(join(dir, name)) : stat.size
  }
  return total
}

/** Size of a folder or file as a gzip-compressed tarball (how image layers are pushed and stored). */
function gzipSize(cwd: string, entry: string): number {
  const tar = Bun.spawnSync(['tar', '-C', cwd, '-cf', '-', entry], { stdout: 'pipe' })
  return Bun.gzipSync(tar.stdout).length
}

function sizes(): void {
  for (const arch of Object.keys(TARGETS) as Arch[]) {
    const path = resolve(ROOT, TARGETS[arch].outfile)
    const size = Bun.file(path).size
    console.log(
      `binary ${arch}: ${mib(size)} (${size} bytes), gzip ${mib(gzipSize(resolve(path, '..'), TARGETS[arch].outfile.split('/').pop()!))}`,
    )
  }
  const root = mkdtempSync(join(tmpdir(), 'user-service-measure-'))
  try {
    assembleRuntimeRoot(root, 'amd64')
    const base = contentSize(root)
    const binary = Bun.file(BINARY).size
    console.log(
      `distroless layer estimate (${RUNTIME_PACKAGES.join(', ')}): ${mib(base)}, gzip ${mib(gzipSize(root, '.'))}`,
    )
    console.log(`runtime image content (x64): ${mib(base + binary)}`)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

const rss = (pid: number, field: 'VmRSS' | 'VmHWM') => {
  const kb = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
  return kb * 1024
}

function spawnBinary(env: Record<string, string>) {
  return Bun.spawn([BINARY], { env, stdin: 'ignore', stdout: 'ignore', stderr: 'inherit' })
}

/** Milliseconds from spawn to the first 200 on /health (polling as fast as connections are refused). */
async function firstHealthy(
  env: Record<string, string>,
): Promise<{ ms: number; proc: ReturnType<typeof spawnBinary> }> {
  const url = `http://127.0.0.1:${env.PORT}/health`
  const begun = performance.now()
  const proc = spawnBinary(env)
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.status === 200,
      () => false,
    )
    if (ok) return { ms: performance.now() - begun, proc }
    if (proc.exitCode !== null) throw new Error(`the binary exited with ${proc.exitCode}`)
    await Bun.sleep(1)
  }
}

/** Runs `count` requests, `concurrency` at a time. */
async function load(count: number, concurrency: number, one: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await one(next++)
    }),
  )
}

async function runtime(): Promise<void> {
  const config = {
    COGNITO_USER_POOL_ID: 'ap-northeast-2_Measure1',
    COGNITO_CLIENT_ID: 'measure',
    COGNITO_ENDPOINT: 'http://127.0.0.1:9',
    LOG_LEVEL: 'warn',
  }
  const starts: number[] = []
  for (let run = 0; run < 10; run++) {
    const { ms, proc } = await firstHealthy({ ...config, PORT: String(await freePort()) })
    starts.push(ms)
    proc.kill('SIGKILL')
    await proc.exited
  }
  starts.sort((a, b) => a - b)
  const median = (starts[4]! + starts[5]!) / 2
  console.log(
    `cold start to first /health 200 (x64, 10 runs): median ${median.toFixed(0)} ms, min ${starts[0]!.toFixed(0)}, max ${starts[9]!.toFixed(0)}`,
  )

  const dataDir = mkdtempSync(join(tmpdir(), 'user-service-measure-cognito-'))
  const emulator = await startEmulator({ dataDir, port: await freePort(), env: processEnv() })
  try {
    const pool = await provision(emulator.endpoint)
    const port = String(await freePort())
    const { proc } = await firstHealthy({
      PORT: port,
      COGNITO_USER_POOL_ID: pool.userPoolId,
      COGNITO_CLIENT_ID: pool.clientId,
      COGNITO_CLIENT_SECRET: pool.clientSecret,
      COGNITO_ENDPOINT: emulator.endpoint,
      COGNITO_ISSUER: `${emulator.endpoint}/${pool.userPoolId}`,
      LOG_LEVEL: 'warn',
    })
    await Bun.sleep(2000)
    console.log(`idle RSS (x64): ${mib(rss(proc.pid, 'VmRSS'))}`)
    const base = `http://127.0.0.1:${port}`
    const postJson = (path: string, body: unknown) =>
      fetch(base + path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.arrayBuffer())
    const users = 300
    const password = 'MeasureLocal1234@'
    await load(users, 20, (i) => postJson('/signup', { email: `measure${i}@example.com`, password, nickname: 'm' }))
    await load(users, 20, (i) => postJson('/signin', { email: `measure${i}@example.com`, password }))
    await load(10_000, 50, () => fetch(`${base}/health`).then((r) => r.arrayBuffer()))
    console.log(
      `RSS after ${users} sign-ups, ${users} sign-ins and 10000 /health (x64): ${mib(rss(proc.pid, 'VmRSS'))}, peak ${mib(rss(proc.pid, 'VmHWM'))}`,
    )
    proc.kill('SIGTERM')
    await proc.exited
  } finally {
    await emulator.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

sizes()
await runtime()
