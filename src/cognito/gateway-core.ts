// What every gateway feature shares: the one call helper (the transport it goes over, its deadline,
// its metrics, its failure as a ProblemError whose cause the app logs with the request id), the
// SECRET_HASH and the challenge-session seal.
import type { InitiateAuthResponse } from '@aws-sdk/client-cognito-identity-provider'
import type { CognitoConfig } from '../config.ts'
import { ProblemError } from '../http/problem.ts'
import { currentClientAddress } from '../http/request-context.ts'
import { lazy } from '../lazy.ts'
import type { Metrics } from '../observability/metrics.ts'
import { createAccountKey, type AccountKey } from '../state/account-keys.ts'
import { createStateKeys, type StateKeys } from '../state/keyed-hash.ts'
import { createChallengeSessions, type ChallengeSessions, type SessionClaims } from './challenge-session.ts'
import type { RefreshedTokens } from '../schemas/sign-in.ts'
import { startDeadline } from './deadline.ts'
import { createDecoys, type Decoys } from './decoys.ts'
import { cognitoOutcome, problemFromCognitoError, retriesOf } from './errors.ts'
import type { HttpPost } from './http-post.ts'
import { createJsonTransport } from './json-transport.ts'
import { OPERATIONS, type CallLabel, type OperationName } from './operations.ts'
import { createSecretHasher } from './secret-hash.ts'
import type { SharedRefresh } from '../state/shared-refreshes.ts'
import { createUsedTotpCodes, type UsedTotpCodes } from '../state/used-totp-codes.ts'
import { signedIn, type SignInResult } from './token-answers.ts'
import type { CognitoOperations, CognitoTransport } from './transport.ts'

export interface GatewayCore {
  readonly config: CognitoConfig
  /**
   * One Cognito call under the configured deadline, counted in the metrics under `label` (default:
   * the operation's name), which also picks how its failures map (errors.ts).
   * @throws ProblemError for every failure.
   */
  call<K extends OperationName>(
    operation: K,
    input: CognitoOperations[K][0],
    label?: CallLabel,
  ): Promise<CognitoOperations[K][1]>
  /** The SECRET_HASH over `username`; undefined when the app client has no secret. */
  secretHash(username: string): Promise<string | undefined>
  /** Whether the app client has a secret (so every username-based call needs a SECRET_HASH). */
  readonly hasSecret: boolean
  readonly sessions: ChallengeSessions
  /** TOTP codes Cognito accepted in the last 90 seconds (none is accepted twice: totp-replay.ts). */
  readonly usedTotpCodes: UsedTotpCodes
  /** Decoy sign-in sessions: their shape and the wrong answers they took (decoys.ts). */
  readonly decoys: Decoys
  /** The rate-limit account of an email, as a challenge session seals it (src/state/account-keys.ts). */
  accountOf: AccountKey
  /** Rotating refreshes coalesced across tasks (src/state/shared-refreshes.ts); absent: within this task only. */
  readonly sharedRefresh?: SharedRefresh<RefreshedTokens> | undefined
  /**
   * Tokens, or the next challenge with the session the client returns, sealing `signIn` (the
   * username, `account`, the one its answers count against, and the breached-password flag) again.
   * The challenge's parameters never name the user; the tokens carry the flag.
   * @throws ProblemError upstream_error when Cognito answered neither.
   */
  authResult(out: InitiateAuthResponse, signIn: SignInClaims): Promise<SignInResult>
}

/** What a real sign-in carries from one step to the next (challenge-session.ts). */
export type SignInClaims = Required<Pick<SessionClaims, 'username' | 'account'>> &
  Pick<SessionClaims, 'passwordBreached'>

// The operations that take UserContextData (API reference: InitiateAuth, RespondToAuthChallenge,
// SignUp, ConfirmSignUp, ForgotPassword, ConfirmForgotPassword, ResendConfirmationCode). Its IpAddress
// reaches threat protection only from an app client with a secret and
// EnablePropagateAdditionalUserContextData (UserPoolClientType), as the CDK stack sets it.
const TAKES_USER_CONTEXT: ReadonlySet<OperationName> = new Set([
  'InitiateAuth',
  'RespondToAuthChallenge',
  'SignUp',
  'ConfirmSignUp',
  'ForgotPassword',
  'ConfirmForgotPassword',
  'ResendConfirmationCode',
])

/** Cognito's default AuthSessionValidity (CreateUserPoolClient): 3 minutes. */
export const DEFAULT_AUTH_SESSION_SECONDS = 180
// Challenge parameters that name the user (the actual username): the client never needs them, since
// the session carries it, and before sign-in succeeds they would tell accounts apart.
const USER_NAMING_PARAMETERS = new Set(['USERNAME', 'USER_ID_FOR_SRP'])

/** The SDK, imported on first use: /health and the hot routes never load it. */
function lazySdkTransport(config: CognitoConfig): CognitoTransport {
  const sdk = lazy(() => import('./sdk-transport.ts').then((m) => m.createSdkTransport(config)))
  return { send: async (operation, input, abortSignal) => (await sdk()).send(operation, input, abortSignal) }
}

/**
 * Production's transport: each operation on the one operations.ts names, the JSON client over `post`
 * (the runtime's fetch by default), the SDK for the rest.
 */
export function chooseTransport(config: CognitoConfig, post?: HttpPost): CognitoTransport {
  const json = createJsonTransport(config, post)
  const sdk = lazySdkTransport(config)
  return {
    send: (operation, input, abortSignal) =>
      (OPERATIONS[operation] === 'json' ? json : sdk).send(operation, input, abortSignal),
  }
}

/**
 * The core over one transport; every call counted in `metrics` when given. `stateKeys` key the used
 * TOTP codes and the accounts sealed in challenge sessions: give the app's rate limiter the same ones
 * (without a client secret the default is random, this gateway's alone).
 */
export async function createGatewayCore(
  config: CognitoConfig,
  { send }: CognitoTransport,
  metrics?: Metrics,
  stateKeys: StateKeys = createStateKeys(config.clientSecret, config.previousClientSecret),
  {
    usedTotpCodes = createUsedTotpCodes(stateKeys.hasher('totp-used')),
    sharedRefresh,
  }: Partial<Pick<GatewayCore, 'usedTotpCodes' | 'sharedRefresh'>> = {},
): Promise<GatewayCore> {
  const hasher = await createSecretHasher(config.clientId, config.clientSecret)
  // Sealed under the current secret; opened under it or, during a rotation, the previous one.
  const sessions = await createChallengeSessions(
    [config.clientSecret, config.previousClientSecret].filter((s): s is string => s !== undefined),
    (config.authSessionValiditySeconds ?? DEFAULT_AUTH_SESSION_SECONDS) * 1000,
  )
  const decoys = createDecoys()

  // The user's address, where Cognito takes it (src/http/request-context.ts).
  const withUserContext = <K extends OperationName>(operation: K, input: CognitoOperations[K][0]) => {
    const address = hasher && TAKES_USER_CONTEXT.has(operation) ? currentClientAddress() : undefined
    return address === undefined ? input : { ...input, UserContextData: { IpAddress: address } }
  }

  const call: GatewayCore['call'] = async (operation, input, label) => {
    const name = label ?? operation
    const deadline = startDeadline(config.timeoutMs)
    const startedAt = performance.now()
    const seconds = () => (performance.now() - startedAt) / 1000
    try {
      const out = await send(operation, withUserContext(operation, input), deadline.signal)
      metrics?.cognitoCall(name, 'ok', seconds(), retriesOf(out))
      return out
    } catch (error) {
      const problem = problemFromCognitoError(error, name, deadline.signal.aborted)
      metrics?.cognitoCall(name, cognitoOutcome(problem), seconds(), retriesOf(error))
      throw problem
    } finally {
      deadline.clear()
    }
  }

  const authResult: GatewayCore['authResult'] = async (out, { username, account, passwordBreached }) => {
    if (out.AuthenticationResult) {
      const result = signedIn(out.AuthenticationResult)
      return passwordBreached ? { ...result, passwordBreached } : result
    }
    if (out.ChallengeName && out.Session) {
      const parameters = out.ChallengeParameters ?? {}
      // Cognito names the actual user in USER_ID_FOR_SRP (or USERNAME) whenever the request used an alias.
      const actualUsername = parameters.USER_ID_FOR_SRP ?? parameters.USERNAME ?? username
      decoys.rememberSession(out.Session)
      return {
        challenge: {
          challengeName: out.ChallengeName,
          session: await sessions.seal({ username: actualUsername, account, passwordBreached }, out.Session),
          challengeParameters: Object.fromEntries(
            Object.entries(parameters).filter(([name]) => !USER_NAMING_PARAMETERS.has(name)),
          ),
        },
      }
    }
    throw new ProblemError('upstream_error', undefined, {
      cause: new Error('Cognito returned neither tokens nor a challenge'),
    })
  }

  return {
    config,
    call,
    secretHash: async (username) => (hasher ? await hasher(username) : undefined),
    hasSecret: hasher !== undefined,
    sessions,
    usedTotpCodes,
    decoys,
    accountOf: createAccountKey(stateKeys),
    sharedRefresh,
    authResult,
  }
}
