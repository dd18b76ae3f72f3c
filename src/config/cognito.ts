// What the service needs to know of its user pool and app client, for config.ts (the only reader
// of the environment).

/** The user pool and app client the service fronts, and how it calls them. */
export interface CognitoConfig {
  userPoolId: string
  clientId: string
  /** Absent for a public app client: then no SECRET_HASH is sent. */
  clientSecret?: string
  /** The secret before the current one, while a rotation runs: what was sealed or issued under it still opens. */
  previousClientSecret?: string
  region: string
  /** Base URL override (a local emulator, a VPC endpoint). */
  endpoint?: string
  /** The `iss` the pool's tokens must carry. */
  issuer: string
  /** Where the pool's signing keys (a JWKS) are fetched from. */
  jwksUri: string
  /** Overall deadline for one Cognito call, retries included. */
  timeoutMs: number
  /** TCP connect timeout for one attempt. */
  connectTimeoutMs: number
  /** Calls to Cognito's JSON API in flight at most; as many connections are kept open for them. */
  maxConcurrency: number
  /** Calls waiting for a turn at most; beyond it a call is refused at once (503, Retry-After). */
  queueLimit: number
  /**
   * The app client rotates refresh tokens (RefreshTokenRotation Feature ENABLED): refreshing goes
   * through GetTokensFromRefreshToken, which answers a new refresh token (Cognito API reference,
   * RefreshTokenRotationType).
   */
  refreshTokenRotation: boolean
  /**
   * The app client's AuthSessionValidity in seconds (CreateUserPoolClient, 3 to 15 minutes, 3 by
   * default): how long a challenge session opens, real or decoy.
   */
  authSessionValiditySeconds?: number
  /**
   * The pool's WebAuthn relying party (SetUserPoolMfaConfig WebAuthnConfiguration): when set, every
   * passkey start answers request options of this RP id and user verification, decoys included.
   */
  passkeyRelyingParty?: { rpId: string; userVerification: 'required' | 'preferred' }
}
