// Signing in: with a password, answering a challenge, and starting a passwordless sign-in (Cognito
// choice-based sign-in, USER_AUTH).
import type { ChallengeNameType, InitiateAuthResponse } from '@aws-sdk/client-cognito-identity-provider'
import { ProblemError } from '../http/problem.ts'
import type { PasswordlessChallenge, PasswordlessInput } from '../schemas/passwordless.ts'
import type { ChallengeInput, SignInInput } from '../schemas/sign-in.ts'
import { asUnknownAddressOnAccountState, maskedEmailDelivery } from './enumeration.ts'
import type { GatewayCore } from './gateway-core.ts'
import type { SignInResult } from './token-answers.ts'
import { onceForUser } from './totp-replay.ts'

export interface SignInCalls {
  /** InitiateAuth USER_PASSWORD_AUTH: tokens or the next challenge. */
  signIn(input: SignInInput): Promise<SignInResult>
  /**
   * RespondToAuthChallenge with the USERNAME and SECRET_HASH of the user the session names. A
   * SOFTWARE_TOKEN_MFA code already accepted for that user is refused before Cognito sees it (totp-replay.ts).
   * @throws ProblemError not_authorized for a session that does not open; code_mismatch for a used code.
   */
  respondToChallenge(input: ChallengeInput): Promise<SignInResult>
  /**
   * InitiateAuth USER_AUTH for `email`, PREFERRED_CHALLENGE from `method` (email_otp: EMAIL_OTP,
   * passkey: WEB_AUTHN, none: SELECT_CHALLENGE). Answers the same shape whether or not the account
   * exists (the app client hides user existence; an unconfirmed account gets a session that fails).
   */
  startPasswordless(input: PasswordlessInput): Promise<PasswordlessChallenge>
}

const PREFERRED_CHALLENGE = { email_otp: 'EMAIL_OTP', passkey: 'WEB_AUTHN' } as const

export function signInCalls({
  config,
  call,
  secretHash,
  sessions,
  usedTotpCodes,
  authResult,
}: GatewayCore): SignInCalls {
  const { clientId } = config
  return {
    async signIn({ email, password }) {
      const hash = await secretHash(email)
      const out = await call('InitiateAuth', {
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password, ...(hash ? { SECRET_HASH: hash } : {}) },
      })
      return await authResult(out, email)
    },

    async respondToChallenge({ email, challengeName, session: clientValue, responses }) {
      const { username, session } = await sessions.open(clientValue, email)
      const hash = await secretHash(username)
      const respond = () =>
        call('RespondToAuthChallenge', {
          ClientId: clientId,
          ChallengeName: challengeName as ChallengeNameType,
          Session: session,
          // Ours last: a client cannot forge the hash; Cognito refuses a session of another user.
          ChallengeResponses: { ...responses, USERNAME: username, ...(hash ? { SECRET_HASH: hash } : {}) },
        })
      const totpCode = challengeName === 'SOFTWARE_TOKEN_MFA' ? responses.SOFTWARE_TOKEN_MFA_CODE : undefined
      const out = await (totpCode === undefined ? respond() : onceForUser(usedTotpCodes, username, totpCode, respond))
      return await authResult(out, username)
    },

    async startPasswordless({ email, method }) {
      const preferred = method ? PREFERRED_CHALLENGE[method] : undefined
      const initiate = async (username: string) => {
        const hash = await secretHash(username)
        return call(
          'InitiateAuth',
          {
            ClientId: clientId,
            AuthFlow: 'USER_AUTH',
            AuthParameters: {
              USERNAME: username,
              ...(preferred ? { PREFERRED_CHALLENGE: preferred } : {}),
              ...(hash ? { SECRET_HASH: hash } : {}),
            },
          },
          'UserAuth',
        )
      }
      // Cognito tells an unconfirmed account apart (UserNotConfirmedException), and only an existing
      // account can hit its per-user code limit or a failed delivery: answer what it answers for an
      // address nobody has (a session that never signs in), with the destination masked from the request.
      const out: InitiateAuthResponse = await asUnknownAddressOnAccountState(email, initiate)
      const result = await authResult(out, email)
      if (!('challenge' in result))
        throw new ProblemError('upstream_error', undefined, { cause: new Error('tokens without a challenge') })
      const { USERNAME: _named, ...parameters } = result.challenge.challengeParameters
      // Computed from the request, so that it is the same for every account state.
      if (out.ChallengeName === 'EMAIL_OTP')
        parameters.CODE_DELIVERY_DESTINATION = maskedEmailDelivery(email).destination!
      return {
        ...result.challenge,
        challengeParameters: parameters,
        ...(out.AvailableChallenges ? { availableChallenges: out.AvailableChallenges } : {}),
      }
    },
  }
}
