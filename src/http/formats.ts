// String formats for request validation. Importing @elysiajs/openapi (docs.ts) replaces TypeBox's
// global formats with Zod checks that build a new Zod schema on every call, a large share of /signup's
// and /signin's CPU under load (docs/performance.md, "A plain function for the email format"). Ours
// are plain functions, set again after that import.
import { FormatRegistry } from '@sinclair/typebox'
import { parseEmailAddress } from '../email-address.ts'

/**
 * True for an address this service understands (src/email-address.ts). A non-ASCII local part
 * passes here so that the Email schema's decoding can refuse it with its reason, not a bare
 * "invalid".
 */
export const isEmail = (value: string): boolean => parseEmailAddress(value).kind !== 'malformed'

/**
 * Call after every module that registers formats has been imported: createApp does, and so does
 * openapi/document.ts, which imports @elysiajs/openapi on the first docs visit.
 */
export function registerFormats(): void {
  FormatRegistry.Set('email', isEmail)
}
