// The one door to Cognito. Routes call this interface; only the cognito/ modules touch Cognito's API.
// Every call adds the SECRET_HASH, has a deadline and turns every failure into a ProblemError (whose
// cause the app logs with the request id): gateway-core.ts. One module per feature makes the calls.
import type { CognitoConfig } from '../config.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { StateKeys } from '../state/keyed-hash.ts'
import { accountCalls, type AccountCalls } from './account.ts'
import { chooseTransport, createGatewayCore, type GatewayCore } from './gateway-core.ts'
import type { HttpPost } from './http-post.ts'
import { mfaCalls, type MfaCalls } from './mfa.ts'
import { passkeyCalls, type PasskeyCalls } from './passkeys.ts'
import { sessionCalls, type SessionCalls } from './sessions.ts'
import { signInCalls, type SignInCalls } from './sign-in.ts'
import type { CognitoTransport } from './transport.ts'

export type { SignInResult } from './token-answers.ts'

/** Every Cognito call the routes make, by feature. */
export type CognitoGateway = SignInCalls & AccountCalls & MfaCalls & PasskeyCalls & SessionCalls

/** What the gateway keeps that the tasks may share (src/state/): each in this process's memory unless given. */
export type GatewayState = Partial<Pick<GatewayCore, 'usedTotpCodes' | 'sharedRefresh'>>

/**
 * Production: each operation on the transport operations.ts names (the JSON client over `post`, the
 * runtime's fetch by default, or the SDK); every call counted in `metrics` when given. `stateKeys`:
 * the app's (createGatewayCore), so that a challenge session seals the account key its rate limiter uses.
 */
export function createGateway(
  config: CognitoConfig,
  {
    post,
    metrics,
    stateKeys,
    state,
  }: { post?: HttpPost; metrics?: Metrics; stateKeys?: StateKeys; state?: GatewayState } = {},
): Promise<CognitoGateway> {
  return createGatewayOverTransport(config, chooseTransport(config, post), metrics, stateKeys, state)
}

/** The gateway over one transport (the tests run it over each). */
export async function createGatewayOverTransport(
  config: CognitoConfig,
  transport: CognitoTransport,
  metrics?: Metrics,
  stateKeys?: StateKeys,
  state: GatewayState = {},
): Promise<CognitoGateway> {
  const core = await createGatewayCore(config, transport, metrics, stateKeys, state)
  const signIn = signInCalls(core)
  return {
    ...signIn,
    ...accountCalls(core),
    ...mfaCalls(core, signIn),
    ...passkeyCalls(core),
    ...sessionCalls(core),
  }
}
