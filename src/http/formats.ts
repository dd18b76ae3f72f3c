// String formats for request validation. Importing @elysiajs/openapi (docs.ts) replaces TypeBox's
// global formats with Zod checks that build a new Zod schema on every call: on /signup and
// /signin that was ~18% of the service's CPU under load (README, "Performance"). The same test,
// compiled once: Zod's own email pattern, so what is accepted does not change (test/unit/formats).
import { FormatRegistry } from '@sinclair/typebox'

// Zod 4's default email pattern (z.string().email()), as @elysiajs/openapi bundles it.
const EMAIL = /^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$/

/** Call after every module that registers formats has been imported (createApp does). */
export function registerFormats(): void {
  FormatRegistry.Set('email', (value) => EMAIL.test(value))
}
