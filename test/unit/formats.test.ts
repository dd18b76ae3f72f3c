import { describe, expect, test } from 'bun:test'
import { FormatRegistry } from '@sinclair/typebox'
import { isEmail, registerFormats } from '../../src/http/formats.ts'

describe('email format', () => {
  test('ours replaces the Zod check @elysiajs/openapi registers, and takes what browsers submit', async () => {
    // A fresh evaluation of the plugin (its registration is a side effect of loading it, and other
    // test files in this process may have loaded it and replaced the check already).
    await import(`${Bun.resolveSync('@elysiajs/openapi', import.meta.dir)}?fresh`)
    const zodCheck = FormatRegistry.Get('email')!
    expect(zodCheck).not.toBe(isEmail)
    // Zod's pattern refuses these RFC 5322 addresses; that is why it is replaced, not only for speed.
    expect(['sales&ops@example.com', 'ivan@example.xn--p1ai'].map((s) => zodCheck(s))).toEqual([false, false])
    registerFormats()
    expect(FormatRegistry.Get('email')).toBe(isEmail)
    expect(['sales&ops@example.com', 'ivan@example.xn--p1ai', 'ivan@пример.рф'].map(isEmail)).toEqual([
      true,
      true,
      true,
    ])
    // A non-ASCII local part passes the format, so that decoding can say why it is refused.
    expect(isEmail('jö@example.com')).toBe(true)
    expect(['plainaddress', 'a b@example.com', 'alice@example'].map(isEmail)).toEqual([false, false, false])
  })
})
