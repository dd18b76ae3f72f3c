// A short memory of good signatures for the token check: a proxy asks about the same access token
// before every request of a user's session, and checking its RS256 signature is most of the
// answer's CPU. Only verifications that succeeded are kept, under the token's SHA-256 (a collision
// would hand one user's identity to another, so the hash is a cryptographic one; the token itself is
// not kept), never past the token's own expiry. Revocations are not its business: the revocation
// list is consulted after it, on every check, so a token revoked a moment ago is refused at once.
import { createHash } from 'node:crypto'
import type { AccessClaims, AccessTokenVerifier } from './claims.ts'

/** Enough for the tokens of every user active within the cache's lifetime on one task. */
export const DEFAULT_MAX_CACHED_VERIFICATIONS = 50_000

interface Cached {
  claims: AccessClaims
  /** Epoch milliseconds after which the entry is not used. */
  until: number
}

/**
 * `verify` with its successes remembered for `seconds` (and never past the token's `exp`), at most
 * `maxEntries` of them (the oldest go first). Failures are not remembered: they are cheap to repeat
 * for garbage, and a remembered failure would be memory an attacker could fill.
 * @param now epoch milliseconds (tests move time).
 */
export function withVerificationCache(
  verify: AccessTokenVerifier,
  {
    seconds,
    maxEntries = DEFAULT_MAX_CACHED_VERIFICATIONS,
    now = Date.now,
  }: { seconds: number; maxEntries?: number; now?: () => number },
): AccessTokenVerifier {
  const entries = new Map<string, Cached>()
  return async (token) => {
    const key = createHash('sha256').update(token).digest('base64')
    const at = now()
    const cached = entries.get(key)
    if (cached !== undefined) {
      if (cached.until > at) return cached.claims
      entries.delete(key)
    }
    const claims = await verify(token)
    const until = Math.min(at + seconds * 1000, (claims.expiresAt ?? 0) * 1000)
    if (until > at) {
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string)
      entries.set(key, { claims, until })
    }
    return claims
  }
}
