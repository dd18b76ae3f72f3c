// TOTP multi-factor authentication: enrolling an authenticator app from a signed-in session, turning
// it off, and the MFA_SETUP challenge (the pool requires MFA and the user has none yet).
import { ProblemError } from '../http/problem.ts'
import type { GatewayCore } from './gateway-core.ts'
import type { SignInCalls } from './sign-in.ts'
import type { SignInResult } from './token-answers.ts'

export interface MfaCalls {
  /** AssociateSoftwareToken: a new TOTP secret (base32) for the user; not in use until verified. */
  associateSoftwareToken(accessToken: string): Promise<string>
  /**
   * VerifySoftwareToken with a code from the app, then SetUserMFAPreference enabling and preferring
   * TOTP. In that order: Cognito refuses to enable a token that is not verified yet.
   * @throws ProblemError code_mismatch (wrong code), totp_not_enrolled (no secret associated).
   */
  enableSoftwareToken(accessToken: string, code: string, deviceName?: string): Promise<void>
  /** SetUserMFAPreference with TOTP disabled: sign-in asks for no code again (unless the pool requires MFA). */
  disableSoftwareToken(accessToken: string): Promise<void>
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
export function mfaCalls(
  { call, sessions }: GatewayCore,
  { respondToChallenge }: Pick<SignInCalls, 'respondToChallenge'>,
): MfaCalls {
  const setSoftwareTokenPreference = async (accessToken: string, enabled: boolean): Promise<void> => {
    await call('SetUserMFAPreference', {
      AccessToken: accessToken,
      SoftwareTokenMfaSettings: { Enabled: enabled, PreferredMfa: enabled },
    })
  }
  return {
    async associateSoftwareToken(accessToken) {
      const out = await call('AssociateSoftwareToken', { AccessToken: accessToken })
      if (!out.SecretCode)
        throw new ProblemError('upstream_error', undefined, { cause: new Error('Cognito returned no SecretCode') })
      return out.SecretCode
    },

    async enableSoftwareToken(accessToken, code, deviceName) {
      const verified = await call('VerifySoftwareToken', {
        AccessToken: accessToken,
        UserCode: code,
        ...(deviceName ? { FriendlyDeviceName: deviceName } : {}),
      })
      // VerifySoftwareToken Status: SUCCESS or ERROR (an ERROR answer is not an exception).
      if (verified.Status !== 'SUCCESS') throw new ProblemError('code_mismatch')
      await setSoftwareTokenPreference(accessToken, true)
    },

    async disableSoftwareToken(accessToken) {
      await setSoftwareTokenPreference(accessToken, false)
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
      const verified = await call(
        'VerifySoftwareToken',
        { Session: session, UserCode: code, ...(deviceName ? { FriendlyDeviceName: deviceName } : {}) },
        'VerifySoftwareTokenInSetup',
      )
      if (verified.Status !== 'SUCCESS' || !verified.Session) throw new ProblemError('code_mismatch')
      // RespondToAuthChallenge MFA_SETUP takes USERNAME (added by respondToChallenge) and the session.
      return respondToChallenge({
        email,
        challengeName: 'MFA_SETUP',
        session: await sessions.seal(claims, verified.Session),
        responses: {},
      })
    },
  }
}
