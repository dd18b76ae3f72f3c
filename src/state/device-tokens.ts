// Device tokens (OWASP "Slow down online guessing attacks with device cookies"): a successful sign-in
// answers one; sent back on the next sign-in to the same account, it lets that request draw on a
// budget of its own, which failures from elsewhere cannot empty. The token names the account only
// by its keyed hash and carries its issue time; it is a MAC, not a secret store: nothing in it can be
// read back into an email, and it grants nothing but a rate-limit budget.
import { createHmac, timingSafeEqual } from 'node:crypto'

/** How long a device token is honoured after it was issued. */
export const DEVICE_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600

const VERSION = 1
const ACCOUNT_BYTES = 16
const MAC_BYTES = 16
const SIGNED_BYTES = 1 + ACCOUNT_BYTES + 4
const TOKEN_BYTES = SIGNED_BYTES + MAC_BYTES
// Base64url of TOKEN_BYTES (37) bytes without padding.
const TOKEN_CHARS = Math.ceil((TOKEN_BYTES * 4) / 3)
// A token from a clock a little ahead (another task) is still good.
const CLOCK_SKEW_SECONDS = 300

export interface DeviceTokens {
  /** A new token for the account `accountKey` (a base64url keyed hash, src/state/keyed-hash.ts), issued now. */
  issue(accountKey: string): string
  /**
   * The device's id (a stable string, for a rate-limit key) when `token` is one this service issued
   * for `accountKey` within its lifetime; undefined for anything else (absent, malformed, forged,
   * expired, another account's).
   */
  deviceOf(token: string | null | undefined, accountKey: string): string | undefined
}

/**
 * Layout (base64url): version (1 byte) ‖ the account key's first 16 bytes ‖ issue time (uint32
 * seconds) ‖ HMAC-SHA-256 (RFC 2104) of those under `key`, its first 16 bytes.
 * @param key the MAC key (src/state/keyed-hash.ts `key('device-token')`).
 */
export function createDeviceTokens(key: Buffer, now: () => number = Date.now): DeviceTokens {
  const mac = (signed: Buffer) => createHmac('sha256', key).update(signed).digest().subarray(0, MAC_BYTES)
  const accountPart = (accountKey: string) => Buffer.from(accountKey, 'base64url').subarray(0, ACCOUNT_BYTES)
  return {
    issue(accountKey) {
      const signed = Buffer.alloc(SIGNED_BYTES)
      signed.writeUInt8(VERSION, 0)
      accountPart(accountKey).copy(signed, 1)
      signed.writeUInt32BE(Math.floor(now() / 1000), 1 + ACCOUNT_BYTES)
      return Buffer.concat([signed, mac(signed)]).toString('base64url')
    },
    deviceOf(token, accountKey) {
      if (typeof token !== 'string' || token.length !== TOKEN_CHARS) return undefined
      const bytes = Buffer.from(token, 'base64url')
      if (bytes.length !== TOKEN_BYTES || bytes.readUInt8(0) !== VERSION) return undefined
      const signed = bytes.subarray(0, SIGNED_BYTES)
      const tag = bytes.subarray(SIGNED_BYTES)
      if (!timingSafeEqual(tag, mac(signed))) return undefined
      if (!signed.subarray(1, 1 + ACCOUNT_BYTES).equals(accountPart(accountKey))) return undefined
      const age = Math.floor(now() / 1000) - signed.readUInt32BE(1 + ACCOUNT_BYTES)
      if (age > DEVICE_TOKEN_LIFETIME_SECONDS || age < -CLOCK_SKEW_SECONDS) return undefined
      return tag.toString('base64url')
    },
  }
}
