// Every route group but /health, in one module, and the policies they declare: the app imports it
// when it first builds the whole API (src/app.ts), so the schemas and route modules are not evaluated
// at start.
export { accountRoutes } from './account.ts'
export { authRoutes } from './auth.ts'
export { docsRoutes } from './docs.ts'
export { emailChangeRoutes } from './email-change.ts'
export { mfaRoutes } from './mfa.ts'
export { mfaSetupRoutes } from './mfa-setup.ts'
export { passwordlessRoutes } from './passwordless.ts'
export { tokenRoutes } from './tokens.ts'
export { createTokenCheck } from './token-check.ts'
export { policies } from '../policies/policies.ts'
