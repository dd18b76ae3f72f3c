// Signing in: with a password, answering a challenge, and starting a passwordless sign-in (Cognito
// choice-based sign-in, USER_AUTH; passwordless.ts).
import type { ChallengeNameType } from '@aws-sdk/client-cognito-identity-provider'
import { ProblemError } from '../http/problem.ts'
import type { PasswordlessChallenge, PasswordlessInput } from '../schemas/passwordless.ts'
import type { ChallengeInput, SignInInput } from '../schemas/sign-in.ts'
import type { OpenedSession } from './challenge-session.ts'
import { signInHidingUnconfirmed } from './enumeration.ts'
import type { GatewayCore } from './gateway-core.ts'
import { FIRST_FACTORS, passwordlessStart } from './passwordless.ts'
import type { SignInResult } from './token-answers.ts'
import { onceForUser } from './totp-replay.ts'
import { isUnknownPasskey } from './unknown-passkey.ts'

export interface SignInCalls {
  /** InitiateAuth USER_PASSWORD_AUTH: tokens or the next challenge. */
  signIn(input: SignInInput): Promise<SignInResult>
  /**
   * RespondToAuthChallenge with the USERNAME and SECRET_HASH of the user the session names; one
   * Cognito call per answer, for a decoy too (which then fails as a wrong answer would). An answer to
   * the service's own SELECT_CHALLENGE starts the chosen factor instead. A SOFTWARE_TOKEN_MFA code
   * already accepted for that user is refused before Cognito sees it (totp-replay.ts).
   * @throws ProblemError session_expired for a session that does not open, has expired or is spent;
   *   code_mismatch for a used code.
   */
  respondToChallenge(input: ChallengeInput): Promise<SignInResult>
  /**
   * A passwordless start, the same for every email (passwordless.ts): an unknown, unconfirmed or
   * otherwise unable account gets a decoy session that fails at the answer.
   */
  startPasswordless(input: PasswordlessInput): Promise<PasswordlessChallenge>
  /**
   * The same challenge session with the breached-password flag sealed in: the tokens at the end of
   * the sign-in carry `passwordBreached`. For /signin's answer when Cognito accepted a listed password
   * and asked for a challenge.
   * @throws ProblemError session_expired for a session that does not open.
   */
  flagPasswordBreached(session: string): Promise<string>
  /**
   * The rate-limit account a challenge answer counts against: the one sealed in `session` (the key
   * /signin counts its email under, src/state/account-keys.ts), whatever email the body names. Read
   * from the session's clear part, unverified (synchronous: the rate limiter calls it before the
   * route runs); an edited one does not open, so it only counts a request answered session_expired
   * without Cognito. Undefined for a value not of a session's shape.
   */
  challengeAccount(session: string): string | undefined
}

// What a wrong answer to a decoy is, per challenge: what Cognito's wrong answer maps to there.
const DECOY_WRONG_ANSWER: Readonly<Record<string, 'code_mismatch' | 'not_authorized'>> = {
  EMAIL_OTP: 'code_mismatch',
  WEB_AUTHN: 'not_authorized',
}

export function signInCalls(core: GatewayCore): SignInCalls {
  const { config, call, secretHash, sessions, decoys, usedTotpCodes, authResult, accountOf } = core
  const { clientId } = config
  const startPasswordless = passwordlessStart(core)

  const signIn = async ({ email, password }: SignInInput) => {
    const hash = await secretHash(email)
    const out = await call('InitiateAuth', {
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password, ...(hash ? { SECRET_HASH: hash } : {}) },
    })
    return await authResult(out, { username: email, account: accountOf(email) })
  }

  const respond = async (
    { challengeName, responses }: Pick<ChallengeInput, 'challengeName' | 'responses'>,
    username: string,
    session: string,
  ) => {
    const hash = await secretHash(username)
    return call('RespondToAuthChallenge', {
      ClientId: clientId,
      ChallengeName: challengeName as ChallengeNameType,
      Session: session,
      // Ours last: a client cannot forge the hash; Cognito refuses a session of another user.
      ChallengeResponses: { ...responses, USERNAME: username, ...(hash ? { SECRET_HASH: hash } : {}) },
    })
  }

  // A decoy is answered by Cognito too (a random session it refuses), so that a decoy's answer costs
  // what a real one does; Cognito's refusal is then replaced by what a real session answers.
  const answerDecoy = async (input: ChallengeInput, { claims, session }: OpenedSession, decoy: string) => {
    await respond(input, crypto.randomUUID(), session).catch((error: unknown) => {
      if (!(error instanceof ProblemError) || error.status >= 500) throw error
    })
    if (decoys.answer(decoy, claims.expiresAt) === 'spent') throw new ProblemError('session_expired')
    throw new ProblemError(DECOY_WRONG_ANSWER[input.challengeName] ?? 'not_authorized')
  }

  // The service's own SELECT_CHALLENGE: the chosen factor starts now, for the email sealed in it.
  const answerSelection = async (input: ChallengeInput, email: string): Promise<SignInResult> => {
    const answer = input.responses.ANSWER
    if (input.challengeName !== 'SELECT_CHALLENGE' || !answer || !FIRST_FACTORS.includes(answer))
      throw new ProblemError(
        'invalid_parameter',
        'Answer SELECT_CHALLENGE with {"ANSWER": one of availableChallenges}.',
      )
    // An unconfirmed account's password answer is the unknown email's 401, as every other answer here.
    if (answer === 'PASSWORD')
      return signInHidingUnconfirmed(() => signIn({ email, password: input.responses.PASSWORD ?? '' }))
    return { challenge: await startPasswordless({ email, method: answer === 'EMAIL_OTP' ? 'email_otp' : 'passkey' }) }
  }

  return {
    signIn,
    startPasswordless,

    async respondToChallenge(input) {
      const opened = await sessions.open(input.session)
      const { username, decoy, selectionFor, account, passwordBreached } = opened.claims
      if (selectionFor !== undefined) return answerSelection(input, selectionFor)
      if (decoy !== undefined || username === undefined) return answerDecoy(input, opened, decoy ?? '')
      // Cognito's refusal of an expired or spent session is session_expired (errors.ts).
      const send = () =>
        respond(input, username, opened.session).catch((error: unknown) => {
          // A refused passkey that this account no longer has: its own code, so the page can signal it.
          if (
            error instanceof ProblemError &&
            error.code === 'not_authorized' &&
            input.challengeName === 'WEB_AUTHN' &&
            isUnknownPasskey(input.responses.CREDENTIAL, opened.claims)
          )
            throw new ProblemError('passkey_unknown', undefined, { cause: error })
          throw error
        })
      const totpCode =
        input.challengeName === 'SOFTWARE_TOKEN_MFA' ? input.responses.SOFTWARE_TOKEN_MFA_CODE : undefined
      const out = await (totpCode === undefined ? send() : onceForUser(usedTotpCodes, username, totpCode, send))
      return await authResult(out, { username, account, passwordBreached })
    },

    async flagPasswordBreached(clientValue) {
      const { claims, session } = await sessions.open(clientValue)
      return sessions.seal({ ...claims, passwordBreached: true }, session)
    },

    challengeAccount: sessions.accountOf,
  }
}
