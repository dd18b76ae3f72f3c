// Access-token verification before any bearer route calls Cognito: signature against the pool's
// JWKS, token_use = access, client_id, exp and issuer. A forged or expired token is refused here
// without a round trip. Revocation is known to Cognito, and to this task for the tokens revoked
// through it (revocations.ts).
import type { CognitoConfig } from '../config.ts'
import { ProblemError } from '../http/problem.ts'
import { lazy } from '../lazy.ts'
import type { Metrics } from '../observability/metrics.ts'
import type { AccessTokenVerifier } from './claims.ts'

/** The bearer token of an Authorization header, or a 401 missing_token. */
export function bearerToken(authorization: string | undefined): string {
  const match = authorization === undefined ? null : /^Bearer +([\w.~+/-]+=*) *$/i.exec(authorization)
  if (!match) throw new ProblemError('missing_token')
  return match[1]!
}

/**
 * Verifies with aws-jwt-verify (jwt-verifier.ts), imported when the first bearer request arrives;
 * each outcome counted in `metrics` (valid, invalid, unavailable: the keys could not be fetched).
 */
export function createAccessTokenVerifier(config: CognitoConfig, metrics?: Metrics): AccessTokenVerifier {
  const verifier = lazy(() => import('./jwt-verifier.ts').then(({ createJwtVerifier }) => createJwtVerifier(config)))
  return async (token) => {
    try {
      const claims = await (await verifier())(token)
      metrics?.tokenVerified('valid')
      return claims
    } catch (error) {
      const unavailable = error instanceof ProblemError && error.code === 'upstream_unavailable'
      metrics?.tokenVerified(unavailable ? 'unavailable' : 'invalid')
      throw error
    }
  }
}
