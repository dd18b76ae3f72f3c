// Keys for the service's own security state (used TOTP codes, device tokens, rate-limit accounts):
// a keyed hash, so that no key names a raw email, code or address, and nobody without the key can
// compute or test one (HMAC-SHA-256, RFC 2104). The key is derived from the app client's secret
// (HKDF-SHA-256, RFC 5869, its own purpose label, so it is never the key of the challenge-session
// seal); a public client (no secret) gets a random key per process, which is enough for state that
// lives in this process. node:crypto, not Web Crypto: the rate limiter hashes synchronously, before
// the route runs (SECRET_HASH and the seal stay on Web Crypto).
import { createHmac, hkdfSync, randomBytes } from 'node:crypto'

/** A keyed hash for one kind of state. */
export type KeyedHash = (value: string) => string

/** Makes keyed hashes, one purpose each, from one secret. */
export interface StateKeys {
  /**
   * @param purpose what the hashes key (e.g. "totp-used"): hashes of one purpose never equal another's.
   * @returns value -> base64url HMAC-SHA-256 (43 characters).
   */
  hasher(purpose: string): KeyedHash
  /** The raw 32-byte key of one purpose, for MACs that are not keys (device tokens). */
  key(purpose: string): Buffer
  /**
   * The keys of the app client's previous secret while a rotation runs: for recognising a value
   * made under it (a device token); new values are always made under these keys.
   */
  readonly previous?: StateKeys
}

/**
 * @param secret the app client's secret, or undefined for a public client (a random key, this process only).
 * @param previousSecret the secret it replaces, during a rotation (COGNITO_CLIENT_SECRET_PREVIOUS).
 */
export function createStateKeys(secret: string | undefined, previousSecret?: string): StateKeys {
  const root = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8')
  const key = (purpose: string) =>
    Buffer.from(hkdfSync('sha256', root, 'user-service state', `state key v1 ${purpose}`, 32))
  return {
    key,
    hasher(purpose) {
      const purposeKey = key(purpose)
      return (value) => createHmac('sha256', purposeKey).update(value).digest('base64url')
    },
    ...(previousSecret === undefined ? {} : { previous: createStateKeys(previousSecret) }),
  }
}
