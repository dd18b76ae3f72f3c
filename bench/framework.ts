// What Elysia itself costs per request: a minimal Elysia app (a `/health` string and a `/signin` with
// a two-field body schema and a response schema, served by Bun.serve with the app's handler, as
// src/main.ts serves the product) against a raw Bun.serve answering the same, under the benchmark's
// load (wrk, 64 connections, server on CPU 0, wrk on CPU 1). No Cognito, no logging: only the
// framework's share.
//   bun bench/framework.ts [--rounds N] [--seconds S]
// One process serves one variant: `bun bench/framework.ts --serve raw|elysia` (what the runner spawns).
import { readFileSync } from 'node:fs'
import { Elysia, t } from 'elysia'
import { numberOption, onLoadCpu, onServerCpu, ROOT } from './harness.ts'
import { freePort } from '../test/support/util.ts'

const args = process.argv.slice(2)
const served = args.includes('--serve') ? args[args.indexOf('--serve') + 1] : undefined

if (served !== undefined) {
  const port = Number(process.env.PORT)
  const answer = (body: { email: string; password: string }) => ({ token: body.email, idToken: body.password })
  if (served === 'raw')
    Bun.serve({
      port,
      development: false,
      routes: {
        '/health': () => new Response('OK'),
        '/signin': { POST: async (request) => Response.json(answer((await request.json()) as never)) },
      },
    })
  else {
    const app = new Elysia()
      .get('/health', () => 'OK')
      .post('/signin', ({ body }) => answer(body), {
        body: t.Object({ email: t.String(), password: t.String() }),
        response: { 200: t.Object({ token: t.String(), idToken: t.String() }) },
      })
    Bun.serve({ port, development: false, fetch: app.handle })
  }
} else {
  const rounds = numberOption(args, '--rounds') ?? 3
  const seconds = numberOption(args, '--seconds') ?? 4
  const cpuMicroseconds = (pid: number) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10_000
  }
  const load = async (port: number, path: string, durationS: number) => {
    const body = path === '/signin' ? JSON.stringify({ email: 'a@example.com', password: 'Bench-Passw0rd!' }) : ''
    const wrk = Bun.spawn(
      onLoadCpu([
        'wrk',
        '-t1',
        '-c64',
        `-d${durationS}s`,
        '-s',
        `${ROOT}/bench/wrk.lua`,
        `http://127.0.0.1:${port}${path}`,
      ]),
      { env: { ...process.env, BENCH_METHOD: body ? 'POST' : 'GET', BENCH_BODY: body }, stdout: 'pipe' },
    )
    const out = await new Response(wrk.stdout).text()
    return JSON.parse(out.split('BENCH_JSON ')[1]!) as { requests: number; status: number }
  }
  const best: Record<string, number> = {}
  for (let round = 0; round < rounds; round++)
    for (const variant of ['raw', 'elysia'])
      for (const path of ['/health', '/signin']) {
        const port = await freePort()
        const server = Bun.spawn(onServerCpu(['bun', `${ROOT}/bench/framework.ts`, '--serve', variant]), {
          env: { ...process.env, PORT: String(port) },
        })
        for (;;) {
          const up = await fetch(`http://127.0.0.1:${port}/health`).then(
            (r) => r.ok,
            () => false,
          )
          if (up) break
          await Bun.sleep(20)
        }
        await load(port, path, 1)
        const before = cpuMicroseconds(server.pid)
        const result = await load(port, path, seconds)
        const perRequest = (cpuMicroseconds(server.pid) - before) / result.requests
        server.kill()
        await server.exited
        if (result.status > 0) throw new Error(`${variant} ${path}: ${result.status} non-2xx answers`)
        const key = `${path} ${variant}`
        best[key] = Math.min(best[key] ?? Infinity, perRequest)
      }
  console.log(`server CPU µs per request, least of ${rounds} rounds of ${seconds} s`)
  for (const path of ['/health', '/signin'])
    console.log(
      `${path.padEnd(8)} raw Bun.serve ${best[`${path} raw`]!.toFixed(1)}  Elysia ${best[`${path} elysia`]!.toFixed(1)}`,
    )
}
