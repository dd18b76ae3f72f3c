// The tokens in Cognito's answers, in this API's words: a refresh's, and a sign-in's with the user
// the ID token names.
import type { AuthenticationResultType } from '@aws-sdk/client-cognito-identity-provider'
import { ProblemError } from '../http/problem.ts'
import type { Challenge, RefreshedTokens, Tokens } from '../schemas/sign-in.ts'

/**
 * A sign-in step's outcome: the tokens, with the `sub` their ID token names (for the auth event;
 * read once, with the username) and whether the sign-in's password is in the breach corpus (sealed
 * in its challenge session), or the next challenge.
 */
export type SignInResult =
  | { tokens: Tokens; sub?: string | undefined; passwordBreached?: true }
  | { challenge: Challenge }

// Cognito's default access/ID token validity; cognito-local omits ExpiresIn on some flows.
const DEFAULT_EXPIRES_IN = 3600

/** The tokens of a refresh answer; a refresh token only when the app client rotates them. */
export function refreshedTokensOf(result: AuthenticationResultType | undefined): RefreshedTokens {
  const { IdToken, AccessToken, RefreshToken, ExpiresIn } = result ?? {}
  if (!IdToken || !AccessToken)
    throw new ProblemError('upstream_error', undefined, { cause: new Error('Cognito returned no tokens') })
  return {
    idToken: IdToken,
    accessToken: AccessToken,
    ...(RefreshToken ? { refreshToken: RefreshToken } : {}),
    expiresIn: ExpiresIn ?? DEFAULT_EXPIRES_IN,
    tokenType: 'Bearer',
  }
}

/**
 * The tokens of a sign-in answer, with the Cognito username read from the ID token: its
 * `cognito:username` (a UUID when email is the sign-in alias), and its `sub`. Read without
 * verification: the token came straight from Cognito on this call, and only these are taken. One
 * decode for both: the ID token is the largest field of the answer.
 */
export function signedIn(result: AuthenticationResultType): SignInResult {
  const tokens = refreshedTokensOf(result)
  const claims = unverifiedClaims(tokens.idToken)
  const name = claims?.['cognito:username'] ?? claims?.sub
  // a malformed token from upstream is an upstream error
  if (typeof name !== 'string' || name === '')
    throw new ProblemError('upstream_error', undefined, { cause: new Error('ID token without cognito:username') })
  return { tokens: { ...tokens, username: name }, sub: subOf(claims) }
}

/**
 * The `sub` of an ID token Cognito just answered with (read without verification, as `signedIn`
 * does), for the auth event; undefined if it has none.
 */
export const subOfIdToken = (idToken: string): string | undefined => subOf(unverifiedClaims(idToken))

/** The ids of an access token that the revocation list keys on (tokens/revocations.ts). */
export interface TokenIds {
  jti?: string
  originJti?: string
  /** `exp`, epoch seconds. */
  expiresAt?: number
}

/**
 * The ids of an access token Cognito just answered with, read without verification (as `signedIn`
 * does): its `jti`, `origin_jti` (the refresh token it was minted from) and `exp`.
 */
export function tokenIdsOf(accessToken: string | undefined): TokenIds {
  const claims = accessToken === undefined ? undefined : unverifiedClaims(accessToken)
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined)
  const jti = text(claims?.jti)
  const originJti = text(claims?.origin_jti)
  const exp = claims?.exp
  return {
    ...(jti ? { jti } : {}),
    ...(originJti ? { originJti } : {}),
    ...(typeof exp === 'number' ? { expiresAt: exp } : {}),
  }
}

function subOf(claims: Record<string, unknown> | undefined): string | undefined {
  const sub = claims?.sub
  return typeof sub === 'string' && sub !== '' ? sub : undefined
}

function unverifiedClaims(jwt: string): Record<string, unknown> | undefined {
  try {
    const claims: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'))
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
