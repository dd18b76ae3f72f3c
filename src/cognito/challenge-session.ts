// The `session` a client holds between a challenge and its answer. A challenge answer must name the
// user by the actual username (USER_ID_FOR_SRP, a UUID when email is the sign-in alias), never the
// email, and its SECRET_HASH is computed over that name (RespondToAuthChallenge, ChallengeResponses:
// "The value of the USERNAME attribute must be the user's actual username, not an alias"). The
// service runs as several tasks with no sticky sessions, so what the answer needs travels with the
// client: the session handed out is Cognito's, prefixed with a small JSON object (SessionClaims) that
// names the username to answer with (or marks a decoy), the account the answers count against and
// an expiry. New fields can be added to it; a reader ignores fields it does not know.
//
// With a client secret the prefix is sealed (AES-256-GCM, RFC 5116, with Cognito's session as the
// associated data; the key derived from the secret with HKDF-SHA-256, RFC 5869): the client can
// neither read it (an enumeration-safe start must not show which accounts have a username, nor which
// sessions are decoys) nor move it to another session. Without a secret (a public app client) there
// is no key every task shares, so the prefix is plain base64url: Cognito still binds each session to
// its user, so an edited prefix only earns a refusal, but a client can read it (docs/security.md).
// node:crypto, synchronous: the rate limiter opens the sealed account before the route runs, and a
// hook that awaits would make every route's handler await (src/policies/rate-limits.ts).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { ProblemError } from '../http/problem.ts'

const ALGORITHM = 'aes-256-gcm'
const SEALED = 'u2.'
const PLAIN = 'u1.'
const IV_BYTES = 12
const TAG_BYTES = 16
// The claims are padded (with JSON whitespace) to a multiple of this many bytes before sealing, so
// that the sealed length does not tell a decoy's claims from a real session's.
const PADDED_TO = 256
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** What a challenge's answer needs, sealed into the session the client holds. */
export interface SessionClaims {
  /** The actual Cognito username to answer with; absent for a decoy and a selection. */
  username?: string
  /** A decoy's id: the session of a start Cognito did not answer with the asked challenge; it never signs in. */
  decoy?: string
  /** The service's own SELECT_CHALLENGE: the email whose first factor the answer chooses. */
  selectionFor?: string
  /** The rate-limit account its answers count against (a keyed hash of the email, never the email). */
  account: string
  /**
   * The password the sign-in started with is in the breach corpus (checked after Cognito accepted
   * it): the tokens at the end of the sign-in say so.
   */
  passwordBreached?: true
  /** A WEB_AUTHN start: digests of the account's passkey ids, random for a decoy (unknown-passkey.ts). */
  passkeys?: string[]
  /** The account has more passkeys than `passkeys` holds: no answer is called unknown. */
  passkeysPartial?: true
  /** Epoch milliseconds after which the session answers session_expired. */
  expiresAt: number
}

/** Sealed claims with Cognito's session (for a decoy or a selection, random characters). */
export interface OpenedSession {
  claims: SessionClaims
  session: string
}

export interface ChallengeSessions {
  /**
   * The session value for the client: `u2.<sealed claims>.<session>` (or `u1.<base64url claims>.<session>`
   * without a client secret), expiring `validityMs` from now.
   * @param session Cognito's opaque `Session` (20 to 2048 characters).
   */
  seal(claims: Omit<SessionClaims, 'expiresAt'>, session: string): string
  /**
   * The claims and Cognito's session from what the client sent back.
   * @throws ProblemError session_expired for a value that does not open (edited, sealed by another
   * key, not a session of this service) or whose expiry has passed.
   */
  open(clientValue: string): OpenedSession
}

/**
 * @param clientSecret the app client's secret; the sealing key is derived from it.
 * @param validityMs how long a sealed session opens: the app client's AuthSessionValidity.
 * @param now epoch milliseconds (tests move it).
 */
export function createChallengeSessions(
  clientSecret: string | undefined,
  validityMs: number,
  now: () => number = Date.now,
): ChallengeSessions {
  const key = clientSecret === undefined ? undefined : sealingKey(clientSecret)
  const expired = () => new ProblemError('session_expired')

  const readClaims = (bytes: Uint8Array): SessionClaims => {
    let claims: unknown
    try {
      claims = JSON.parse(decoder.decode(bytes))
    } catch {
      throw expired()
    }
    const { account, expiresAt } = (claims ?? {}) as Partial<SessionClaims>
    if (typeof account !== 'string' || typeof expiresAt !== 'number' || expiresAt <= now()) throw expired()
    return claims as SessionClaims
  }

  return {
    seal(claims, session) {
      const json = JSON.stringify({ ...claims, expiresAt: now() + validityMs })
      const payload = encoder.encode(json.padEnd(Math.ceil(json.length / PADDED_TO) * PADDED_TO))
      if (!key) return `${PLAIN}${Buffer.from(payload).toString('base64url')}.${session}`
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv(ALGORITHM, key, iv).setAAD(encoder.encode(session))
      const sealed = Buffer.concat([iv, cipher.update(payload), cipher.final(), cipher.getAuthTag()])
      return `${SEALED}${sealed.toString('base64url')}.${session}`
    },

    open(clientValue) {
      const prefix = clientValue.slice(0, 3)
      const end = clientValue.indexOf('.', 3)
      // With a secret only sealed values are handed out: a plain one was written by the client.
      if (prefix !== (key ? SEALED : PLAIN) || end === -1) throw expired()
      const carried = Buffer.from(clientValue.slice(3, end), 'base64url')
      const session = clientValue.slice(end + 1)
      if (!key) return { claims: readClaims(carried), session }
      if (carried.length <= IV_BYTES + TAG_BYTES) throw expired()
      let payload: Buffer
      try {
        const decipher = createDecipheriv(ALGORITHM, key, carried.subarray(0, IV_BYTES))
          .setAAD(encoder.encode(session))
          .setAuthTag(carried.subarray(carried.length - TAG_BYTES))
        payload = Buffer.concat([
          decipher.update(carried.subarray(IV_BYTES, carried.length - TAG_BYTES)),
          decipher.final(),
        ])
      } catch {
        throw expired()
      }
      return { claims: readClaims(payload), session }
    },
  }
}

/** The AES-256-GCM key from the client secret (HKDF-SHA-256, a fixed salt and purpose label). */
function sealingKey(clientSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', clientSecret, 'user-service', 'challenge session claims v3', 32))
}
