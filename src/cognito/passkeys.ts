// Passkeys (WebAuthn credentials) of a signed-in user: registering one, listing and deleting them,
// and the user's sign-in factors.
import type { WebAuthnCredentialDescription } from '@aws-sdk/client-cognito-identity-provider'
import type { PasskeyDescription } from '../schemas/passwordless.ts'
import type { GatewayCore } from './gateway-core.ts'

export interface PasskeyCalls {
  /** StartWebAuthnRegistration: PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create. */
  startPasskeyRegistration(accessToken: string): Promise<Record<string, unknown>>
  /** CompleteWebAuthnRegistration with the RegistrationResponseJSON. Throws passkey_rejected. */
  completePasskeyRegistration(accessToken: string, credential: Record<string, unknown>): Promise<void>
  listPasskeys(accessToken: string): Promise<PasskeyDescription[]>
  /** DeleteWebAuthnCredential. Throws passkey_not_found for an id the user does not have. */
  deletePasskey(accessToken: string, credentialId: string): Promise<void>
  /** GetUserAuthFactors' ConfiguredUserAuthFactors. */
  authFactors(accessToken: string): Promise<string[]>
}

export function passkeyCalls({ call }: GatewayCore): PasskeyCalls {
  return {
    async startPasskeyRegistration(accessToken) {
      const out = await call('StartWebAuthnRegistration', { AccessToken: accessToken })
      return (out.CredentialCreationOptions ?? {}) as Record<string, unknown>
    },

    async completePasskeyRegistration(accessToken, credential) {
      await call('CompleteWebAuthnRegistration', { AccessToken: accessToken, Credential: credential as never })
    },

    async listPasskeys(accessToken) {
      const out = await call('ListWebAuthnCredentials', { AccessToken: accessToken })
      return (out.Credentials ?? []).map(passkeyOf)
    },

    async deletePasskey(accessToken, credentialId) {
      await call('DeleteWebAuthnCredential', { AccessToken: accessToken, CredentialId: credentialId })
    },

    async authFactors(accessToken) {
      const out = await call('GetUserAuthFactors', { AccessToken: accessToken })
      return out.ConfiguredUserAuthFactors ?? []
    },
  }
}

/** A passkey as the API shows it (ListWebAuthnCredentials' WebAuthnCredentialDescription). */
function passkeyOf(c: WebAuthnCredentialDescription): PasskeyDescription {
  return {
    credentialId: c.CredentialId ?? '',
    name: c.FriendlyCredentialName ?? '',
    relyingPartyId: c.RelyingPartyId ?? '',
    ...(c.AuthenticatorAttachment ? { authenticatorAttachment: c.AuthenticatorAttachment } : {}),
    transports: c.AuthenticatorTransports ?? [],
    createdAt: (c.CreatedAt ? new Date(c.CreatedAt) : new Date(0)).toISOString(),
  }
}
