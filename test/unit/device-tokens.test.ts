import { describe, expect, test } from 'bun:test'
import { createDeviceTokens, DEVICE_TOKEN_LIFETIME_SECONDS } from '../../src/state/device-tokens.ts'
import { createStateKeys } from '../../src/state/keyed-hash.ts'

const keys = createStateKeys('client-secret')
const account = keys.hasher('rate-account')
const KIM = account('kim@example.com')
const LEE = account('lee@example.com')

const clock = () => {
  let now = Date.UTC(2026, 0, 1)
  return {
    now: () => now,
    advanceSeconds: (seconds: number) => {
      now += seconds * 1000
    },
  }
}

describe('device tokens', () => {
  test('a token is good for its own account only, and names no email', () => {
    const tokens = createDeviceTokens(keys.key('device-token'), clock().now)
    const token = tokens.issue(KIM)
    expect(token).toMatch(/^[\w-]{50}$/)
    expect(token).not.toContain('kim')
    expect(tokens.deviceOf(token, KIM)).toMatch(/^[\w-]{22}$/)
    expect(tokens.deviceOf(token, LEE)).toBeUndefined()
  })

  test('two tokens, two devices; the same token, the same device', () => {
    const time = clock()
    const tokens = createDeviceTokens(keys.key('device-token'), time.now)
    const first = tokens.issue(KIM)
    time.advanceSeconds(1)
    const second = tokens.issue(KIM)
    expect(tokens.deviceOf(first, KIM)).toBe(tokens.deviceOf(first, KIM)!)
    expect(tokens.deviceOf(second, KIM)).not.toBe(tokens.deviceOf(first, KIM)!)
  })

  test('valid for 30 days, not a second longer; not from far in the future', () => {
    const time = clock()
    const tokens = createDeviceTokens(keys.key('device-token'), time.now)
    const token = tokens.issue(KIM)
    time.advanceSeconds(DEVICE_TOKEN_LIFETIME_SECONDS)
    expect(tokens.deviceOf(token, KIM)).toBeDefined()
    time.advanceSeconds(1)
    expect(tokens.deviceOf(token, KIM)).toBeUndefined()
    const early = createDeviceTokens(keys.key('device-token'), () => time.now() + 3600_000).issue(KIM)
    expect(tokens.deviceOf(early, KIM)).toBeUndefined()
  })

  test('forged, altered, malformed or another key’s tokens are refused', () => {
    const tokens = createDeviceTokens(keys.key('device-token'), clock().now)
    const token = tokens.issue(KIM)
    const bytes = Buffer.from(token, 'base64url')
    for (const at of [0, 1, 17, 21, 36]) {
      const altered = Buffer.from(bytes)
      altered[at]! ^= 1
      expect(tokens.deviceOf(altered.toString('base64url'), KIM)).toBeUndefined()
    }
    const other = createDeviceTokens(createStateKeys('another-secret').key('device-token'), clock().now)
    expect(tokens.deviceOf(other.issue(KIM), KIM)).toBeUndefined()
    for (const junk of [undefined, null, '', 'x', token.slice(1), `${token}A`, '!'.repeat(50)])
      expect(tokens.deviceOf(junk, KIM)).toBeUndefined()
  })
})
