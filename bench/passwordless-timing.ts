// How long POST /signin/passwordless takes per kind of email: a confirmed account (Cognito answers
// the challenge, the session is real), an unknown email and an unconfirmed account (Cognito refuses,
// the session is a decoy). The answers are the same byte for byte (test/integration/
// passwordless-enumeration.test.ts); this measures whether their timing tells them apart. The starts
// are interleaved (one of each kind per turn, in a new random order each turn), so that a burst of
// other load on a shared machine falls on every kind alike. Matching medians is not enough (a decoy
// held to one fixed duration has the real median and none of the real spread), so each decoy kind's
// durations are compared with the confirmed ones as distributions: the two-sample
// Kolmogorov–Smirnov statistic (the largest gap between the two empirical CDFs) against its 5%
// critical value.
//   bun bench/passwordless-timing.ts [--starts N] [--latency-ms N] [--send-ms N]
// runs it alone: the stub Cognito (answering every call --latency-ms late, and a start that sends a
// code --send-ms later still, as Cognito's email sending does) and the product from source.
import { resolve } from 'node:path'
import { BENCH_USER } from '../test/support/stub-cognito.ts'
import { freePort } from '../test/support/util.ts'
import { median, numberOption, onServerCpu, productEnv, ROOT, startStub, untilHealthy } from './harness.ts'

export const PASSWORDLESS_KINDS = ['confirmed', 'unknown', 'unconfirmed'] as const
export type PasswordlessKind = (typeof PASSWORDLESS_KINDS)[number]
type DecoyKind = Exclude<PasswordlessKind, 'confirmed'>
const DECOY_KINDS: readonly DecoyKind[] = ['unknown', 'unconfirmed']

export interface PasswordlessTiming {
  /** Starts per kind. */
  starts: number
  /** Median milliseconds per kind, as the client sees them. */
  medianMs: Record<PasswordlessKind, number>
  /** 90th percentile milliseconds per kind. */
  p90Ms: Record<PasswordlessKind, number>
  /** The slowest median over the fastest, minus one (0.1: 10% apart). */
  spread: number
  /** Two-sample Kolmogorov–Smirnov statistic of each decoy kind against the confirmed starts. */
  ks: Record<DecoyKind, number>
  /** The KS statistic above which two samples of `starts` differ at the 5% level. */
  ksCritical: number
}

/** The `q` quantile (0..1) of `values`, the nearest rank. */
export const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

/** The largest gap between the empirical CDFs of `a` and `b` (0: alike, 1: apart). */
export function ksStatistic(a: number[], b: number[]): number {
  const x = [...a].sort((p, q) => p - q)
  const y = [...b].sort((p, q) => p - q)
  let i = 0
  let j = 0
  let gap = 0
  while (i < x.length && j < y.length) {
    const at = Math.min(x[i]!, y[j]!)
    while (i < x.length && x[i]! <= at) i++
    while (j < y.length && y[j]! <= at) j++
    gap = Math.max(gap, Math.abs(i / x.length - j / y.length))
  }
  return gap
}

/** The 5% critical value of the KS statistic for samples of n and m (Smirnov's asymptotic c(α) = 1.358). */
export const ksCritical = (n: number, m: number) => 1.358 * Math.sqrt((n + m) / (n * m))

const postJson = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

/**
 * `starts` interleaved passwordless starts (method email_otp) of each kind against the service at
 * `url` (rate limits off), after signing up the unconfirmed account through it.
 * @throws Error when a start is not answered 200.
 */
export async function passwordlessStartTiming(url: string, starts: number): Promise<PasswordlessTiming> {
  const run = `${process.pid}-${Date.now()}`
  const unconfirmed = `bench-unconfirmed-${run}@bench.example`
  const signedUp = await postJson(`${url}/signup`, { email: unconfirmed, password: 'Bench-Passw0rd!', nickname: 'b' })
  if (signedUp.status !== 201) throw new Error(`passwordless timing: sign-up answered ${signedUp.status}`)
  const emailOf: Record<PasswordlessKind, (i: number) => string> = {
    confirmed: () => BENCH_USER.email,
    unknown: (i) => `bench-unknown-${run}-${i}@bench.example`,
    unconfirmed: () => unconfirmed,
  }
  const samples = Object.fromEntries(PASSWORDLESS_KINDS.map((k) => [k, [] as number[]])) as Record<
    PasswordlessKind,
    number[]
  >
  for (let i = 0; i < starts; i++) {
    const order = [...PASSWORDLESS_KINDS].sort(() => Math.random() - 0.5)
    for (const kind of order) {
      const startedAt = performance.now()
      const res = await postJson(`${url}/signin/passwordless`, { email: emailOf[kind](i), method: 'email_otp' })
      await res.arrayBuffer()
      samples[kind].push(performance.now() - startedAt)
      if (res.status !== 200) throw new Error(`passwordless timing: ${kind} start answered ${res.status}`)
    }
  }
  const perKind = (of: (values: number[]) => number) =>
    Object.fromEntries(PASSWORDLESS_KINDS.map((k) => [k, of(samples[k])])) as Record<PasswordlessKind, number>
  const medianMs = perKind(median)
  const medians = Object.values(medianMs)
  return {
    starts,
    medianMs,
    p90Ms: perKind((values) => quantile(values, 0.9)),
    spread: Math.max(...medians) / Math.min(...medians) - 1,
    ks: Object.fromEntries(DECOY_KINDS.map((k) => [k, ksStatistic(samples[k], samples.confirmed)])) as Record<
      DecoyKind,
      number
    >,
    ksCritical: ksCritical(starts, starts),
  }
}

/** The timing as a markdown table for the report. */
export function passwordlessTimingTable(timing: PasswordlessTiming): string {
  const ks = (k: PasswordlessKind) => (k === 'confirmed' ? '' : timing.ks[k].toFixed(3))
  const rows = PASSWORDLESS_KINDS.map(
    (k) => `| ${k} | ${timing.medianMs[k].toFixed(2)} | ${timing.p90Ms[k].toFixed(2)} | ${ks(k)} |`,
  )
  const apart = DECOY_KINDS.filter((k) => timing.ks[k] > timing.ksCritical)
  return [
    `POST /signin/passwordless, ${timing.starts} interleaved starts per kind (product); medians ${(timing.spread * 100).toFixed(1)}% apart; KS against confirmed, 5% critical value ${timing.ksCritical.toFixed(3)}: ${apart.length ? `${apart.join(', ')} told apart` : 'not told apart'}`,
    '',
    '| kind | median ms | p90 ms | KS vs confirmed |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n')
}

// Run alone: the stub and the product from source, each in its own process, for a few seconds.
/** How long a start waits for Cognito when `npm run bench` measures it: each call, and the email's sending. */
export const BENCH_LATENCY = { latencyMs: 10, sendMs: 20 }

/**
 * The timing measured on a product of its own (`command`, the product from source by default)
 * over a stub Cognito that answers every call `latencyMs` late over TLS and a start that sends a
 * code `sendMs` later still: a Cognito that answers at once would show only the timers' millisecond.
 */
export async function passwordlessTimingAlone(options: {
  starts: number
  latencyMs: number
  sendMs: number
  command?: string[]
}): Promise<PasswordlessTiming & { latencyMs: number; sendMs: number }> {
  const { starts, latencyMs, sendMs } = options
  const stub = await startStub({ tls: latencyMs > 0, latencyMs, sendMs })
  const port = await freePort()
  const product = Bun.spawn(onServerCpu(options.command ?? [process.execPath, resolve(ROOT, 'src/main.ts')]), {
    cwd: ROOT,
    env: productEnv(stub.url, port, stub.caFile),
    stdout: 'ignore',
    stderr: 'inherit',
  })
  try {
    const url = `http://127.0.0.1:${port}`
    await untilHealthy(url, product)
    return { ...(await passwordlessStartTiming(url, starts)), latencyMs, sendMs }
  } finally {
    product.kill('SIGKILL')
    stub.proc.kill('SIGKILL')
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2)
  const latencyMs = numberOption(args, '--latency-ms') ?? 0
  const sendMs = numberOption(args, '--send-ms') ?? 0
  const timing = await passwordlessTimingAlone({ starts: numberOption(args, '--starts') ?? 200, latencyMs, sendMs })
  console.log(`stub latency ${latencyMs} ms, code sending ${sendMs} ms\n${passwordlessTimingTable(timing)}`)
}
