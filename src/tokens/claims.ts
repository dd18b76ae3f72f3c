// What a verified access token says, and the shape of a verifier: shared by the verifier itself
// (access-token-verifier.ts, jwt-verifier.ts), the revocation list and the routes that read claims.

/** The claims of a verified Cognito access token that the service uses. */
export interface AccessClaims {
  sub: string
  username: string
  /** When the user last signed in (the token's `auth_time`, epoch seconds); a refresh keeps it. */
  authTime: number
  /** The token's own id (`jti`). */
  jti?: string
  /** The `jti` of the refresh token it was minted from (`origin_jti`; Cognito sets it when the app client has token revocation on). */
  originJti?: string
  /** `iat`, epoch seconds (the real verifier always sets it). */
  issuedAt?: number
  /** `exp`, epoch seconds (the real verifier always sets it). */
  expiresAt?: number
  /** The user's groups (`cognito:groups`; absent from the token when the user is in none). */
  groups?: string[]
  /** The token's OAuth scopes (`scope`, space-separated in the token). */
  scopes?: string[]
}

/**
 * Resolves the claims of a valid access token; rejects with a ProblemError: invalid_token (forged,
 * expired, revoked, another client's), upstream_unavailable (the pool's keys could not be fetched).
 */
export type AccessTokenVerifier = (token: string) => Promise<AccessClaims>
