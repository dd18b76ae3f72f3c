// Signing up, in and out: the seed's two routes (same paths, same success message) and the rest of
// a session's life.
import { Elysia, t } from 'elysia'
import { signInAnswer, TokensOrChallenge } from '../answers/sign-in.ts'
import { signInHidingUnconfirmed, signUpHidingExistingAccount } from '../cognito/enumeration.ts'
import type { CognitoGateway } from '../cognito/gateway.ts'
import { subOfIdToken } from '../cognito/token-answers.ts'
import { createRevocationList, revokeUserSignOut, type RevocationList } from '../tokens/revocations.ts'
import { noContent } from '../http/no-content.ts'
import { noteAuthEvent } from '../observability/auth-events.ts'
import { isReusedRefreshToken, REFRESH_TOKEN_REUSED_EVENT } from '../state/shared-refreshes.ts'
import { problemResponses } from '../schemas/problems.ts'
import {
  ChallengeBody,
  DEVICE_TOKEN_PARAMETER,
  RefreshBody,
  RefreshResponse,
  SignInBody,
  SignUpBody,
  SignUpResponse,
  type SignInInput,
  type SignUpInput,
  type SignUpResult,
} from '../schemas/sign-in.ts'
import type { Policies } from '../policies/policies.ts'

export const SIGNED_UP = 'User signed up successfully!'

const DEVICE_TOKEN_NOTE =
  ' Wrong attempts are limited per account; send the `deviceToken` of an earlier sign-in on this device as ' +
  '`X-Device-Token` so that attempts from elsewhere cannot lock this device out (429 otherwise).'

/** The auth event of this request names the user the ID token belongs to. */
function noteTokensOwner(request: Request, idToken: string): void {
  const sub = subOfIdToken(idToken)
  if (sub) noteAuthEvent(request, { sub })
}

/** Signs up; the auth event names the new user. */
async function signUpNoted(gateway: CognitoGateway, input: SignUpInput, request: Request): Promise<SignUpResult> {
  const result = await gateway.signUp(input)
  if (result.userSub) noteAuthEvent(request, { sub: result.userSub })
  return result
}

/** SIGNUP_ENUMERATION_SAFE (enumeration.ts): the operator's auth event says what the client must not learn. */
const enumerationSafeSignUp = (gateway: CognitoGateway) => (input: SignUpInput, request: Request) =>
  signUpHidingExistingAccount(
    input.email,
    () => signUpNoted(gateway, input, request),
    (reason) => noteAuthEvent(request, { reason }),
  )

/** SIGNUP_ENUMERATION_SAFE (enumeration.ts): an unconfirmed account answers like an unknown email. */
const enumerationSafeSignIn = (gateway: CognitoGateway) => (input: SignInInput) =>
  signInHidingUnconfirmed(() => gateway.signIn(input))

export interface AuthRoutesOptions {
  enumerationSafe?: boolean
  /** Where /signout puts the user's tokens, so they fail the local check at once. */
  revocations?: RevocationList
}

export const authRoutes = (
  gateway: CognitoGateway,
  policies: Policies,
  { enumerationSafe = false, revocations = createRevocationList() }: AuthRoutesOptions = {},
) => {
  const signUp = enumerationSafe
    ? enumerationSafeSignUp(gateway)
    : (input: SignUpInput, request: Request) => signUpNoted(gateway, input, request)
  const signIn = enumerationSafe ? enumerationSafeSignIn(gateway) : (input: SignInInput) => gateway.signIn(input)
  return new Elysia({ tags: ['Sign-up and sign-in'] })
    .use(policies)
    .post(
      '/signup',
      async ({ body, set, request }) => {
        const result = await signUp(body, request)
        set.status = 201
        return { message: SIGNED_UP, ...result }
      },
      {
        rateGroup: 'signup',
        authEvent: 'sign_up',
        refuseBreachedPassword: 'password',
        successDescription:
          'The account exists. Unless `userConfirmed`, Cognito has emailed a code: confirm it with /signup/confirm.',
        body: SignUpBody,
        response: {
          201: SignUpResponse,
          ...problemResponses([
            ...(enumerationSafe ? [] : ['username_exists' as const]),
            'invalid_password',
            'password_breached',
            'invalid_parameter',
            'password_check_unavailable',
          ]),
        },
        detail: {
          summary: 'Create an account',
          description:
            'Registers the email with Cognito. Cognito emails a confirmation code; ' +
            'confirm with POST /signup/confirm before signing in. A password found in a public list of leaked ' +
            'passwords is 400 password_breached.' +
            (enumerationSafe ? ' An email that already has an account gets the same 201 (and no email).' : ''),
        },
      },
    )
    .post('/signin', async ({ body, request }) => signInAnswer(await signIn(body), request), {
      rateGroup: 'signin',
      failureBudget: 'password',
      authEvent: 'sign_in',
      flagBreachedPassword: true,
      body: SignInBody,
      response: {
        200: TokensOrChallenge,
        ...problemResponses([
          'not_authorized',
          ...(enumerationSafe ? [] : ['user_not_confirmed' as const]),
          'password_reset_required',
        ]),
      },
      detail: {
        summary: 'Sign in with email and password',
        description:
          'Cognito USER_PASSWORD_AUTH. Answers the tokens (`token` is the ID token, kept for compatibility with earlier clients) or a challenge to ' +
          'answer with POST /signin/challenge. A wrong password and an unknown email get the same 401' +
          (enumerationSafe
            ? ', and so does an account not yet confirmed.'
            : '; an account not yet confirmed gets 403 user_not_confirmed.') +
          ' When the password appears in a public list of leaked passwords, the tokens come with ' +
          '`passwordBreached: true`: the sign-in succeeded, and the app should ask for a new password.' +
          DEVICE_TOKEN_NOTE,
        parameters: [DEVICE_TOKEN_PARAMETER],
      },
    })
    .post(
      '/signin/challenge',
      async ({ body, request }) => signInAnswer(await gateway.respondToChallenge(body), request),
      {
        rateGroup: 'signin',
        failureBudget: 'password',
        rateAccount: 'session',
        authEvent: 'challenge_answered',
        refuseBreachedPassword: 'NEW_PASSWORD',
        body: ChallengeBody,
        response: {
          200: TokensOrChallenge,
          ...problemResponses([
            'not_authorized',
            'session_expired',
            'passkey_unknown',
            'code_mismatch',
            'code_expired',
            'invalid_password',
            'password_breached',
            'invalid_parameter',
            'password_check_unavailable',
          ]),
        },
        detail: {
          summary: 'Answer a sign-in challenge',
          description:
            'Cognito RespondToAuthChallenge. Send `session` exactly as the previous answer gave it: it names the user the ' +
            'Cognito RespondToAuthChallenge. Send `session` exactly as the previous answer gave it: it names the user the ' +
            'challenge belongs to (the `email` in the body is not used to find the user, nor for the rate limit), and the ' +
            'service adds USERNAME and SECRET_HASH for that user itself. A session that expired (3 minutes by default), ' +
            'was used up by wrong answers or was not handed out by this service is 400 session_expired: start signing in again. ' +
            'A NEW_PASSWORD found in a public list of leaked passwords is 400 password_breached (the session stays usable).' +
            DEVICE_TOKEN_NOTE,
          parameters: [DEVICE_TOKEN_PARAMETER],
        },
      },
    )
    .post(
      '/token/refresh',
      async ({ body, request }) => {
        const tokens = await gateway.refresh(body.refreshToken, body.username).catch((error: unknown) => {
          if (isReusedRefreshToken(error)) noteAuthEvent(request, { event: REFRESH_TOKEN_REUSED_EVENT })
          throw error
        })
        noteTokensOwner(request, tokens.idToken)
        return tokens
      },
      {
        authEvent: 'token_refreshed',
        successDescription:
          'New ID and access tokens for the refresh token, and a new refresh token when the service rotates them.',
        body: RefreshBody,
        response: { 200: RefreshResponse, ...problemResponses(['invalid_token']) },
        detail: {
          summary: 'Get new ID and access tokens',
          description:
            'When the service rotates refresh tokens (Cognito GetTokensFromRefreshToken), the answer carries a new ' +
            '`refreshToken`: keep it; the one sent stops working after a grace period of up to a minute, and sending it ' +
            'again later is 401 invalid_token. `username` is then not needed. Otherwise (Cognito REFRESH_TOKEN_AUTH) ' +
            '`username` is required: the Cognito username /signin returned, not the email. Several refreshes of the same ' +
            'token at the same moment (two tabs, a retry) get the same answer.',
        },
      },
    )
    .post(
      '/signout',
      async ({ accessToken, claims }) => {
        await gateway.globalSignOut(accessToken)
        revokeUserSignOut(revocations, claims)
        return noContent()
      },
      {
        bearer: true,
        authEvent: 'signed_out',
        response: {
          204: t.Void({ description: 'Signed out everywhere.' }),
          ...problemResponses([], { body: false }),
        },
        detail: {
          summary: 'Sign out everywhere',
          description: 'Cognito GlobalSignOut: every access and refresh token of the user stops working.',
        },
      },
    )
}
