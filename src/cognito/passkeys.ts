// Passkeys (WebAuthn credentials) of a signed-in user: registering one, listing and deleting them,
// and the user's sign-in factors.
import type { WebAuthnCredentialDescription } from '@aws-sdk/client-cognito-identity-provider'
import { ProblemError } from '../http/problem.ts'
import type { PasskeyDescription, PasskeyList } from '../schemas/passwordless.ts'
import { proveBothFactors, type FactorProof } from './factor-proof.ts'
import type { GatewayCore } from './gateway-core.ts'
import type { TokenIds } from './token-answers.ts'

export interface PasskeyCalls {
  /**
   * StartWebAuthnRegistration: PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create,
   * with every passkey of the user in `excludeCredentials` (ListWebAuthnCredentials), so that the
   * browser refuses to register an authenticator twice (WebAuthn Level 3 §5.1.3 step 20:
   * InvalidStateError).
   */
  startPasskeyRegistration(accessToken: string): Promise<Record<string, unknown>>
  /**
   * CompleteWebAuthnRegistration with the RegistrationResponseJSON.
   * @throws ProblemError passkey_already_registered for a credential id the user (or, as Cognito
   * answers it, another user) already has; passkey_rejected for any other refusal.
   */
  completePasskeyRegistration(accessToken: string, credential: Record<string, unknown>): Promise<void>
  /** ListWebAuthnCredentials, and what the WebAuthn Signal API needs: the relying party id and the user handle. */
  listPasskeys(accessToken: string, username: string): Promise<PasskeyList>
  /**
   * DeleteWebAuthnCredential. While the user's passkeys may count as MFA (passkeysMayCountAsMfa: the
   * app is on), only with `proof` of the other factor (proveBothFactors, for `username`, the access
   * token's), checked first: a stolen session must not remove a second factor. Otherwise the proof
   * is not needed (nor checked).
   * @returns the ids of the tokens the proof minted, if any (revoked in Cognito; the caller's revocation list takes them too).
   * @throws ProblemError factor_proof_required (the app on, no proof), password_mismatch, code_mismatch,
   *   passkey_not_found for an id the user does not have.
   */
  deletePasskey(accessToken: string, username: string, credentialId: string, proof?: FactorProof): Promise<TokenIds>
  /** GetUserAuthFactors' ConfiguredUserAuthFactors. */
  authFactors(accessToken: string): Promise<string[]>
  /**
   * SetUserMFAPreference with WebAuthnMfaSettings: the user's passkeys count as MFA (with user
   * verification) or not. Cognito takes it only when the pool's WebAuthnConfiguration.FactorConfiguration
   * is MULTI_FACTOR_WITH_USER_VERIFICATION and the user has another MFA method (API reference,
   * SetUserMFAPreference and WebAuthnMfaSettingsType).
   * @throws ProblemError passkey_mfa_unavailable when Cognito refuses it.
   */
  setPasskeyMfa(accessToken: string, enabled: boolean): Promise<void>
}

/**
 * Whether a user's passkeys may count as a second factor, from GetUser's UserMFASettingList: then
 * removing one needs the other factor. The API reference lists SMS_MFA, EMAIL_OTP and
 * SOFTWARE_TOKEN_MFA there and documents no read of WebAuthnMfaSettings, so the rule does not rest
 * on a passkey entry (`WEB_AUTHN`, the auth factor's name, what the local Cognito reports: taken
 * when present). It rests on the app: passkeys count as MFA only beside another MFA method
 * (WebAuthnMfaSettingsType), the proof is the app's code, and Cognito offers a user with MFA on no
 * passwordless first factor (developer guide, "Authentication flows"), so such a user's passkey
 * signs in only as a second factor. A user with the app on is asked for the proof even when the
 * passkey setting is off: asking once too often, never too seldom. The preferred MFA counts as well:
 * a report of Cognito turning a method on without listing it (aws-amplify/amplify-js#11258, SMS in
 * a pool that requires MFA) makes the list alone too thin a rule to fail closed on.
 */
const passkeysMayCountAsMfa = ({ UserMFASettingList = [], PreferredMfaSetting }: GetUserMfa): boolean =>
  UserMFASettingList.includes('SOFTWARE_TOKEN_MFA') ||
  UserMFASettingList.includes('WEB_AUTHN') ||
  PreferredMfaSetting === 'SOFTWARE_TOKEN_MFA'

/** What GetUser says of the user's MFA. */
interface GetUserMfa {
  UserMFASettingList?: string[]
  PreferredMfaSetting?: string
}

interface CredentialDescriptor {
  type: 'public-key'
  id: string
  transports?: string[]
}

export function passkeyCalls(core: GatewayCore): PasskeyCalls {
  const { call } = core
  const credentialsOf = async (accessToken: string) =>
    (await call('ListWebAuthnCredentials', { AccessToken: accessToken })).Credentials ?? []
  return {
    async startPasskeyRegistration(accessToken) {
      const [out, credentials] = await Promise.all([
        call('StartWebAuthnRegistration', { AccessToken: accessToken }),
        credentialsOf(accessToken),
      ])
      const options = (out.CredentialCreationOptions ?? {}) as Record<string, unknown>
      return { ...options, excludeCredentials: excludingAll(options.excludeCredentials, credentials) }
    },

    async completePasskeyRegistration(accessToken, credential) {
      // Checked here too: the API reference documents no error for a credential id already registered.
      const id = typeof credential.id === 'string' ? credential.id : undefined
      if (id !== undefined && (await credentialsOf(accessToken)).some((c) => c.CredentialId === id))
        throw new ProblemError('passkey_already_registered')
      try {
        await call('CompleteWebAuthnRegistration', { AccessToken: accessToken, Credential: credential as never })
      } catch (error) {
        throw alreadyRegisteredOr(error)
      }
    },

    async listPasskeys(accessToken, username) {
      const passkeys = (await credentialsOf(accessToken)).map(passkeyOf)
      const relyingPartyId = passkeys.find((p) => p.relyingPartyId !== '')?.relyingPartyId
      return {
        passkeys,
        ...(relyingPartyId ? { relyingPartyId } : {}),
        userHandle: userHandleOf(username),
      }
    },

    async deletePasskey(accessToken, username, credentialId, proof) {
      const user = await call('GetUser', { AccessToken: accessToken })
      let minted: TokenIds = {}
      if (passkeysMayCountAsMfa(user)) {
        if (proof === undefined) throw new ProblemError('factor_proof_required')
        minted = await proveBothFactors(core, username, proof)
      }
      await call('DeleteWebAuthnCredential', { AccessToken: accessToken, CredentialId: credentialId })
      return minted
    },

    async authFactors(accessToken) {
      const out = await call('GetUserAuthFactors', { AccessToken: accessToken })
      return out.ConfiguredUserAuthFactors ?? []
    },

    async setPasskeyMfa(accessToken, enabled) {
      await call(
        'SetUserMFAPreference',
        { AccessToken: accessToken, WebAuthnMfaSettings: { Enabled: enabled } },
        'SetPasskeyMfa',
      )
    },
  }
}

/**
 * The user handle (PublicKeyCredentialUserEntity.id, base64url) Cognito gives the user's passkeys:
 * the UTF-8 bytes of the Cognito username. The API reference does not say what Cognito puts in
 * `user.id`; this is what the local Cognito does, and a guess for AWS (a wrong handle makes a
 * signal match no passkey: it deletes nothing it should not).
 */
export const userHandleOf = (username: string): string => Buffer.from(username, 'utf8').toString('base64url')

/** The options' own `excludeCredentials` and every listed credential, each id once. */
function excludingAll(own: unknown, credentials: WebAuthnCredentialDescription[]): CredentialDescriptor[] {
  const byId = new Map<string, CredentialDescriptor>()
  for (const entry of Array.isArray(own) ? own : []) {
    const { id, transports } = entry as { id?: unknown; transports?: unknown }
    if (typeof id === 'string')
      byId.set(id, { type: 'public-key', id, ...(Array.isArray(transports) ? { transports } : {}) })
  }
  for (const c of credentials) {
    if (!c.CredentialId || byId.has(c.CredentialId)) continue
    byId.set(c.CredentialId, {
      type: 'public-key',
      id: c.CredentialId,
      ...(c.AuthenticatorTransports?.length ? { transports: c.AuthenticatorTransports } : {}),
    })
  }
  return [...byId.values()]
}

// The local Cognito refuses a credential id some user already has with InvalidParameterException
// "This credential is already registered." (undocumented: a guess); any other refusal of the
// credential is passkey_rejected.
function alreadyRegisteredOr(error: unknown): unknown {
  if (!(error instanceof ProblemError) || error.code !== 'invalid_parameter') return error
  const message = String((error.cause as { message?: unknown } | undefined)?.message ?? '')
  return new ProblemError(
    /already registered/i.test(message) ? 'passkey_already_registered' : 'passkey_rejected',
    undefined,
    {
      cause: error.cause,
    },
  )
}

const ATTACHMENT_NAMES: Readonly<Record<string, string>> = {
  platform: 'Passkey on a device',
  'cross-platform': 'Security key or phone',
}

/**
 * A passkey as the API shows it (ListWebAuthnCredentials' WebAuthnCredentialDescription). Its name is
 * Cognito's FriendlyCredentialName, or, where that is empty, what a person can tell passkeys apart
 * by: the kind of authenticator, how it connects, and when it was added.
 */
export function passkeyOf(c: WebAuthnCredentialDescription): PasskeyDescription {
  const createdAt = (c.CreatedAt ? new Date(c.CreatedAt) : new Date(0)).toISOString()
  const transports = c.AuthenticatorTransports ?? []
  const kind = ATTACHMENT_NAMES[c.AuthenticatorAttachment ?? ''] ?? 'Passkey'
  const via = transports.length > 0 ? ` (${transports.join(', ')})` : ''
  return {
    credentialId: c.CredentialId ?? '',
    name: c.FriendlyCredentialName?.trim() || `${kind}${via}, added ${createdAt.slice(0, 10)}`,
    relyingPartyId: c.RelyingPartyId ?? '',
    ...(c.AuthenticatorAttachment ? { authenticatorAttachment: c.AuthenticatorAttachment } : {}),
    transports,
    createdAt,
  }
}
