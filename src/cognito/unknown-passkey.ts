// Telling "this passkey is not this account's any more" from any other failed passkey answer, so that
// the page can tell the browser to stop offering it (WebAuthn Level 3 §5.1.10, signalUnknownCredential).
// Cognito refuses every failed WEB_AUTHN answer alike ("Incorrect username or password."), and the
// account's passkeys can only be listed with its access token; but a real WEB_AUTHN challenge lists
// them in its request options (allowCredentials), which the client never sees: so the start seals a
// digest of those ids in the session (challenge-session.ts), and the answer is checked against it.
// The digest has a fixed number of fixed-length slots, random where unused and for a decoy, so that
// every passkey start seals claims of one length.
import { createHash, randomBytes } from 'node:crypto'
import type { SessionClaims } from './challenge-session.ts'
import { userHandleOf } from './passkeys.ts'

// Enough for every passkey an account has in practice; past it the list is marked partial. Few
// enough that a real start's claims (a username of up to about 100 characters) and a decoy's pad to
// the same length (challenge-session.ts).
const SLOTS = 16
// 9 bytes of SHA-256: 12 base64url characters, a chance of 2^-72 that an unknown id matches one.
const DIGEST_BYTES = 9

const digestOf = (credentialId: string) =>
  createHash('sha256').update(credentialId, 'utf8').digest().subarray(0, DIGEST_BYTES).toString('base64url')
const randomSlot = () => randomBytes(DIGEST_BYTES).toString('base64url')

/** The claims a WEB_AUTHN start seals: `passkeys` of Cognito's request options, or random ones for a decoy. */
export function sealedPasskeys(
  cognitoOptions: string | undefined,
): Pick<SessionClaims, 'passkeys' | 'passkeysPartial'> {
  const ids = cognitoOptions === undefined ? [] : allowedIds(cognitoOptions)
  // A real start whose options list no passkey (a Cognito that stops listing them) tells nothing:
  // partial, so that no passkey is ever called unknown on an empty list.
  const partial = ids.length > SLOTS || (cognitoOptions !== undefined && ids.length === 0)
  const slots = partial ? [] : ids.map(digestOf)
  while (slots.length < SLOTS) slots.push(randomSlot())
  return { passkeys: slots, ...(partial ? { passkeysPartial: true as const } : {}) }
}

/**
 * Whether a refused WEB_AUTHN answer (`credentialJson`, the client's CREDENTIAL) is an assertion of a
 * passkey this account no longer has: its user handle is the account's (the sealed username's) and
 * its credential id is not among the passkeys sealed at the start. Never for a decoy (no username),
 * another account's passkey (another handle), a partial list, or a username that is an email (its
 * handle could be written by anyone who knows the address, and the answer would then tell which
 * accounts have passkeys).
 */
export function isUnknownPasskey(credentialJson: string | undefined, claims: SessionClaims): boolean {
  const { username, passkeys, passkeysPartial } = claims
  if (username === undefined || username.includes('@') || !Array.isArray(passkeys) || passkeysPartial) return false
  let assertion: { id?: unknown; response?: { userHandle?: unknown } }
  try {
    assertion = JSON.parse(credentialJson ?? '')
  } catch {
    return false
  }
  const { id } = assertion ?? {}
  return (
    typeof id === 'string' &&
    assertion.response?.userHandle === userHandleOf(username) &&
    !passkeys.includes(digestOf(id))
  )
}

/** The credential ids of request options (PublicKeyCredentialRequestOptionsJSON `allowCredentials`). */
function allowedIds(options: string): string[] {
  try {
    const { allowCredentials } = JSON.parse(options) as { allowCredentials?: unknown }
    if (!Array.isArray(allowCredentials)) return []
    return allowCredentials.map((c) => (c as { id?: unknown })?.id).filter((id): id is string => typeof id === 'string')
  } catch {
    return []
  }
}
