// What one SECRET_HASH costs the process (src/cognito/secret-hash.ts: Web Crypto's HMAC, run off the
// JavaScript thread and posted back), depending on how much other work each request does around it.
//   taskset -c 0 bun bench/web-crypto-sign.ts
// 64 loops at once, as wrk's 64 connections keep requests in flight: each does `work` µs of busy
// JavaScript, then awaits one hash (or, as the baseline, one resolved promise). The cost of a hash is
// the difference in process CPU (every thread) per request, the least of 5 interleaved rounds; the
// last columns split a round with the hash by thread (Linux schedstat): the JavaScript thread's and
// the others' (Bun's pool, where the HMAC runs).
import { readdirSync, readFileSync } from 'node:fs'
import { createSecretHasher } from '../src/cognito/secret-hash.ts'
import { CLIENT_ID, CLIENT_SECRET } from './harness.ts'

const hash = (await createSecretHasher(CLIENT_ID, CLIENT_SECRET))!
const REQUESTS = 20_000
const IN_FLIGHT = 64

const busy = (microseconds: number) => {
  const until = performance.now() + microseconds / 1000
  while (performance.now() < until);
}

/** Nanoseconds on a CPU so far, per thread id. */
function threadTimes(): Map<string, number> {
  const times = new Map<string, number>()
  for (const id of readdirSync('/proc/self/task'))
    times.set(id, Number(readFileSync(`/proc/self/task/${id}/schedstat`, 'utf8').split(' ')[0]))
  return times
}
const JS_THREAD = String(process.pid)
let lastSplit = { js: 0, others: 0 }

async function cpuPerRequest(workMicroseconds: number, signs: boolean): Promise<number> {
  const loop = async () => {
    for (let i = 0; i < REQUESTS / IN_FLIGHT; i++) {
      busy(workMicroseconds)
      await (signs ? hash(`user-${i}@example.com`) : Promise.resolve())
    }
  }
  const threadsBefore = threadTimes()
  const before = process.cpuUsage()
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop))
  const used = process.cpuUsage(before)
  const split = { js: 0, others: 0 }
  for (const [id, ns] of threadTimes()) split[id === JS_THREAD ? 'js' : 'others'] += ns - (threadsBefore.get(id) ?? 0)
  lastSplit = { js: split.js / 1000 / REQUESTS, others: split.others / 1000 / REQUESTS }
  return (used.user + used.system) / REQUESTS
}

console.log(
  '| other work per request (µs) | CPU µs per request with the hash | without | one hash costs | with the hash: JavaScript thread | other threads |',
)
console.log('| ---: | ---: | ---: | ---: | ---: | ---: |')
for (const work of [0, 5, 20, 50]) {
  let withHash = Infinity
  let without = Infinity
  let split = lastSplit
  for (let round = 0; round < 5; round++) {
    const cpu = await cpuPerRequest(work, true)
    if (cpu < withHash) [withHash, split] = [cpu, lastSplit]
    without = Math.min(without, await cpuPerRequest(work, false))
  }
  const cells = [work, withHash, without, withHash - without, split.js, split.others].map((n, i) =>
    i === 0 ? String(n) : n.toFixed(1),
  )
  console.log(`| ${cells.join(' | ')} |`)
}
