// Access tokens revoked here, known to this task before they expire. Cognito revokes tokens on its
// side (GlobalSignOut, RevokeToken, DeleteUser), but a revoked access token still passes any local
// JWT check until its `exp` (developer guide, "Ending user sessions with token revocation": "revoked
// tokens will still be valid if they are verified using any JWT library"). This list closes that
// gap for the routes of this task. It lives in memory: another task does not see it.
import { ProblemError } from '../http/problem.ts'
import type { AccessClaims, AccessTokenVerifier } from './claims.ts'

/** What a revocation check needs of an access token (its verified claims). */
export type RevocableClaims = Pick<AccessClaims, 'sub' | 'jti' | 'originJti' | 'issuedAt'> &
  Partial<Pick<AccessClaims, 'authTime'>>

export interface RevocationList {
  /**
   * The token id `id` (a `jti`, or an `origin_jti`: every access token minted from that refresh
   * token) is dead until `expiresAt` (epoch seconds), after which the token is dead anyway.
   */
  revokeTokenId(id: string, expiresAt: number): void
  /**
   * Every access token of `sub` issued before `notBefore` (epoch seconds, compared with `iat`) is
   * dead; kept until `forgetAt` (epoch seconds), when every such token has expired.
   */
  revokeUserTokens(sub: string, notBefore: number, forgetAt: number): void
  /**
   * Every access token of `sub` whose sign-in (`auth_time`) was before `signedInBefore` (epoch
   * seconds) is dead, refreshed ones too; kept until `forgetAt`.
   */
  revokeSignInsBefore(sub: string, signedInBefore: number, forgetAt: number): void
  /** True when the token was revoked by one of the above. */
  isRevoked(claims: RevocableClaims): boolean
  /** Live entries (token ids and users; expired ones are dropped first), for tests and metrics. */
  size(): number
}

/** Enough for every sign-out of a busy hour; a few MB at most. */
export const DEFAULT_MAX_REVOCATIONS = 100_000

interface Entry {
  /** For a user: tokens issued before this are dead. For a token id: unused (0). */
  notBefore: number
  /** Epoch seconds after which the entry is useless. */
  forgetAt: number
}

/**
 * A bounded in-memory revocation list. Entries leave when their tokens have expired; when it is
 * full, the entry that was added first goes (a bound against memory exhaustion: every entry needs a
 * signed-in user's own request, and Cognito's sign-in limits slow such a flood down).
 * @param now epoch milliseconds (tests move time).
 */
export function createRevocationList({
  maxEntries = DEFAULT_MAX_REVOCATIONS,
  now = Date.now,
}: {
  maxEntries?: number
  now?: () => number
} = {}): RevocationList {
  // One Map for both kinds, keyed apart, so a single bound covers them. Insertion order: the oldest
  // first, which is what overflow drops.
  const entries = new Map<string, Entry>()
  const nowSeconds = () => now() / 1000

  const forgetExpired = () => {
    const at = nowSeconds()
    for (const [key, entry] of entries) if (entry.forgetAt <= at) entries.delete(key)
  }
  const put = (key: string, entry: Entry) => {
    if (entry.forgetAt <= nowSeconds()) return
    const previous = entries.get(key)
    entries.delete(key)
    if (entries.size >= maxEntries) forgetExpired()
    while (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
    entries.set(
      key,
      previous
        ? {
            notBefore: Math.max(previous.notBefore, entry.notBefore),
            forgetAt: Math.max(previous.forgetAt, entry.forgetAt),
          }
        : entry,
    )
  }
  const live = (key: string | undefined): Entry | undefined => {
    if (key === undefined) return undefined
    const entry = entries.get(key)
    if (entry && entry.forgetAt <= nowSeconds()) {
      entries.delete(key)
      return undefined
    }
    return entry
  }

  return {
    revokeTokenId(id, expiresAt) {
      put(`t:${id}`, { notBefore: 0, forgetAt: expiresAt })
    },
    revokeUserTokens(sub, notBefore, forgetAt) {
      put(`u:${sub}`, { notBefore, forgetAt })
    },
    revokeSignInsBefore(sub, signedInBefore, forgetAt) {
      put(`s:${sub}`, { notBefore: signedInBefore, forgetAt })
    },
    isRevoked({ sub, jti, originJti, issuedAt, authTime }) {
      if (entries.size === 0) return false
      if (live(jti === undefined ? undefined : `t:${jti}`)) return true
      if (live(originJti === undefined ? undefined : `t:${originJti}`)) return true
      const user = live(`u:${sub}`)
      if (user !== undefined && (issuedAt ?? 0) < user.notBefore) return true
      const signIns = live(`s:${sub}`)
      return signIns !== undefined && (authTime ?? 0) < signIns.notBefore
    },
    size() {
      forgetExpired()
      return entries.size
    },
  }
}

/** The cause of the invalid_token a revoked token gets: what tells it from a forged or expired one (the token check's metrics). */
export class TokenRevokedError extends Error {
  override readonly name = 'TokenRevokedError'
}

/**
 * The verifier with the list behind it: a revoked token is a 401 invalid_token, like an expired one
 * (its cause a TokenRevokedError). The list is consulted after the signature check, so only genuine
 * tokens reach it.
 */
export function withRevocations(verify: AccessTokenVerifier, revocations: RevocationList): AccessTokenVerifier {
  return async (token) => {
    const claims = await verify(token)
    if (revocations.isRevoked(claims))
      throw new ProblemError('invalid_token', undefined, { cause: new TokenRevokedError('revoked') })
    return claims
  }
}

// Cognito's longest access-token validity (CreateUserPoolClient AccessTokenValidity: 5 minutes to
// 1 day): how long to remember a revocation when a token does not say its own lifetime.
const MAX_ACCESS_TOKEN_SECONDS = 86_400

/** How long the caller's tokens live (exp - iat), which every token of the same app client shares. */
const lifetimeOf = ({ issuedAt, expiresAt }: AccessClaims) =>
  issuedAt !== undefined && expiresAt !== undefined && expiresAt > issuedAt
    ? expiresAt - issuedAt
    : MAX_ACCESS_TOKEN_SECONDS

/**
 * After GlobalSignOut with the token of `claims`: every access token of the user issued before this
 * second, and the caller's own token, are dead. Tokens issued within the same second by another
 * sign-in are not covered (`iat` has second resolution, and a sign-in right after the sign-out must
 * work); Cognito itself refuses them on its side.
 */
export function revokeUserSignOut(list: RevocationList, claims: AccessClaims, nowMs = Date.now()): void {
  const now = Math.floor(nowMs / 1000)
  list.revokeUserTokens(claims.sub, now, now + lifetimeOf(claims))
  if (claims.jti !== undefined) list.revokeTokenId(claims.jti, claims.expiresAt ?? now + MAX_ACCESS_TOKEN_SECONDS)
}

/** After DeleteUser: every access token of the user, this second's included (no new one can be issued). */
export function revokeDeletedUser(list: RevocationList, claims: AccessClaims, nowMs = Date.now()): void {
  const now = Math.floor(nowMs / 1000)
  list.revokeUserTokens(claims.sub, now + 1, now + 1 + lifetimeOf(claims))
}

/**
 * After RevokeToken of the refresh token the caller's access token came from: every access token
 * minted from it (same `origin_jti`, developer guide "Ending user sessions with token revocation")
 * and the caller's own. No token is minted from it afterwards, so the last expires one lifetime from now.
 */
export function revokeDeviceSession(list: RevocationList, claims: AccessClaims, nowMs = Date.now()): void {
  const forgetAt = Math.floor(nowMs / 1000) + lifetimeOf(claims)
  if (claims.originJti !== undefined) list.revokeTokenId(claims.originJti, forgetAt)
  if (claims.jti !== undefined) list.revokeTokenId(claims.jti, claims.expiresAt ?? forgetAt)
}

/**
 * After RevokeToken of a refresh token the service itself minted and never handed out (the sign-in
 * that proves a factor): every access token minted from it. `ids` are that sign-in's access token's.
 */
export function revokeMintedSession(
  list: RevocationList,
  { jti, originJti, expiresAt }: { jti?: string; originJti?: string; expiresAt?: number },
  nowMs = Date.now(),
): void {
  const forgetAt = expiresAt ?? Math.floor(nowMs / 1000) + MAX_ACCESS_TOKEN_SECONDS
  if (originJti !== undefined) list.revokeTokenId(originJti, forgetAt)
  if (jti !== undefined) list.revokeTokenId(jti, forgetAt)
}

/**
 * After the password of `sub` was reset or changed and Cognito signed the user out everywhere
 * (AdminUserGlobalSignOut): every access token from a sign-in before this second is dead, refreshed
 * ones included. A sign-in from this second on (the new password's) is not.
 */
export function revokeEarlierSignIns(list: RevocationList, sub: string, nowMs = Date.now()): void {
  const now = Math.floor(nowMs / 1000)
  list.revokeSignInsBefore(sub, now, now + MAX_ACCESS_TOKEN_SECONDS)
}
