import { describe, expect, test } from 'bun:test'
import { clientAddress, rateLimitKey } from '../../src/http/client-address.ts'

describe('clientAddress', () => {
  test.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 203.0.113.7 ', '203.0.113.7'],
    // An ALB with routing.http.xff_client_port.enabled appends the client port.
    ['203.0.113.7:51234', '203.0.113.7'],
    ['[2001:db8::7]:51234', '2001:db8::7'],
    ['[2001:db8::7]', '2001:db8::7'],
    ['2001:db8::7', '2001:db8::7'],
    // What a dual-stack socket reports for an IPv4 peer.
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['[::ffff:203.0.113.7]:443', '203.0.113.7'],
  ])('%p is %p', (entry, address) => expect(clientAddress(entry)).toBe(address))

  test('what is not an address is kept as given (its own rate-limit key)', () => {
    expect(clientAddress('unknown')).toBe('unknown')
    expect(clientAddress('not:an:address:at:all')).toBe('not:an:address:at:all')
    expect(clientAddress('[nope]:80')).toBe('[nope]:80')
  })
})

describe('rateLimitKey', () => {
  test('IPv4 is its own key', () => expect(rateLimitKey('203.0.113.7', 64)).toBe('203.0.113.7'))
  test('IPv6: the network of the prefix, whatever the address form', () => {
    const key = rateLimitKey('2001:db8:1:2::1', 64)
    expect(key).toBe('2001:db8:1:2::/64')
    expect(rateLimitKey('2001:DB8:1:2:ffff:ffff:ffff:ffff', 64)).toBe(key)
    expect(rateLimitKey('2001:0db8:0001:0002:0:0:0:0', 64)).toBe(key)
    expect(rateLimitKey('2001:db8:1:3::1', 64)).not.toBe(key)
  })
  test('prefixes that cut inside a group, and the extremes', () => {
    expect(rateLimitKey('2001:db8:12ff::1', 40)).toBe('2001:db8:1200::/40')
    expect(rateLimitKey('2001:db8:1:2::1', 56)).toBe('2001:db8:1::/56')
    expect(rateLimitKey('2001:db8:1:2::1', 128)).toBe('2001:db8:1:2::1')
    expect(rateLimitKey('::1', 64)).toBe('::/64')
    expect(rateLimitKey('fe80::1%eth0', 64)).toBe('fe80::/64')
    // IPv4-mapped in hex form is the IPv4 client, not the network every IPv4 client shares.
    expect(rateLimitKey('::ffff:cb00:7107', 64)).toBe('203.0.113.7')
  })
})
