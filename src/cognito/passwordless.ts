// Starting a passwordless sign-in (Cognito choice-based sign-in, InitiateAuth USER_AUTH) so that the
// answer is the same for every email: its shape is decided by the request alone, and Cognito's answer
// only decides whether the session handed out is real or a decoy (decoys.ts). One Cognito call per
// start with a method, none without one.
import type { InitiateAuthResponse } from '@aws-sdk/client-cognito-identity-provider'
import { ProblemError } from '../http/problem.ts'
import type { PasswordlessChallenge, PasswordlessInput } from '../schemas/passwordless.ts'
import { maskedEmailDelivery, revealsAccountState } from './enumeration.ts'
import { DEFAULT_AUTH_SESSION_SECONDS, type GatewayCore } from './gateway-core.ts'
import { createRequestOptions } from './passkey-options.ts'
import { createStartPacing } from './start-pacing.ts'
import { sealedPasskeys } from './unknown-passkey.ts'

/** What the service offers as first factors in its own SELECT_CHALLENGE, the same for every email. */
export const FIRST_FACTORS = ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN']

const PREFERRED_CHALLENGE = { email_otp: 'EMAIL_OTP', passkey: 'WEB_AUTHN' } as const

/** Starts passwordless sign-ins; see PasswordlessStart's one method. */
export type PasswordlessStart = (input: PasswordlessInput) => Promise<PasswordlessChallenge>

/**
 * InitiateAuth USER_AUTH for `email` with PREFERRED_CHALLENGE from `method` (email_otp: EMAIL_OTP,
 * passkey: WEB_AUTHN). When Cognito answers that challenge, its session is sealed with the actual
 * username; when it answers anything else (another challenge, or a failure that only tells the
 * account's state), the session is a decoy. Either way the parameters are computed from the request:
 * EMAIL_OTP names the destination masked from the typed email, WEB_AUTHN hands out request options
 * with an empty allow-list (passkeys are discoverable; WebAuthn Level 3 §5.5 `allowCredentials`).
 * Without a method: the service's own SELECT_CHALLENGE listing FIRST_FACTORS, with no Cognito call;
 * its answer runs the chosen start (sign-in.ts). A decoy is held as long as a recent real start of
 * the same method, drawn at random, took (start-pacing.ts).
 * @throws ProblemError for a failure that is not about the account (the service's configuration, Cognito down).
 */
export function passwordlessStart({ config, call, secretHash, sessions, decoys, accountOf }: GatewayCore) {
  const options = createRequestOptions(
    config.passkeyRelyingParty && {
      ...config.passkeyRelyingParty,
      timeoutMs: (config.authSessionValiditySeconds ?? DEFAULT_AUTH_SESSION_SECONDS) * 1000,
    },
  )
  const pacing = createStartPacing()
  const initiate = async (email: string, preferred: string): Promise<InitiateAuthResponse | undefined> => {
    const hash = await secretHash(email)
    try {
      return await call(
        'InitiateAuth',
        {
          ClientId: config.clientId,
          AuthFlow: 'USER_AUTH',
          AuthParameters: { USERNAME: email, PREFERRED_CHALLENGE: preferred, ...(hash ? { SECRET_HASH: hash } : {}) },
        },
        'UserAuth',
      )
    } catch (error) {
      // An app client without ALLOW_USER_AUTH ("... flow not enabled for this client") is our
      // configuration, not the account: it must not turn every start into a decoy unnoticed.
      if (!(error instanceof ProblemError)) throw error
      if (/flow not enabled/i.test(String((error.cause as { message?: unknown } | undefined)?.message)))
        throw new ProblemError('internal_error', undefined, { cause: error.cause })
      if (revealsAccountState(error.cause)) return undefined
      throw error
    }
  }

  const start: PasswordlessStart = async ({ email, method }) => {
    const account = accountOf(email)
    if (!method)
      return {
        challengeName: 'SELECT_CHALLENGE',
        session: await sessions.seal({ selectionFor: email, account }, decoys.session()),
        challengeParameters: {},
        availableChallenges: FIRST_FACTORS,
      }
    const challengeName = PREFERRED_CHALLENGE[method]
    const startedAt = performance.now()
    const out = await initiate(email, challengeName)
    const real = out?.ChallengeName === challengeName && out.Session ? out.Session : undefined
    // The actual username where Cognito names it; Amplify's tests show USER_AUTH challenges naming
    // none, and then the email, which Cognito takes as the answer's USERNAME (SECRET_HASH over it).
    const actualUsername = out?.ChallengeParameters?.USER_ID_FOR_SRP ?? out?.ChallengeParameters?.USERNAME ?? email
    const cognitoOptions = real && out?.ChallengeParameters?.CREDENTIAL_REQUEST_OPTIONS
    // A WEB_AUTHN start seals its passkeys' digests (random for a decoy), so every start seals one length.
    const passkeys = challengeName === 'WEB_AUTHN' ? sealedPasskeys(cognitoOptions) : {}
    let session: string
    if (real !== undefined) {
      decoys.rememberSession(real)
      session = await sessions.seal({ username: actualUsername, account, ...passkeys }, real)
      // Measured to the point where a decoy is held, so that the seal counts on both sides.
      pacing.real(challengeName, performance.now() - startedAt)
    } else {
      session = await sessions.seal({ decoy: decoys.id(), account, ...passkeys }, decoys.session())
      await pacing.holdDecoy(challengeName, startedAt)
    }
    const challengeParameters: Record<string, string> =
      challengeName === 'EMAIL_OTP'
        ? { CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL', CODE_DELIVERY_DESTINATION: maskedEmailDelivery(email).destination! }
        : { CREDENTIAL_REQUEST_OPTIONS: options.of(cognitoOptions) }
    return { challengeName, session, challengeParameters }
  }
  return start
}
