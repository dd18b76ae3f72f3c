// The `session` a client holds between a challenge and its answer. A challenge answer must name the
// user by the actual username (USER_ID_FOR_SRP, a UUID when email is the sign-in alias), never the
// email, and its SECRET_HASH is computed over that name (RespondToAuthChallenge, ChallengeResponses:
// "The value of the USERNAME attribute must be the user's actual username, not an alias"). The
// service runs as several tasks with no sticky sessions, so the name travels with the client: the
// session handed out is Cognito's, prefixed with the username it belongs to.
//
// With a client secret the prefix is sealed (AES-256-GCM, RFC 5116, with Cognito's session as the
// associated data; the key derived from the secret with HKDF-SHA-256, RFC 5869): the client can
// neither read the username (an enumeration-safe start must not show which accounts have one) nor
// move it to another session. Without a secret (a public app client) the prefix is plain base64url;
// Cognito still binds each session to its user, so an edited prefix only earns a refusal.
import { ProblemError } from '../http/problem.ts'

const SEALED = 'u2.'
const PLAIN = 'u1.'
const IV_BYTES = 12
const encoder = new TextEncoder()
const decoder = new TextDecoder()

export interface ChallengeSessions {
  /**
   * The session value for the client: `u2.<sealed username>.<session>` (or `u1.<base64url
   * username>.<session>` without a client secret).
   * @param username the actual Cognito username the challenge is for.
   * @param session Cognito's opaque `Session` (20 to 2048 characters).
   */
  seal(username: string, session: string): Promise<string>
  /**
   * Cognito's session and the username to answer with, from what the client sent back. A value with
   * neither prefix (a raw Cognito session) falls back to `fallbackUsername`, the email, which is right
   * for pools whose usernames are the email.
   * @throws ProblemError not_authorized for a prefix that does not open (edited, or sealed by another key).
   */
  open(clientValue: string, fallbackUsername: string): Promise<{ username: string; session: string }>
}

/** @param clientSecret the app client's secret; the sealing key is derived from it. */
export async function createChallengeSessions(clientSecret: string | undefined): Promise<ChallengeSessions> {
  const key = clientSecret === undefined ? undefined : await sealingKey(clientSecret)
  const refused = () => new ProblemError('not_authorized')

  return {
    async seal(username, session) {
      if (!key) return `${PLAIN}${Buffer.from(username, 'utf8').toString('base64url')}.${session}`
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv, additionalData: encoder.encode(session) },
        key,
        encoder.encode(username),
      )
      return `${SEALED}${Buffer.concat([iv, new Uint8Array(sealed)]).toString('base64url')}.${session}`
    },

    async open(clientValue, fallbackUsername) {
      const prefix = clientValue.slice(0, 3)
      if (prefix !== SEALED && prefix !== PLAIN) return { username: fallbackUsername, session: clientValue }
      const end = clientValue.indexOf('.', 3)
      if (end === -1) throw refused()
      const carried = Buffer.from(clientValue.slice(3, end), 'base64url')
      const session = clientValue.slice(end + 1)
      if (prefix === PLAIN) {
        // With a secret only sealed values are handed out: a plain one was written by the client.
        if (key || carried.length === 0) throw refused()
        return { username: carried.toString('utf8'), session }
      }
      if (!key || carried.length <= IV_BYTES) throw refused()
      try {
        const username = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: carried.subarray(0, IV_BYTES), additionalData: encoder.encode(session) },
          key,
          carried.subarray(IV_BYTES),
        )
        return { username: decoder.decode(username), session }
      } catch {
        throw refused()
      }
    },
  }
}

/** AES-256-GCM key from the client secret (HKDF-SHA-256, a fixed salt and purpose label). */
async function sealingKey(clientSecret: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(clientSecret), 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: encoder.encode('user-service'),
      info: encoder.encode('challenge session username v2'),
    },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  )
}
