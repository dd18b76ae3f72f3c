// Access-token verification with aws-jwt-verify, loaded on the first bearer request (access-token-verifier.ts):
// the library brings node:http and node:https with it, a cost in every start (docs/performance.md,
// "Cold start") for a route that is not on the load balancer's or the sign-in path. Config already refused any pool id it would refuse.
import { JwtVerifier } from 'aws-jwt-verify'
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier'
import { CognitoJwtInvalidTokenUseError, FetchError } from 'aws-jwt-verify/error'
import type { Fetcher } from 'aws-jwt-verify/https'
import { SimpleJwksCache } from 'aws-jwt-verify/jwk'
import type { CognitoConfig } from '../config.ts'
import { ProblemError } from '../http/problem.ts'
import type { AccessTokenVerifier } from './claims.ts'

/**
 * The library's own fetcher speaks https only (on Node), and the local emulator serves http. This
 * one uses the runtime's fetch, with a deadline like every other outbound call.
 */
function webFetcher(timeoutMs: number): Fetcher {
  return {
    async fetch(uri) {
      let res: Response
      try {
        res = await fetch(uri, { signal: AbortSignal.timeout(timeoutMs) })
      } catch (error) {
        throw new FetchError(uri, error instanceof Error ? error.message : String(error))
      }
      if (res.status !== 200) throw new FetchError(uri, `status ${res.status}`)
      return res.arrayBuffer()
    },
  }
}

const ID_TOKEN_SENT =
  'This is the ID token (`token` or `idToken` of the sign-in): send the `accessToken` as the Bearer token.'

export function createJwtVerifier(config: CognitoConfig): AccessTokenVerifier {
  // Cached after the first fetch; a token with an unknown kid triggers one refetch (key rotation),
  // and the cache's penalty box keeps a flood of unknown kids from hammering the JWKS endpoint.
  const jwksCache = new SimpleJwksCache({ fetcher: webFetcher(config.connectTimeoutMs) })
  // The generic verifier with the Cognito field checks is what the library's CognitoJwtVerifier does
  // for AWS's issuer, with the issuer and the keys' address free: an emulator or a private endpoint
  // serves them elsewhere.
  const verifier = JwtVerifier.create(
    {
      issuer: config.issuer,
      audience: null,
      jwksUri: config.jwksUri,
      customJwtCheck: ({ payload }) =>
        validateCognitoJwtFields(payload, { tokenUse: 'access', clientId: config.clientId }),
    },
    { jwksCache },
  )

  return async (token) => {
    try {
      const payload = await verifier.verify(token)
      const username = payload.username ?? payload['cognito:username'] ?? payload.sub
      const { auth_time: authTime, iat, exp, jti, origin_jti: originJti, scope } = payload
      const groups = payload['cognito:groups']
      if (
        typeof payload.sub !== 'string' ||
        typeof username !== 'string' ||
        typeof authTime !== 'number' ||
        typeof iat !== 'number' ||
        typeof exp !== 'number'
      ) {
        throw new ProblemError('invalid_token')
      }
      return {
        sub: payload.sub,
        username,
        authTime,
        issuedAt: iat,
        expiresAt: exp,
        ...(typeof jti === 'string' ? { jti } : {}),
        ...(typeof originJti === 'string' ? { originJti } : {}),
        ...(Array.isArray(groups) ? { groups: groups.filter((g): g is string => typeof g === 'string') } : {}),
        ...(typeof scope === 'string' ? { scopes: scope.split(' ').filter((s) => s !== '') } : {}),
      }
    } catch (error) {
      if (error instanceof ProblemError) throw error
      // The keys could not be fetched: our problem, not the caller's token.
      if (error instanceof FetchError) throw new ProblemError('upstream_unavailable', undefined, { cause: error })
      // The pool's own ID token, signature checked (`token` comes first in the sign-in's answer, so it
      // is the one a client sends by mistake): say which token is wanted.
      if (error instanceof CognitoJwtInvalidTokenUseError && error.failedAssertion.actual === 'id')
        throw new ProblemError('invalid_token', ID_TOKEN_SENT, { cause: error })
      // Anything else (bad signature, expired, wrong client or token_use, unknown kid, garbage).
      throw new ProblemError('invalid_token', undefined, { cause: error })
    }
  }
}
