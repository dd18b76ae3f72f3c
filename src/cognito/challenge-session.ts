// The `session` a client holds between a challenge and its answer. A challenge answer must name the
// user by the actual username (USER_ID_FOR_SRP, a UUID when email is the sign-in alias), never the
// email, and its SECRET_HASH is computed over that name (RespondToAuthChallenge, ChallengeResponses:
// "The value of the USERNAME attribute must be the user's actual username, not an alias"). The
// service runs as several tasks with no sticky sessions, so what the answer needs travels with the
// client: the session handed out is Cognito's, prefixed with a small JSON object (SessionClaims) that
// names the username to answer with (or marks a decoy), the account the answers count against and
// an expiry. New fields can be added to it; a reader ignores fields it does not know.
//
// With a client secret the claims are sealed (AES-256-GCM, RFC 5116; the key derived from the secret
// with HKDF-SHA-256, RFC 5869; Web Crypto on every runtime): the client can neither read them (an
// enumeration-safe start must not show which accounts have a username, nor which sessions are decoys)
// nor edit them. One claim travels in clear beside the sealed part: the rate-limit account, already a
// keyed hash (never the email), because the rate limiter must read it synchronously before the route
// runs (a hook that awaits would make every route's handler await: src/policies/rate-limits.ts), and
// Web Crypto only decrypts asynchronously. It is bound to the seal all the same: the associated data
// is the account and Cognito's session, so a value whose account was edited, or whose sealed part was
// moved to another session, does not open (session_expired, no Cognito call). A forged account thus
// only ever counts a request that never reaches Cognito. Every value has the same fields in clear and
// an account of one length, so a decoy still looks like a real session. Without a secret (a public
// app client) there is no key every task shares, so the claims are plain base64url: Cognito still
// binds each session to its user, so an edited value only earns a refusal, but a client can read it
// (docs/security.md).
import { ProblemError } from '../http/problem.ts'

const SEALED = 'u4.'
const PLAIN = 'u3.'
const IV_BYTES = 12
const TAG_BYTES = 16
// The claims are padded (with JSON whitespace) to a multiple of this many bytes before sealing, so
// that the sealed length does not tell a decoy's claims from a real session's.
const PADDED_TO = 256
// What a clear account may be: a keyed hash's base64url (src/state/keyed-hash.ts), so a forged one
// can neither break the format (no ".") nor grow the limiter's keys.
const ACCOUNT_SHAPE = /^[\w-]{1,64}$/
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
   * The session value for the client: `u4.<account>.<sealed claims>.<session>` (or
   * `u3.<account>.<base64url claims>.<session>` without a client secret), expiring `validityMs` from now.
   * @param session Cognito's opaque `Session` (20 to 2048 characters).
   * @throws Error for an account that is not a keyed hash's shape (a programming error).
   */
  seal(claims: Omit<SessionClaims, 'expiresAt'>, session: string): Promise<string>
  /**
   * The claims and Cognito's session from what the client sent back.
   * @throws ProblemError session_expired for a value that does not open (edited, its account
   * included; sealed by another key; not a session of this service) or whose expiry has passed.
   */
  open(clientValue: string): Promise<OpenedSession>
  /**
   * The account a value carries in clear, unverified (synchronous, for the rate limiter): a value
   * whose account was edited fails `open`, so counting it costs no Cognito call. Undefined for a
   * value not of this service's shape.
   */
  accountOf(clientValue: string): string | undefined
}

/** A value's parts: the clear account, the carried claims (sealed or plain) and Cognito's session. */
interface Parts {
  account: string
  carried: Uint8Array<ArrayBuffer>
  session: string
}

/**
 * @param clientSecrets the app client's secrets, none for a public client: the current one's key
 *   seals, and every one's key opens (the previous secret's during a rotation, so that a session
 *   sealed by a task still on it opens on a task already on the new one).
 * @param validityMs how long a sealed session opens: the app client's AuthSessionValidity.
 * @param now epoch milliseconds (tests move it).
 */
export async function createChallengeSessions(
  clientSecrets: readonly string[],
  validityMs: number,
  now: () => number = Date.now,
): Promise<ChallengeSessions> {
  const keys = await Promise.all(clientSecrets.map(sealingKey))
  const key = keys[0]
  // With a secret only sealed values are handed out: a plain one was written by the client.
  const prefix = key ? SEALED : PLAIN
  const expired = () => new ProblemError('session_expired')

  const partsOf = (clientValue: string): Parts | undefined => {
    const accountEnd = clientValue.indexOf('.', prefix.length)
    const carriedEnd = clientValue.indexOf('.', accountEnd + 1)
    if (!clientValue.startsWith(prefix) || accountEnd === -1 || carriedEnd === -1) return undefined
    const account = clientValue.slice(prefix.length, accountEnd)
    if (!ACCOUNT_SHAPE.test(account)) return undefined
    const carried = new Uint8Array(Buffer.from(clientValue.slice(accountEnd + 1, carriedEnd), 'base64url'))
    return { account, carried, session: clientValue.slice(carriedEnd + 1) }
  }

  const readClaims = (bytes: Uint8Array, account: string): SessionClaims => {
    let claims: unknown
    try {
      claims = JSON.parse(decoder.decode(bytes))
    } catch {
      throw expired()
    }
    const { expiresAt } = (claims ?? {}) as Partial<SessionClaims>
    if (typeof claims !== 'object' || typeof expiresAt !== 'number' || expiresAt <= now()) throw expired()
    return { ...(claims as SessionClaims), account }
  }

  return {
    async seal({ account, ...claims }, session) {
      if (!ACCOUNT_SHAPE.test(account)) throw new Error('A challenge session’s account must be a keyed hash')
      const json = JSON.stringify({ ...claims, expiresAt: now() + validityMs })
      const payload = encoder.encode(json.padEnd(Math.ceil(json.length / PADDED_TO) * PADDED_TO))
      if (!key) return `${prefix}${account}.${Buffer.from(payload).toString('base64url')}.${session}`
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: associatedData(account, session) },
        key,
        payload,
      )
      return `${prefix}${account}.${Buffer.concat([iv, new Uint8Array(sealed)]).toString('base64url')}.${session}`
    },

    async open(clientValue) {
      const parts = partsOf(clientValue)
      if (!parts) throw expired()
      const { account, carried, session } = parts
      if (!key) return { claims: readClaims(carried, account), session }
      if (carried.length <= IV_BYTES + TAG_BYTES) throw expired()
      const algorithm = {
        name: 'AES-GCM',
        iv: carried.subarray(0, IV_BYTES),
        additionalData: associatedData(account, session),
      }
      for (const candidate of keys) {
        const payload = await crypto.subtle
          .decrypt(algorithm, candidate, carried.subarray(IV_BYTES))
          .catch(() => undefined)
        if (payload) return { claims: readClaims(new Uint8Array(payload), account), session }
      }
      throw expired()
    },

    accountOf: (clientValue) => partsOf(clientValue)?.account,
  }
}

// The clear account and Cognito's session, both bound to the seal ("." never occurs in an account).
const associatedData = (account: string, session: string) => encoder.encode(`${account}.${session}`)

/** The AES-256-GCM key from the client secret (HKDF-SHA-256, a fixed salt and purpose label). */
async function sealingKey(clientSecret: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(clientSecret), 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: encoder.encode('user-service'),
      info: encoder.encode('challenge session claims v4'),
    },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  )
}
