// The stub Cognito's signing key: an RSA key made at start, its public half served as the pool's JWKS,
// and genuine RS256 access tokens signed with it, as Cognito signs them (developer guide, "Verifying a
// JSON web token"). The benchmark's token check verifies these, product and ceilings alike.
import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto'

export interface StubSigningKey {
  /** The JSON Web Key Set that `/<pool id>/.well-known/jwks.json` serves. */
  jwks: { keys: object[] }
  /** An access token of `sub` for `clientId`, issued by `issuer`; `n` makes each one distinct (its `jti`). */
  accessToken(claims: { issuer: string; clientId: string; sub: string; n: number }): string
}

const KID = 'stub-bench-key'
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

export function createStubSigningKey(): StubSigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = (publicKey as KeyObject).export({ format: 'jwk' })
  const header = b64url({ kid: KID, alg: 'RS256' })
  return {
    jwks: { keys: [{ ...jwk, kid: KID, alg: 'RS256', use: 'sig' }] },
    accessToken({ issuer, clientId, sub, n }) {
      const now = Math.floor(Date.now() / 1000)
      const payload = b64url({
        sub,
        'cognito:groups': ['bench'],
        iss: issuer,
        client_id: clientId,
        origin_jti: crypto.randomUUID(),
        event_id: crypto.randomUUID(),
        token_use: 'access',
        scope: 'aws.cognito.signin.user.admin',
        auth_time: now,
        exp: now + 3600,
        iat: now,
        jti: `${crypto.randomUUID()}-${n}`,
        username: sub,
      })
      const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(privateKey, 'base64url')
      return `${header}.${payload}.${signature}`
    },
  }
}
