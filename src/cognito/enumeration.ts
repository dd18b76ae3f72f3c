/**
 * No account enumeration: the whole rule, in one place. A caller must not learn from an answer
 * whether an email has an account, nor in which state it is (OWASP ASVS 6.3.8; OWASP Authentication
 * Cheat Sheet, "Authentication and Error Messages"). Cognito hides most of it itself when the app
 * client has `PreventUserExistenceErrors` on (Cognito developer guide, "Managing user existence
 * error responses"), which the deployed and the local pools have; this module hides the rest:
 *
 * - Sign-in with a password: a wrong password and an unknown email are the same 401 (Cognito, and
 *   errors.ts maps UserNotFoundException like NotAuthorizedException). Under SIGNUP_ENUMERATION_SAFE
 *   an unconfirmed account's UserNotConfirmedException becomes that 401 too (`signInHidingUnconfirmed`).
 * - Sign-up: under SIGNUP_ENUMERATION_SAFE an existing email answers like a fresh sign-up, with a
 *   made-up sub and the delivery masked from the request (`signUpHidingExistingAccount`).
 * - Forgot password and resending the confirmation code: every failure that only tells the account's
 *   state (`revealsAccountState`) is answered as a success (`hidingAccountState`), with the delivery
 *   masked from the request (`maskedEmailDelivery`).
 * - A passwordless start: its answer is computed from the request alone; such a failure, or a
 *   challenge other than the one asked, gets a decoy session that never signs in and fails like a
 *   real one (passwordless.ts, decoys.ts); what the answer needs is sealed (challenge-session.ts).
 * - Confirming a code (sign-up, forgot password): an unknown account is a wrong code (errors.ts,
 *   CODE_FAILURE).
 */
import { ProblemError } from '../http/problem.ts'
import type { CodeDeliveryDetails } from '../schemas/shared.ts'
import type { SignUpResult } from '../schemas/sign-in.ts'
import { isSecretHashFailure, type CognitoLikeError } from './errors.ts'

// Failures that only say whether (or in which state) an account exists. Cognito's per-user limit on
// sending codes (LimitExceededException) and a failed delivery (CodeDeliveryFailureException) happen
// only for an account that exists, so they are among them.
const ACCOUNT_STATE = new Set([
  'UserNotFoundException',
  'UserNotConfirmedException',
  'InvalidParameterException',
  'NotAuthorizedException',
  'LimitExceededException',
  'CodeDeliveryFailureException',
])

/** True when the failure only tells whether the account exists (never for our own misconfiguration). */
export function revealsAccountState(error: unknown): boolean {
  const err = (typeof error === 'object' && error !== null ? error : {}) as CognitoLikeError
  return typeof err.name === 'string' && ACCOUNT_STATE.has(err.name) && !isSecretHashFailure(err)
}

/**
 * What the enumeration-safe routes answer, computed from the request alone so that it is the same
 * for an existing account, an unknown one and an unconfirmed one: "a***@e***", as Cognito masks.
 */
export function maskedEmailDelivery(email: string): CodeDeliveryDetails {
  const at = email.lastIndexOf('@')
  return {
    destination: `${email.slice(0, 1)}***@${email.slice(at + 1, at + 2)}***`,
    deliveryMedium: 'EMAIL',
    attributeName: 'email',
  }
}

/** Settles like `call`, except that a failure revealing the account's state counts as success. */
export const hidingAccountState = (call: Promise<unknown>): Promise<void> =>
  call.then(
    () => undefined,
    (problem: ProblemError) => {
      if (!revealsAccountState(problem.cause)) throw problem
    },
  )

/**
 * SIGNUP_ENUMERATION_SAFE sign-up: `signUp`'s answer with the delivery masked from the request, and
 * for an existing email (username_exists) the same shape with a made-up sub; `onHidden` hears the
 * reason (for the operator's auth event).
 */
export async function signUpHidingExistingAccount(
  email: string,
  signUp: () => Promise<SignUpResult>,
  onHidden: (reason: 'username_exists') => void,
): Promise<SignUpResult> {
  const codeDelivery = maskedEmailDelivery(email)
  try {
    return { ...(await signUp()), codeDelivery }
  } catch (error) {
    if (!(error instanceof ProblemError) || error.code !== 'username_exists') throw error
    onHidden(error.code)
    return { userSub: crypto.randomUUID(), userConfirmed: false, codeDelivery }
  }
}

/**
 * SIGNUP_ENUMERATION_SAFE sign-in: Cognito answers UserNotConfirmedException for an unconfirmed
 * account whatever the password, which tells it apart from an unknown email (NotAuthorized); that
 * answer becomes the unknown email's 401, byte for byte.
 */
export async function signInHidingUnconfirmed<T>(signIn: () => Promise<T>): Promise<T> {
  try {
    return await signIn()
  } catch (error) {
    if (error instanceof ProblemError && error.code === 'user_not_confirmed')
      throw new ProblemError('not_authorized', undefined, { cause: error.cause })
    throw error
  }
}
