// TOTP multi-factor authentication: enrolling an authenticator app from a signed-in session, turning
// it off, and the MFA_SETUP challenge (the pool requires MFA and the user has none yet).
import { ProblemError } from '../http/problem.ts'
import type { GatewayCore } from './gateway-core.ts'
import type { SignInCalls } from './sign-in.ts'
import { proveBothFactors, type FactorProof } from './factor-proof.ts'
import type { SignInResult, TokenIds } from './token-answers.ts'
import { onceForUser } from './totp-replay.ts'

export interface MfaCalls {
  /**
   * GetUser, then AssociateSoftwareToken: a new TOTP secret (base32) for the user, not in use until
   * verified, and the user's email (for the otpauth label). Refused while an app is on: on a user
   * whose TOTP is active, AssociateSoftwareToken replaces the secret and sign-in asks for no code until
   * the new one is verified (not in the API reference; aws-amplify/amplify-js#1226), so a stolen
   * session could switch the second factor off. GetUser's UserMFASettingList tells.
   * @throws ProblemError totp_already_enabled.
   */
  associateSoftwareToken(accessToken: string): Promise<{ secretCode: string; email: string }>
  /**
   * VerifySoftwareToken with a code from the app, then SetUserMFAPreference enabling and preferring
   * TOTP. In that order: Cognito refuses to enable a token that is not verified yet. `username` (the
   * access token's) keys the used codes: a code is accepted once.
   * @throws ProblemError code_mismatch (wrong or used code), totp_not_enrolled (no secret associated).
   */
  enableSoftwareToken(accessToken: string, username: string, code: string, deviceName?: string): Promise<void>
  /**
   * Proves both factors, then turns the app off. VerifySoftwareToken only checks a secret still being
   * set up, so the one Cognito check of a code against the active app is a sign-in's SOFTWARE_TOKEN_MFA
   * challenge: InitiateAuth USER_PASSWORD_AUTH for `username` (the access token's) with the password,
   * RespondToAuthChallenge with the code, RevokeToken of the refresh token that sign-in minted, and
   * only then SetUserMFAPreference with TOTP disabled. A sign-in that asks for no code (TOTP not on)
   * proves the password alone, which is all there is to prove.
   * @returns the ids of the tokens the proof minted (revoked in Cognito; the caller's revocation list takes them too).
   * @throws ProblemError password_mismatch, code_mismatch (wrong or used code), internal_error when the
   *   proof's session could not be revoked (then nothing changed), upstream_error for another challenge.
   */
  disableSoftwareToken(accessToken: string, username: string, proof: FactorProof): Promise<TokenIds>
  /**
   * MFA_SETUP (the pool requires MFA, the user has none): AssociateSoftwareToken with the challenge's
   * session. `session` is the client's value (challenge-session.ts); so is the one returned.
   * @throws ProblemError session_expired when the session does not open, has expired or was used;
   * not_authorized when Cognito refuses it otherwise (not an MFA_SETUP one).
   */
  associateSoftwareTokenInSetup(session: string, email: string): Promise<{ secretCode: string; session: string }>
  /**
   * MFA_SETUP's end: VerifySoftwareToken with the session and a code from the app, then
   * RespondToAuthChallenge MFA_SETUP with the session that answers. Tokens, or a further challenge.
   * @throws ProblemError code_mismatch (wrong code), session_expired (session expired or used),
   * not_authorized (not an MFA_SETUP session).
   */
  completeMfaSetup(input: { email: string; session: string; code: string; deviceName?: string }): Promise<SignInResult>
}

/** @param respondToChallenge the sign-in feature's, which answers MFA_SETUP once the code is verified. */
export function mfaCalls(core: GatewayCore, { respondToChallenge }: Pick<SignInCalls, 'respondToChallenge'>): MfaCalls {
  const setSoftwareTokenPreference = async (accessToken: string, enabled: boolean): Promise<void> => {
    await call('SetUserMFAPreference', {
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: enabled, PreferredMfa: enabled },
    })
  }
  const { call, sessions, usedTotpCodes } = core

  return {
    async associateSoftwareToken(accessToken) {
      const user = await call('GetUser', { AccessToken: accessToken })
      if ((user.UserMFASettingList ?? []).includes('SOFTWARE_TOKEN_MFA')) throw new ProblemError('totp_already_enabled')
      const out = await call('AssociateSoftwareToken', { AccessToken: accessToken })
      if (!out.SecretCode)
        throw new ProblemError('upstream_error', undefined, { cause: new Error('Cognito returned no SecretCode') })
      const email = (user.UserAttributes ?? []).find((a) => a.Name === 'email')?.Value ?? ''
      return { secretCode: out.SecretCode, email }
    },

    async enableSoftwareToken(accessToken, username, code, deviceName) {
      await onceForUser(usedTotpCodes, username, code, async () => {
        const verified = await call('VerifySoftwareToken', {
          AccessToken: accessToken,
          UserCode: code,
          ...(deviceName ? { FriendlyDeviceName: deviceName } : {}),
        })
        // VerifySoftwareToken Status: SUCCESS or ERROR (an ERROR answer is not an exception).
        if (verified.Status !== 'SUCCESS') throw new ProblemError('code_mismatch')
      })
      await setSoftwareTokenPreference(accessToken, true)
    },

    async disableSoftwareToken(accessToken, username, proof) {
      const minted = await proveBothFactors(core, username, proof)
      await setSoftwareTokenPreference(accessToken, false)
      return minted
    },

    async associateSoftwareTokenInSetup(clientValue) {
      const { claims, session } = await sessions.open(clientValue)
      const out = await call('AssociateSoftwareToken', { Session: session }, 'AssociateSoftwareTokenInSetup')
      if (!out.SecretCode || !out.Session)
        throw new ProblemError('upstream_error', undefined, {
          cause: new Error('Cognito returned no SecretCode or Session'),
        })
      return { secretCode: out.SecretCode, session: await sessions.seal(claims, out.Session) }
    },

    async completeMfaSetup({ email, session: clientValue, code, deviceName }) {
      const { claims, session } = await sessions.open(clientValue)
      // Only a session of a real sign-in is ever an MFA_SETUP one; Cognito would refuse any other as expired.
      if (claims.username === undefined) throw new ProblemError('session_expired')
      const verified = await onceForUser(usedTotpCodes, claims.username, code, async () => {
        const out = await call(
          'VerifySoftwareToken',
          { Session: session, UserCode: code, ...(deviceName ? { FriendlyDeviceName: deviceName } : {}) },
          'VerifySoftwareTokenInSetup',
        )
        if (out.Status !== 'SUCCESS' || !out.Session) throw new ProblemError('code_mismatch')
        return out
      })
      // RespondToAuthChallenge MFA_SETUP takes USERNAME (added by respondToChallenge) and the session.
      return respondToChallenge({
        email,
        challengeName: 'MFA_SETUP',
        session: await sessions.seal(claims, verified.Session!),
        responses: {},
      })
    },
  }
}
