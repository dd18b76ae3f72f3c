// How long POST /signin/passwordless takes per kind of email: a confirmed account (Cognito answers
// the challenge, the session is real), an unknown email and an unconfirmed account (Cognito refuses,
// the session is a decoy). The answers are the same byte for byte (test/integration/
// passwordless-enumeration.test.ts); this measures whether their timing tells them apart. The starts
// are interleaved (one of each kind per turn, in a new random order each turn), so that a burst of
// other load on a shared machine falls on every kind alike, and reported as medians.
import { BENCH_USER } from '../test/support/stub-cognito.ts'
import { median } from './harness.ts'

export const PASSWORDLESS_KINDS = ['confirmed', 'unknown', 'unconfirmed'] as const
export type PasswordlessKind = (typeof PASSWORDLESS_KINDS)[number]

export interface PasswordlessTiming {
  /** Starts per kind. */
  starts: number
  /** Median milliseconds per kind, as the client sees them. */
  medianMs: Record<PasswordlessKind, number>
  /** The slowest median over the fastest, minus one (0.1: 10% apart). */
  spread: number
}

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
  const medianMs = Object.fromEntries(PASSWORDLESS_KINDS.map((k) => [k, median(samples[k])])) as Record<
    PasswordlessKind,
    number
  >
  const medians = Object.values(medianMs)
  return { starts, medianMs, spread: Math.max(...medians) / Math.min(...medians) - 1 }
}

/** The timing as a markdown table for the report. */
export function passwordlessTimingTable(timing: PasswordlessTiming): string {
  const rows = PASSWORDLESS_KINDS.map((k) => `| ${k} | ${timing.medianMs[k].toFixed(2)} |`)
  return [
    `POST /signin/passwordless, ${timing.starts} interleaved starts per kind (product), medians; spread ${(timing.spread * 100).toFixed(1)}%`,
    '',
    '| kind | median ms |',
    '|---|---|',
    ...rows,
  ].join('\n')
}
