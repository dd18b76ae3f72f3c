// Email addresses as this service accepts them, and the one form it hands to Cognito. Pure: no I/O,
// no HTTP; src/schemas/shared.ts turns a refusal into the client's 400.
import { domainToASCII } from 'node:url'

/**
 * What an address is to this service:
 * - `deliverable`: `ascii` is the form to store and sign in with (the domain in its IDNA ASCII form);
 * - `undeliverable`: well formed, but its local part is not ASCII (RFC 6531 SMTPUTF8), which the
 *   mail that Cognito sends (Amazon SES) cannot reach;
 * - `malformed`: not an address.
 */
export type EmailAddress = { kind: 'deliverable'; ascii: string } | { kind: 'undeliverable' } | { kind: 'malformed' }

// RFC 5322 §3.2.3 dot-atom: atext runs separated by single dots. Quoted local parts ("a b"@x) are
// left out, as the WHATWG email grammar (what browsers submit) leaves them out.
const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-"
const ASCII_LOCAL_PART = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*$`)
// RFC 6532 §3.2: the same with any non-ASCII character as atext. Only to tell "not ASCII" from "not an address".
const UTF8_LOCAL_PART = new RegExp(`^[${ATEXT}\\u{80}-\\u{10FFFF}]+(?:\\.[${ATEXT}\\u{80}-\\u{10FFFF}]+)*$`, 'u')
// RFC 1123 §2.1 host names: letter-digit-hyphen labels of 1-63 characters, at least two of them (no
// mail is delivered to a bare top-level name), the last starting with a letter (RFC 3696 §2: no
// all-numeric top-level domain). A-labels (xn--…) are LDH labels too.
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const ASCII_DOMAIN = new RegExp(`^(?:${LABEL}\\.)+[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
const NON_ASCII = /[^\p{ASCII}]/u
const A_LABEL = /(?:^|\.)xn--/i

/** RFC 5321 §4.5.3.1.1 and §4.5.3.1.3 (the path's 256 octets less the angle brackets). */
const MAX_LOCAL_PART = 64
export const MAX_ADDRESS = 254

/**
 * Classifies `value` and gives its ASCII form. The local part is kept byte for byte (no case
 * folding: Cognito's username case-sensitivity setting decides that). A domain typed in Unicode
 * becomes its A-label form by UTS #46 (the platform's `domainToASCII`, as browsers convert the
 * domain of an `input type=email`); an ASCII domain is kept as typed, except that one with A-labels
 * must be valid Punycode.
 */
export function parseEmailAddress(value: string): EmailAddress {
  // Validation classifies each body's email twice in a row (the format check, then the Email
  // schema's decoding): the second time is the same answer.
  if (value === lastValue) return lastAddress
  lastAddress = classify(value)
  lastValue = value
  return lastAddress
}
let lastValue: string | undefined
let lastAddress: EmailAddress

function classify(value: string): EmailAddress {
  const at = value.lastIndexOf('@')
  if (at <= 0) return MALFORMED
  const local = value.slice(0, at)
  const domain = asciiDomain(value.slice(at + 1))
  if (domain === undefined) return MALFORMED
  if (!ASCII_LOCAL_PART.test(local)) return UTF8_LOCAL_PART.test(local) ? UNDELIVERABLE : MALFORMED
  if (local.length > MAX_LOCAL_PART || local.length + 1 + domain.length > MAX_ADDRESS) return MALFORMED
  return { kind: 'deliverable', ascii: `${local}@${domain}` }
}

const MALFORMED: EmailAddress = { kind: 'malformed' }
const UNDELIVERABLE: EmailAddress = { kind: 'undeliverable' }

/** The domain in ASCII (A-label) form, or undefined when it is not a host name. */
function asciiDomain(domain: string): string | undefined {
  if (!NON_ASCII.test(domain)) {
    if (!ASCII_DOMAIN.test(domain)) return undefined
    // domainToASCII answers '' for an A-label that is not valid Punycode.
    return A_LABEL.test(domain) && domainToASCII(domain) === '' ? undefined : domain
  }
  const ascii = domainToASCII(domain)
  return ascii !== '' && ASCII_DOMAIN.test(ascii) ? ascii : undefined
}
