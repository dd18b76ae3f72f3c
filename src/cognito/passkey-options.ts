// The WEB_AUTHN challenge's CREDENTIAL_REQUEST_OPTIONS (PublicKeyCredentialRequestOptionsJSON,
// WebAuthn Level 3 §5.5) as every passwordless start answers it: Cognito's options with an empty
// allow-list, so that they never list an account's credential ids; a decoy gets the same options
// with a random challenge.
import { randomBytes } from 'node:crypto'

export interface RequestOptions {
  /**
   * The options to hand out, as a JSON string: Cognito's (`cognito`, its JSON string) with an empty
   * allow-list, or for a decoy (`cognito` undefined) the last options Cognito gave with a new random
   * challenge of the same length.
   */
  of(cognito: string | undefined): string
}

/** Options of one gateway: remembers the shape of the last options Cognito answered. */
export function createRequestOptions(): RequestOptions {
  // Until Cognito has answered one: a 32-byte challenge (43 base64url characters) and nothing else known.
  let template: Record<string, unknown> = { challenge: randomBytes(32).toString('base64url') }
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
            template = parsed as Record<string, unknown>
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
