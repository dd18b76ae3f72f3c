import { describe, expect, test } from 'bun:test'
import { parseEmailAddress } from '../../src/email-address.ts'

const LOCAL_64 = 'a'.repeat(64)
// 64 + 1 + 189 = 254: the longest address; one more character is too long.
const DOMAIN_189 = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`

describe('accepted, and handed on in ASCII form', () => {
  test.each([
    ['alice@example.com', 'alice@example.com'],
    ['20250201test@example.com', '20250201test@example.com'],
    // RFC 5322 atext: every one of these characters.
    ['sales&ops@example.com', 'sales&ops@example.com'],
    ['first=last@example.com', 'first=last@example.com'],
    ["!#$%&'*+/=?^_`{|}~-@example.com", "!#$%&'*+/=?^_`{|}~-@example.com"],
    ['a.b.c@sub.example.co.uk', 'a.b.c@sub.example.co.uk'],
    // An IDNA domain already in ASCII form, as a browser's email field submits it.
    ['ivan@example.xn--p1ai', 'ivan@example.xn--p1ai'],
    ['ivan@xn--e1afmkfd.xn--p1ai', 'ivan@xn--e1afmkfd.xn--p1ai'],
    // A Unicode domain becomes its A-label form (UTS #46 maps case and width too).
    ['ivan@пример.рф', 'ivan@xn--e1afmkfd.xn--p1ai'],
    ['ivan@ПРИМЕР.РФ', 'ivan@xn--e1afmkfd.xn--p1ai'],
    ['hans@bücher.de', 'hans@xn--bcher-kva.de'],
    ['user@faß.de', 'user@xn--fa-hia.de'],
    // Case is kept: Cognito decides whether it matters.
    ['Alice.Smith@Example.COM', 'Alice.Smith@Example.COM'],
    [`${LOCAL_64}@example.com`, `${LOCAL_64}@example.com`],
    [`${LOCAL_64}@${DOMAIN_189}`, `${LOCAL_64}@${DOMAIN_189}`],
  ])('%s -> %s', (input, ascii) => {
    expect(parseEmailAddress(input)).toEqual({ kind: 'deliverable', ascii })
  })
})

describe('refused', () => {
  test.each(['jö@example.com', '김뮤직@example.com', 'ivan@пример.рф'.replace('ivan', 'иван')])(
    '%s: undeliverable (non-ASCII local part)',
    (input) => {
      expect(parseEmailAddress(input)).toEqual({ kind: 'undeliverable' })
    },
  )

  test.each([
    'plainaddress',
    '@example.com',
    'alice@',
    'alice@example',
    'alice@localhost',
    '.alice@example.com',
    'alice.@example.com',
    'al..ice@example.com',
    'a b@example.com',
    'alice @example.com',
    'alice@exam ple.com',
    'alice@example.com\n',
    'ali\u0000ce@example.com',
    'a@b@example.com',
    '"quoted"@example.com',
    'alice@-example.com',
    'alice@example-.com',
    'alice@exam_ple.com',
    'alice@example..com',
    'alice@example.com.',
    'alice@example.123',
    'alice@[127.0.0.1]',
    // Not valid Punycode.
    'alice@xn--zz.com',
    `${'a'.repeat(65)}@example.com`,
    `${LOCAL_64}@${DOMAIN_189}x`,
    `alice@${'b'.repeat(64)}.com`,
    // 135 characters as typed, 283 in ASCII form.
    `${LOCAL_64}@${Array(4).fill('日本語漢字東京大阪名古屋福岡札幌').join('.')}.jp`,
    // A Unicode domain that is no host name once converted.
    'alice@exa%mple.рф',
    'jö @example.com',
  ])('%j: malformed', (input) => {
    expect(parseEmailAddress(input)).toEqual({ kind: 'malformed' })
  })
})
