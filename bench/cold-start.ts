// Cold starts only, in seconds rather than a full `npm run bench`: the compiled product against the
// compiled ceiling (bench/ceiling.ts, the same flags), spawn to the first 200 on /health, the targets
// interleaved run by run, medians. Run it under the shared lock:
//   flock /tmp/bench.lock bun bench/cold-start.ts                 dist/user-service vs bench/out/ceiling
//   flock /tmp/bench.lock bun bench/cold-start.ts --runs 20 --build   rebuild both first
//   flock /tmp/bench.lock bun bench/cold-start.ts --also /tmp/before  another executable in the same run
// The environment is the benchmark's (bench/harness.ts productEnv: metrics on, behind a proxy).
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { coldStartOnceMs, productEnv, PRODUCT_BINARY, ROOT, startStub } from './harness.ts'
import { build } from '../scripts/build.ts'

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runs: { type: 'string', default: '15' },
    build: { type: 'boolean', default: false },
    also: { type: 'string', multiple: true, default: [] },
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

const stub = await startStub()
const samples = Object.fromEntries(Object.keys(targets).map((name) => [name, [] as number[]]))
try {
  for (let i = 0; i < runs; i++) {
    for (const [name, path] of Object.entries(targets)) {
      samples[name]!.push(await coldStartOnceMs([path], (port) => productEnv(stub.url, port)))
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
