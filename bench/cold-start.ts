// Cold starts only, in seconds rather than a full `npm run bench`: the compiled product against the
// compiled ceiling (bench/ceiling.ts, the same flags), spawn to the first 200 on /health, the targets
// interleaved run by run, medians. Nothing else should be measuring on the machine meanwhile.
//   bun bench/cold-start.ts                      dist/user-service vs bench/out/ceiling
//   bun bench/cold-start.ts --runs 20 --build    rebuild both first
//   bun bench/cold-start.ts --also /tmp/before   another executable in the same run
//   bun bench/cold-start.ts --signin             also spawn to the first answer of a POST /signin
// (an empty body: a 400 from validation, no Cognito call), which the product answers only once its
// whole API is built, where the first /health needs only the health route (src/app.ts).
// The environment is the benchmark's (bench/harness.ts productEnv: metrics on, behind a proxy).
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { coldStartOnceMs, onServerCpu, productEnv, PRODUCT_BINARY, ROOT, startStub } from './harness.ts'
import { freePort } from '../test/support/util.ts'
import { build } from '../scripts/build.ts'

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runs: { type: 'string', default: '15' },
    build: { type: 'boolean', default: false },
    also: { type: 'string', multiple: true, default: [] },
    signin: { type: 'boolean', default: false },
  },
  strict: true,
})
const runs = Number(values.runs)
const arch = process.arch === 'arm64' ? 'arm64' : 'amd64'
const CEILING = resolve(ROOT, 'bench/out/ceiling')
if (values.build || !existsSync(CEILING)) await build(arch, 'bench/out/ceiling', 'bench/ceiling.ts')
if (values.build || !existsSync(PRODUCT_BINARY)) await build(arch)

const targets: Record<string, string> = { ceiling: CEILING, product: PRODUCT_BINARY }
for (const path of values.also) targets[path] = resolve(path)

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Spawn to the first answer (any status) of POST /signin with an empty JSON body, in ms. */
async function firstSigninMs(path: string, stubUrl: string): Promise<number> {
  const port = await freePort()
  const started = performance.now()
  const proc = Bun.spawn(onServerCpu([path]), { env: productEnv(stubUrl, port), stdout: 'ignore', stderr: 'inherit' })
  try {
    for (;;) {
      try {
        await fetch(`http://127.0.0.1:${port}/signin`, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        })
        return performance.now() - started
      } catch {
        if (proc.exitCode !== null) throw new Error(`${path} exited with ${proc.exitCode}`)
        await Bun.sleep(1)
      }
    }
  } finally {
    proc.kill('SIGKILL')
    await proc.exited
  }
}

const stub = await startStub()
const samples: Record<string, number[]> = {}
const record = (name: string, ms: number) => {
  samples[name] = [...(samples[name] ?? []), ms]
}
try {
  for (let i = 0; i < runs; i++) {
    for (const [name, path] of Object.entries(targets)) {
      record(name, await coldStartOnceMs([path], (port) => productEnv(stub.url, port)))
      if (values.signin) record(`${name} (POST /signin)`, await firstSigninMs(path, stub.url))
    }
  }
} finally {
  stub.proc.kill()
}
const ceiling = median(samples.ceiling!)
for (const [name, ms] of Object.entries(samples)) {
  const m = median(ms)
  const sorted = [...ms].sort((a, b) => a - b)
  process.stdout.write(
    `${name.padEnd(24)} median ${m.toFixed(1)} ms  (${(m / ceiling).toFixed(2)}x ceiling)  min ${sorted[0]!.toFixed(1)}  max ${sorted.at(-1)!.toFixed(1)}  n=${ms.length}\n`,
  )
}
