// What a passwordless start answers when Cognito did not answer the asked challenge (an unknown or
// unconfirmed account, one without a passkey or a verified email, one with MFA on, one over its
// code limit): a decoy that looks like a real start and fails like a real session. The parts that
// must look like Cognito's (its session, a WebAuthn challenge) are shaped like the last real ones
// this task handed out; the wrong answers a decoy takes are counted here, as Cognito counts a real
// session's.
import { randomBytes } from 'node:crypto'

// Wrong answers a session takes before it is spent. Cognito does not document the number; the local
// Cognito spends a session at the third (dev/local-cognito/passwordless.cjs), and so does a decoy.
export const DECOY_WRONG_ANSWERS = 3
// Enough for every decoy of a busy task within a session's validity; past it the oldest go first.
const MAX_DECOYS = 50_000
const HEX = /^[0-9a-f]+$/

/** One answer to a decoy: a wrong answer it survives, or one after it was spent. */
export type DecoyOutcome = 'wrong' | 'spent'

export interface Decoys {
  /** Notes a real Cognito session, so that decoy sessions take its length and alphabet. */
  rememberSession(session: string): void
  /** A random stand-in for Cognito's session, shaped like the last real one. */
  session(): string
  /** A new decoy's id. */
  id(): string
  /** Counts one answer to decoy `id` (valid until `expiresAt`, epoch ms). */
  answer(id: string, expiresAt: number): DecoyOutcome
}

/** @param now epoch milliseconds (tests move it). */
export function createDecoys(now: () => number = Date.now): Decoys {
  // Until a real session is seen: the length and alphabet of the local Cognito's.
  let sample = 'f'.repeat(64)
  const answers = new Map<string, { count: number; expiresAt: number }>()
  const dropExpired = () => {
    for (const [id, entry] of answers) {
      if (entry.expiresAt > now() && answers.size < MAX_DECOYS) return
      answers.delete(id)
    }
  }
  return {
    rememberSession(session) {
      sample = session
    },
    session: () => randomLike(sample),
    id: () => randomBytes(16).toString('base64url'),
    answer(id, expiresAt) {
      dropExpired()
      const entry = answers.get(id) ?? { count: 0, expiresAt }
      answers.set(id, { count: entry.count + 1, expiresAt })
      return entry.count >= DECOY_WRONG_ANSWERS ? 'spent' : 'wrong'
    },
  }
}

/** Random characters of `sample`'s length, hex if `sample` is hex, base64url otherwise. */
export function randomLike(sample: string): string {
  if (HEX.test(sample))
    return randomBytes(Math.ceil(sample.length / 2))
      .toString('hex')
      .slice(0, sample.length)
  return randomBytes(Math.ceil((sample.length * 3) / 4))
    .toString('base64url')
    .slice(0, sample.length)
}
