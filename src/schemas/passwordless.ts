// Passwordless sign-in (an emailed code or a passkey) and the signed-in user's passkeys.
import { t, type Static } from 'elysia'
import { RULE_KEYWORD } from '../http/validation-problem.ts'
import { TotpDisableBody } from './mfa.ts'
import { Email, patterned } from './shared.ts'

export const PasswordlessBody = t.Object({
  email: Email,
  method: t.Optional(
    t.Union([t.Literal('email_otp'), t.Literal('passkey')], {
      description:
        '`email_otp`: email a one-time code (challenge EMAIL_OTP). `passkey`: challenge WEB_AUTHN. Omitted: the ' +
        'challenge SELECT_CHALLENGE listing the methods the service offers (the same for every email).',
      examples: ['email_otp'],
    }),
  ),
})

export const PasswordlessChallengeResponse = t.Object(
  {
    challengeName: t.String({ examples: ['EMAIL_OTP'] }),
    session: t.String({ description: 'Opaque; send it back unchanged to POST /signin/challenge.' }),
    challengeParameters: t.Record(t.String(), t.String(), {
      description:
        'EMAIL_OTP: CODE_DELIVERY_DELIVERY_MEDIUM and CODE_DELIVERY_DESTINATION (masked). WEB_AUTHN: ' +
        'CREDENTIAL_REQUEST_OPTIONS, a JSON string to parse and hand to navigator.credentials.get ' +
        '(PublicKeyCredentialRequestOptionsJSON, with an empty allowCredentials). Never the username.',
    }),
    availableChallenges: t.Optional(
      t.Array(t.String(), {
        description: 'SELECT_CHALLENGE: what to answer with {"ANSWER": …}: PASSWORD, EMAIL_OTP and WEB_AUTHN.',
      }),
    ),
  },
  {
    description:
      'The challenge to answer with POST /signin/challenge. The same for every email; for one the method cannot sign in, the answers never succeed.',
  },
)

export const PasskeyCreationOptionsResponse = t.Object(
  {
    options: t.Record(t.String(), t.Unknown(), {
      description: 'PublicKeyCredentialCreationOptionsJSON: hand it to navigator.credentials.create.',
    }),
  },
  { description: 'Options for the browser to create a passkey; then POST /me/passkeys with its answer.' },
)

// A member name of WebAuthn's JSON (id, rawId, clientExtensionResults, ...).
const WEBAUTHN_FIELD_NAME = patterned('^[A-Za-z][A-Za-z0-9]{0,63}$', 'must be a WebAuthn field name')

export const RegisterPasskeyBody = t.Object({
  // Field names as WebAuthn's JSON has them: Elysia rebuilds a record from the keys of whatever it is
  // given before it validates (a string by its characters' indexes, an array by its positions), and
  // only this refusal of other keys keeps a string or an array from passing as an object.
  credential: t.Record(t.String(WEBAUTHN_FIELD_NAME), t.Unknown(), {
    additionalProperties: false,
    minProperties: 1,
    [RULE_KEYWORD]: 'must be the JSON object navigator.credentials.create gave (credential.toJSON())',
    description: 'The RegistrationResponseJSON navigator.credentials.create gave (credential.toJSON()).',
    examples: [{ id: 'q1w2e3', rawId: 'q1w2e3', type: 'public-key', response: {}, clientExtensionResults: {} }],
  }),
})

export const Passkey = t.Object({
  credentialId: t.String({
    description: 'The credential id (base64url): what DELETE /me/passkeys/{credentialId} takes.',
  }),
  name: t.String({
    description:
      'Cognito’s FriendlyCredentialName; when that is empty, the kind of authenticator, how it connects and when it was added.',
    examples: ['Security key or phone (usb, nfc), added 2026-12-06'],
  }),
  relyingPartyId: t.String(),
  authenticatorAttachment: t.Optional(t.String({ examples: ['platform', 'cross-platform'] })),
  transports: t.Array(t.String()),
  createdAt: t.String({ format: 'date-time' }),
})

export const PasskeyListResponse = t.Object(
  {
    passkeys: t.Array(Passkey),
    relyingPartyId: t.Optional(
      t.String({
        description: 'The relying party id of the passkeys (absent when there are none).',
        examples: ['example.com'],
      }),
    ),
    userHandle: t.String({
      description:
        'The WebAuthn user handle of this account’s passkeys (base64url): with relyingPartyId and the credential ids, ' +
        'what PublicKeyCredential.signalAllAcceptedCredentials takes.',
    }),
  },
  { description: 'The user’s passkeys.' },
)

export const PasskeyIdParams = t.Object({
  credentialId: t.String({
    minLength: 1,
    maxLength: 1024,
    ...patterned('^[A-Za-z0-9_-]+$', 'must be a credential id as GET /me/passkeys lists it (base64url)'),
  }),
})

export const AuthFactorsResponse = t.Object(
  {
    factors: t.Array(t.String(), {
      description: 'The ways this account can sign in: PASSWORD, EMAIL_OTP, WEB_AUTHN.',
      examples: [['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN']],
    }),
  },
  { description: 'The ways this account can sign in.' },
)

/**
 * DELETE /me/passkeys/:credentialId's body, needed while the app is on (passkeys may count as MFA): the other factor, with
 * DELETE /me/mfa/totp's fields. The body may be left out (src/http/optional-body.ts); one that is sent
 * is the proof and nothing else, so a field this route does not know is refused, not dropped.
 */
export const PasskeyDeleteBody = t.Object(TotpDisableBody.properties, {
  additionalProperties: false,
  description:
    'The password and a current code from the authenticator app; needed only while the app is on (a passkey of such a user is a second factor).',
})

export const PasskeyMfaBody = t.Object({
  enabled: t.Boolean({
    description:
      '`true`: a passkey with user verification counts as a second factor (Cognito WebAuthnMfaSettings); needs ' +
      'another MFA method (the authenticator app) on. `false`: passkeys no longer count as MFA.',
    examples: [true],
  }),
})

export type PasswordlessInput = Static<typeof PasswordlessBody>
export type PasswordlessChallenge = Static<typeof PasswordlessChallengeResponse>
export type PasskeyDescription = Static<typeof Passkey>
export type PasskeyList = Static<typeof PasskeyListResponse>
