// The ceilings' token check (bench/ceiling.ts on Bun, bench/node-ceiling.mjs on Node): aws-jwt-verify
// with the product's claims (signature against the pool's JWKS, fetched once and cached; issuer,
// token_use, client_id, expiry). The keys come over http here (the stub), which the library's own
// fetcher does not speak. Plain JavaScript: Node runs it as it is.
import { JwtVerifier } from 'aws-jwt-verify'
import { validateCognitoJwtFields } from 'aws-jwt-verify/cognito-verifier'
import { SimpleJwksCache } from 'aws-jwt-verify/jwk'

/**
 * A verifier of the pool's access tokens; its `verify(token)` resolves to the payload or rejects.
 * @param {string} issuer the pool's `iss`; its JWKS is at `<issuer>/.well-known/jwks.json`
 * @param {string} clientId the app client the tokens must name
 */
export const createTokenVerifier = (issuer, clientId) =>
  JwtVerifier.create(
    {
      issuer,
      audience: null,
      jwksUri: `${issuer}/.well-known/jwks.json`,
      customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: 'access', clientId }),
    },
    { jwksCache: new SimpleJwksCache({ fetcher: { fetch: async (uri) => (await fetch(uri)).arrayBuffer() } }) },
  )

/**
 * The identity the product answers with, from a verified payload: the body and the headers.
 * @param {Record<string, unknown>} claims
 */
export function identityOf(claims) {
  const groups = /** @type {string[]} */ (claims['cognito:groups'] ?? [])
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : []
  return {
    body: JSON.stringify({ sub: claims.sub, username: claims.username, groups, authTime: claims.auth_time, scopes }),
    headers: {
      'x-auth-request-user': String(claims.sub),
      'x-auth-request-preferred-username': String(claims.username),
      'x-auth-request-groups': groups.join(','),
      'x-auth-request-auth-time': String(claims.auth_time),
      'x-auth-request-scope': scopes.join(' '),
    },
  }
}
