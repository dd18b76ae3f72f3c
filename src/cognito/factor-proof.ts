// Proof of both factors from a signed-in session, for removing a second factor: the account's
// password and a current code from the authenticator app, checked by the one Cognito check of a code
// against an active app, a sign-in's SOFTWARE_TOKEN_MFA challenge.
import type { AuthenticationResultType } from '@aws-sdk/client-cognito-identity-provider'
import { ProblemError } from '../http/problem.ts'
import type { GatewayCore } from './gateway-core.ts'
import { tokenIdsOf, type TokenIds } from './token-answers.ts'
import { onceForUser } from './totp-replay.ts'

/** The factors a removal proves: the account's password and a current code from the app. */
export interface FactorProof {
  password: string
  code: string
}

/**
 * Signs `username` (the access token's) in with both factors, then ends that sign-in: InitiateAuth
 * USER_PASSWORD_AUTH with the password, RespondToAuthChallenge SOFTWARE_TOKEN_MFA with the code, and
 * RevokeToken of the refresh token it minted. VerifySoftwareToken only checks a secret still being
 * set up, so this is the one check of a code against the active app. A code is accepted once. A
 * sign-in that asks for no code (TOTP not on) proves the password alone, which is all there is to prove.
 * @returns the ids of the tokens the proof minted (revoked in Cognito; the caller's revocation list takes them too).
 * @throws ProblemError password_mismatch, code_mismatch (wrong or used code), internal_error when the
 *   proof's session could not be revoked (the caller must then change nothing), upstream_error for another challenge.
 */
export async function proveBothFactors(core: GatewayCore, username: string, proof: FactorProof): Promise<TokenIds> {
  const { config, call, usedTotpCodes } = core
  const minted = await onceForUser(usedTotpCodes, username, proof.code, () =>
    signInWithBothFactors(core, username, proof),
  )
  // The proof is a sign-in: its session ends before anything changes. If it cannot be ended, nothing
  // changes (a 500, logged with its cause).
  try {
    if (minted.RefreshToken)
      await call(
        'RevokeToken',
        {
          Token: minted.RefreshToken,
          ClientId: config.clientId,
          // RevokeToken takes the raw client secret (API reference), no SECRET_HASH.
          ...(config.clientSecret === undefined ? {} : { ClientSecret: config.clientSecret }),
        },
        'FactorProofRevoke',
      )
  } catch (error) {
    throw new ProblemError('internal_error', undefined, { cause: error })
  }
  return tokenIdsOf(minted.AccessToken)
}

/**
 * The factor proof's sign-in for `username`: InitiateAuth USER_PASSWORD_AUTH, then the
 * SOFTWARE_TOKEN_MFA answer with the code. Its tokens (straight away when Cognito asks for no code).
 * @throws ProblemError password_mismatch, code_mismatch, upstream_error for another challenge.
 */
async function signInWithBothFactors(
  { config, call, secretHash }: GatewayCore,
  username: string,
  { password, code }: FactorProof,
): Promise<AuthenticationResultType> {
  const clientId = config.clientId
  const hash = await secretHash(username)
  const withHash: Record<string, string> = hash ? { SECRET_HASH: hash } : {}
  const started = await call(
    'InitiateAuth',
    {
      ClientId: clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: username, PASSWORD: password, ...withHash },
    },
    'FactorProofSignIn',
  )
  if (started.AuthenticationResult) return started.AuthenticationResult
  if (started.ChallengeName !== 'SOFTWARE_TOKEN_MFA' || !started.Session)
    throw new ProblemError('upstream_error', undefined, {
      cause: new Error(`factor proof: challenge ${started.ChallengeName ?? 'none'} instead of SOFTWARE_TOKEN_MFA`),
    })
  const answered = await call(
    'RespondToAuthChallenge',
    {
      ClientId: clientId,
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      Session: started.Session,
      ChallengeResponses: { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code, ...withHash },
    },
    'FactorProofChallenge',
  )
  if (!answered.AuthenticationResult)
    throw new ProblemError('upstream_error', undefined, {
      cause: new Error('factor proof: no tokens after the code'),
    })
  return answered.AuthenticationResult
}
