// String formats for request validation. Importing @elysiajs/openapi (docs.ts) replaces TypeBox's
// global formats with Zod checks that build a new Zod schema on every call: on /signup and
// /signin that was ~18% of the service's CPU under load (docs/performance.md). The same test,
// compiled once: Zod's own email pattern, so what is accepted does not change (test/unit/formats).
import { FormatRegistry } from '@sinclair/typebox'

// Zod 4's default email pattern (z.string().email()), as @elysiajs/openapi bundles it.
const EMAIL = /^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/

export const isEmail = (value: string): boolean => EMAIL.test(value)

/**
 * Call after every module that registers formats has been imported: createApp does, and so does
 * routes/openapi.ts, which imports @elysiajs/openapi on the first docs visit.
 */
export function registerFormats(): void {
  FormatRegistry.Set('email', isEmail)
}
