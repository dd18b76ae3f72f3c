// The WEB_AUTHN challenge's CREDENTIAL_REQUEST_OPTIONS (PublicKeyCredentialRequestOptionsJSON,
// WebAuthn Level 3 §5.5) as every passwordless start answers it: Cognito's challenge with an empty
// allow-list, so that they never list an account's credential ids; a decoy gets the same options
// with a random challenge. With the relying party configured (PASSKEY_RP_ID) the other fields are the
// service's own, so a decoy is right from a task's first start; without it they are learned from the
// last options Cognito gave, and a decoy before the first of them carries only the challenge.
import { randomBytes } from 'node:crypto'

export interface RequestOptions {
  /**
   * The options to hand out, as a JSON string: Cognito's (`cognito`, its JSON string) with an empty
   * allow-list, or for a decoy (`cognito` undefined) the last options Cognito gave with a new random
   * challenge of the same length.
   */
  of(cognito: string | undefined): string
}

/** The relying party as the pool's WebAuthnConfiguration sets it, and the ceremony's timeout. */
export interface RelyingParty {
  rpId: string
  userVerification: string
  timeoutMs: number
}

/**
 * Options of one gateway: from `relyingParty` when given, else shaped like the last options Cognito
 * answered.
 */
export function createRequestOptions(relyingParty?: RelyingParty): RequestOptions {
  // Until Cognito has answered one: a 32-byte challenge (43 base64url characters) and nothing else known.
  let template: Record<string, unknown> = relyingParty
    ? {
        challenge: randomBytes(32).toString('base64url'),
        rpId: relyingParty.rpId,
        timeout: relyingParty.timeoutMs,
        userVerification: relyingParty.userVerification,
      }
    : { challenge: randomBytes(32).toString('base64url') }
  const shaped = (options: Record<string, unknown>) => JSON.stringify({ ...options, allowCredentials: [] })
  return {
    of(cognito) {
      if (cognito !== undefined) {
        try {
          const parsed: unknown = JSON.parse(cognito)
          if (
            typeof parsed === 'object' &&
            parsed !== null &&
            typeof (parsed as { challenge?: unknown }).challenge === 'string'
          ) {
            const challenge = (parsed as { challenge: string }).challenge
            template = relyingParty ? { ...template, challenge } : (parsed as Record<string, unknown>)
            return shaped(template)
          }
        } catch {
          // Not JSON: handed on as Cognito gave it, for the browser to refuse.
        }
        return cognito
      }
      const length = String(template.challenge).length
      const challenge = randomBytes(Math.ceil((length * 3) / 4))
        .toString('base64url')
        .slice(0, length)
      return shaped({ ...template, challenge })
    },
  }
}
