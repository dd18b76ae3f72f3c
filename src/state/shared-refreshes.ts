// Refreshes of one rotating refresh token coalesced across tasks. Two tabs refreshing at once may
// reach two tasks: the first to claim the token (SET NX) asks Cognito and keeps the answer for
// ANSWER_WINDOW_MS, sealed (AES-256-GCM, RFC 5116, the key derived from the state key with
// HKDF-SHA-256, as the challenge session is sealed); another task, or a retry, within that window
// gets the same tokens instead of presenting a token Cognito has rotated away. After the window
// the token is known as spent until SPENT_MS: another use is a 401 invalid_token whose cause is a
// RefreshTokenReused (the route's auth event says so), where Cognito would still honour it for the
// rest of its grace period. The key is a keyed hash of the token, never the token.
// While the store cannot answer, each task asks Cognito itself (its grace period covers the race).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { ProblemError } from '../http/problem.ts'
import type { Logger } from '../logging.ts'
import type { KeyedHash } from './keyed-hash.ts'
import { UNAVAILABLE, type Store } from './store-types.ts'

/**
 * How long an answer is handed out again: a few seconds, and no longer than the app client's grace
 * period (RetryGracePeriodSeconds; the CDK stack's default is 10 s), so the tokens handed out are
 * ones Cognito would have issued for the same token anyway.
 */
export const ANSWER_WINDOW_MS = 5000
/** How long a used token is remembered as spent: past Cognito's longest grace period (60 s). */
export const SPENT_MS = 120_000
// While another task holds the claim: how often to look for its answer, and for how long at most.
const POLL_MS = 25
const IV_BYTES = 12
const TAG_BYTES = 16
const PENDING = 'pending'

/** A refresh token used again after its answer window: the holder must sign in again. */
export class RefreshTokenReused extends Error {
  override readonly name = 'RefreshTokenReused'
  constructor() {
    super('refresh token used again after its answer window')
  }
}

/** The auth event of a refresh refused for reuse (a stolen token, or a client that kept an old one). */
export const REFRESH_TOKEN_REUSED_EVENT = 'refresh_token_reused'

/** Whether `error` is the 401 of a refresh token used again after its answer window. */
export const isReusedRefreshToken = (error: unknown): boolean =>
  error instanceof ProblemError && error.cause instanceof RefreshTokenReused

/** One Cognito refresh per token across tasks; the same answer to every use within the window. */
export type SharedRefresh<T> = (refreshToken: string, run: () => Promise<T>) => Promise<T>

export interface SharedRefreshesOptions {
  store: Store
  /** The keyed hash of the `refresh-answer` purpose (the key names no token). */
  hash: KeyedHash
  /** The 32-byte sealing key of the answers (createStateKeys(..).key('refresh-answer')). */
  sealingKey: Buffer
  logger: Logger
  /** How long a task waits for another task's answer before asking Cognito itself (the Cognito deadline). */
  waitMs: number
  /** Told each time a refresh went to Cognito without the store (it could not answer). */
  onFallback?: () => void
  now?: () => number
}

/** @throws ProblemError invalid_token (cause RefreshTokenReused) for a token used again after its window; whatever `run` throws. */
export function shareRefreshes<T>({
  store,
  hash,
  sealingKey,
  logger,
  waitMs,
  onFallback,
  now = Date.now,
}: SharedRefreshesOptions): SharedRefresh<T> {
  const seal = (answer: T): string => {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', sealingKey, iv)
    const body = Buffer.concat([
      cipher.update(JSON.stringify({ answer, until: now() + ANSWER_WINDOW_MS })),
      cipher.final(),
    ])
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
  }
  const open = (sealed: string): { answer: T; until: number } | undefined => {
    try {
      const bytes = Buffer.from(sealed, 'base64url')
      const decipher = createDecipheriv('aes-256-gcm', sealingKey, bytes.subarray(0, IV_BYTES))
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
      const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()])
      return JSON.parse(plain.toString('utf8'))
    } catch {
      logger.warn('state store: an unreadable refresh answer was ignored')
      return undefined
    }
  }
  const reused = () => new ProblemError('invalid_token', undefined, { cause: new RefreshTokenReused() })
  const alone = (run: () => Promise<T>) => {
    onFallback?.()
    return run()
  }

  /** The answer another task keeps (or is about to keep) for `key`; undefined: none to be had, ask Cognito. */
  const answerOf = async (key: string): Promise<T | undefined | typeof UNAVAILABLE> => {
    const giveUpAt = now() + waitMs
    for (;;) {
      const value = await store.command(key, ['GET', key])
      if (value === UNAVAILABLE || value === null) return value === null ? undefined : UNAVAILABLE
      if (value !== PENDING) {
        const opened = open(String(value))
        if (opened === undefined) return undefined
        if (now() > opened.until) throw reused()
        return opened.answer
      }
      if (now() >= giveUpAt) return undefined
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }

  return async (refreshToken, run) => {
    const key = `refresh:${hash(refreshToken)}`
    const claimed = await store.command(key, ['SET', key, PENDING, 'NX', 'PX', String(waitMs)])
    if (claimed === UNAVAILABLE) return alone(run)
    if (claimed === null) {
      const answer = await answerOf(key)
      if (answer === UNAVAILABLE) return alone(run)
      if (answer !== undefined) return answer
      return run()
    }
    try {
      const answer = await run()
      await store.command(key, ['SET', key, seal(answer), 'PX', String(SPENT_MS)])
      return answer
    } catch (error) {
      // A refused token may be fixed by nothing, but a failed call (a timeout) may be tried again.
      await store.command(key, ['DEL', key])
      throw error
    }
  }
}
