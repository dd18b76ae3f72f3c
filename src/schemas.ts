// Every request and response shape, once. Validation, the OpenAPI document and typed clients all
// read these. Limits mirror what Cognito itself would reject, so a bad value is a clear 400 here
// instead of an opaque InvalidParameterException later.
import { Type } from '@sinclair/typebox'
import { t, type Static } from 'elysia'
import { MAX_ADDRESS, parseEmailAddress } from './email-address.ts'
import { PROBLEMS, ProblemError, type ProblemCode } from './http/problem.ts'

// Responses use TypeBox's own Integer and Boolean: Elysia's t.* versions also accept strings
// (for query parameters), which would show up in the OpenAPI document as string-or-number.

// No C0/C1 control characters (newlines, NUL, escape sequences): they have no place in these fields
// and are a classic way to forge log lines or confuse downstream parsers.
const NO_CONTROL_CHARS = '^[^\\u0000-\\u001F\\u007F-\\u009F]*$'

const UNDELIVERABLE_EMAIL =
  'Mail cannot be delivered to this address: the part before the @ must be ASCII (the email service ' +
  'that sends the codes, Amazon SES, does not support internationalised local parts).'

/**
 * The account email; it is the sign-in name. Validation takes what browsers submit (RFC 5322
 * dot-atom local part, a domain in ASCII or Unicode; src/email-address.ts); decoding gives the
 * handler the ASCII form, so every route reaches the same account whichever form was typed.
 * Throws (as a 400 validation_failed) for a non-ASCII local part, before any call to Cognito.
 * Every body carries it as `email`, hence the pointer.
 */
export const Email = t
  .Transform(
    t.String({
      format: 'email',
      minLength: 3,
      maxLength: MAX_ADDRESS,
      pattern: NO_CONTROL_CHARS,
      description:
        'The account email; it is the sign-in name. The part before the @ must be ASCII (any RFC 5322 ' +
        'atext character). A domain in Unicode (пример.рф) is taken in its ASCII form (xn--e1afmkfd.xn--p1ai), ' +
        'so both forms reach the same account. Letter case is kept as sent.',
      examples: ['20250201test@example.com'],
    }),
  )
  .Decode((value) => {
    const address = parseEmailAddress(value)
    if (address.kind === 'deliverable') return address.ascii
    // The format check lets only an undeliverable address through to here; "malformed" covers a
    // format registry that ever holds another check.
    throw new ProblemError(
      'validation_failed',
      address.kind === 'undeliverable' ? UNDELIVERABLE_EMAIL : 'Invalid or missing: email.',
      { fields: ['/email'] },
    )
  })
  .Encode((ascii) => ascii)

// Cognito accepts at most 256 characters and no leading or trailing whitespace; the pool's policy
// (length, character classes) is Cognito's to enforce.
export const Password = t.String({
  minLength: 1,
  maxLength: 256,
  pattern:
    '^[^\\s\\u0000-\\u001F\\u007F-\\u009F](?:[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F])?$',
  description: 'The account password. Never logged, never echoed.',
  examples: ['ThisisLocalTest1234@'],
})

export const Nickname = t.String({
  minLength: 1,
  maxLength: 2048,
  pattern: NO_CONTROL_CHARS,
  description: 'Display name, stored as the Cognito `nickname` attribute.',
  examples: ['KIMMUSIC'],
})

// Cognito's ConfirmationCode: 1-2048 non-whitespace characters (6 digits in practice).
export const Code = t.String({
  minLength: 1,
  maxLength: 2048,
  pattern: '^[\\S]+$',
  description: 'The code Cognito emailed.',
  examples: ['123456'],
})

const CHALLENGE_NAME = '^[A-Z_]{1,64}$'

export const SignUpBody = t.Object({ email: Email, password: Password, nickname: Nickname })
export const SignInBody = t.Object({ email: Email, password: Password })
export const EmailBody = t.Object({ email: Email })
export const ConfirmSignUpBody = t.Object({ email: Email, code: Code })
export const ResetPasswordBody = t.Object({ email: Email, code: Code, password: Password })
export const ChangePasswordBody = t.Object({ previousPassword: Password, proposedPassword: Password })
// A refresh token as Cognito issues it (a JWE of five base64url parts).
const RefreshToken = t.String({
  minLength: 1,
  maxLength: 8192,
  pattern: '^[\\w.~+/=-]+$',
  description: 'From /signin (or the last /token/refresh, when the app client rotates refresh tokens).',
  examples: ['eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.example'],
})
export const RefreshBody = t.Object({
  refreshToken: RefreshToken,
  username: t.Optional(
    t.String({
      minLength: 1,
      maxLength: 128,
      pattern: '^[^\\s\\u0000-\\u001F\\u007F-\\u009F]+$',
      description:
        'The `username` /signin returned (the Cognito username, not the email). Required unless the service ' +
        'rotates refresh tokens; accepted and ignored when it does.',
      examples: ['0b5c9d3e-7a41-4f1e-9a3b-2c6f8e1d4a70'],
    }),
  ),
})
export const ChallengeBody = t.Object({
  email: Email,
  challengeName: t.String({ pattern: CHALLENGE_NAME, examples: ['NEW_PASSWORD_REQUIRED'] }),
  // Cognito's session (up to 2048 characters) behind the username it belongs to (challenge-session.ts).
  session: t.String({
    minLength: 1,
    maxLength: 2800,
    pattern: '^[\\S]+$',
    description: 'The `session` of the challenge being answered, exactly as the previous answer gave it.',
    examples: ['u1.MGI1YzlkM2U.AYABeCexample'],
  }),
  responses: t.Record(t.String({ pattern: CHALLENGE_NAME }), t.String({ maxLength: 2048, pattern: NO_CONTROL_CHARS }), {
    minProperties: 1,
    maxProperties: 16,
    description: 'Challenge answers, e.g. {"NEW_PASSWORD": "…"}; USERNAME and SECRET_HASH are added by the service.',
    examples: [{ NEW_PASSWORD: 'AnotherLocalTest5678!' }],
  }),
})

export const CodeDelivery = t.Object({
  destination: t.Optional(t.String({ description: 'Masked address the code was sent to.' })),
  deliveryMedium: t.Optional(t.String({ examples: ['EMAIL'] })),
  attributeName: t.Optional(t.String({ examples: ['email'] })),
})

export const SignUpResponse = t.Object({
  message: t.Literal('User signed up successfully!'),
  userSub: t.String({ description: 'The new user’s immutable id (sub).' }),
  userConfirmed: Type.Boolean(),
  codeDelivery: t.Optional(CodeDelivery),
})

export const MessageResponse = t.Object({ message: t.String() })
export const CodeDeliveryResponse = t.Object({ codeDelivery: CodeDelivery })

export const TokenResponse = t.Object({
  token: t.String({ description: 'The ID token, the same as `idToken`; kept for compatibility with earlier clients.' }),
  idToken: t.String(),
  accessToken: t.String(),
  refreshToken: t.Optional(t.String()),
  expiresIn: Type.Integer({ description: 'Seconds until the access and ID tokens expire.' }),
  tokenType: t.Literal('Bearer'),
  username: t.String({ description: 'The Cognito username (cognito:username); /token/refresh needs it.' }),
})

export const RefreshResponse = t.Object({
  idToken: t.String(),
  accessToken: t.String(),
  refreshToken: t.Optional(
    t.String({
      description:
        'Only when the service rotates refresh tokens: the new refresh token. Keep it and drop the one sent, which stops working (after a grace period of up to a minute).',
    }),
  ),
  expiresIn: Type.Integer({ description: 'Seconds until the access and ID tokens expire.' }),
  tokenType: t.Literal('Bearer'),
})

export const ProfileResponse = t.Object({
  username: t.String({ description: 'The Cognito username.' }),
  sub: t.String(),
  email: t.String(),
  emailVerified: Type.Boolean(),
  nickname: t.String(),
})

export const ChallengeResponse = t.Object({
  challengeName: t.String({ examples: ['NEW_PASSWORD_REQUIRED'] }),
  session: t.String({
    description: 'Opaque; send it back unchanged with the answer to this challenge (valid for 3 minutes by default).',
  }),
  challengeParameters: t.Record(t.String(), t.String()),
})

const problemBody = (codes: ProblemCode[]) =>
  t.Object(
    {
      type: t.String({ examples: [`urn:user-service:problem:${codes[0]}`] }),
      title: t.String(),
      status: Type.Integer(),
      detail: t.String({ description: 'For people; never echoes input or upstream messages.' }),
      code: codes.length === 1 ? t.Literal(codes[0]!) : t.Union(codes.map((c) => t.Literal(c))),
      fields: t.Optional(
        t.Array(t.String(), { description: 'validation_failed: JSON pointers of the failing fields.' }),
      ),
    },
    { description: `RFC 9457 problem (application/problem+json). code: ${codes.join(', ')}.` },
  )

/** Every problem code a client can act on; the shape of every error body. */
export const ProblemBody = problemBody(Object.keys(PROBLEMS) as ProblemCode[])

// What any route with a JSON body can answer besides its own errors.
const BODY_PROBLEMS = ['validation_failed', 'malformed_json', 'payload_too_large', 'unsupported_media_type'] as const
const UPSTREAM_PROBLEMS = [
  'too_many_requests',
  'internal_error',
  'upstream_error',
  'upstream_unavailable',
  'upstream_timeout',
] as const
/** What a route that declares `bearer` answers besides its own errors (src/policies/policies.ts). */
export const BEARER_RESPONSES = { 401: problemBody(['missing_token', 'invalid_token']) }
/** What a route that declares `recent` answers besides its own and the bearer errors. */
export const RECENT_RESPONSES = { 403: problemBody(['reauthentication_required']) }

type StatusOf<C extends ProblemCode> = (typeof PROBLEMS)[C]['status']
type ErrorCodes<C extends ProblemCode, Body extends boolean> =
  | C
  | (typeof UPSTREAM_PROBLEMS)[number]
  | (Body extends true ? (typeof BODY_PROBLEMS)[number] : never)

/**
 * The error half of a route's response map: one problem schema per status, listing exactly the
 * codes the route can answer with that status (the body and upstream ones included). Its keys are
 * typed, so typed clients (Eden) see each error status.
 */
export function problemResponses<C extends ProblemCode, Body extends boolean = true>(
  codes: readonly C[],
  { body = true as Body }: { body?: Body } = {},
): Record<StatusOf<ErrorCodes<C, Body>>, typeof ProblemBody> {
  const all: ProblemCode[] = [...new Set([...(body ? BODY_PROBLEMS : []), ...codes, ...UPSTREAM_PROBLEMS])]
  const byStatus = new Map<number, ProblemCode[]>()
  for (const code of all) {
    const { status } = PROBLEMS[code]
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  // Each status's schema is narrower than ProblemBody (only its own codes): the document says
  // exactly what a route answers, while the client type stays the one shape of every problem.
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, problemBody(list)])) as Record<
    StatusOf<ErrorCodes<C, Body>>,
    typeof ProblemBody
  >
}

// --- TOTP and email change ---------------------------------------------------------

// A TOTP code from an authenticator app (RFC 6238): Cognito's are 6 digits.
const TotpCode = t.String({
  pattern: '^[0-9]{6}$',
  description: 'The 6-digit code the authenticator app shows now.',
  examples: ['123456'],
})

export const TotpEnrolmentResponse = t.Object({
  secretCode: t.String({ description: 'The shared secret (base32), for apps that cannot scan the URI.' }),
  otpauthUri: t.String({
    description:
      'otpauth://totp/… URI (issuer and account email in it) for the authenticator app, usually as a QR code.',
    examples: ['otpauth://totp/user-service:kim%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=user-service'],
  }),
  qrCodeSvg: t.String({
    description: 'The otpauth URI as a QR code, an SVG document to show for the app to scan.',
    examples: ['<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 33 33">…</svg>'],
  }),
})
export const TotpVerifyBody = t.Object({
  code: TotpCode,
  deviceName: t.Optional(
    t.String({
      minLength: 1,
      maxLength: 128,
      pattern: NO_CONTROL_CHARS,
      description: 'A name for the authenticator, shown back at sign-in (FRIENDLY_DEVICE_NAME).',
      examples: ['My phone'],
    }),
  ),
})
export const MfaSetupBody = t.Object({ email: Email, session: ChallengeBody.properties.session })
export const MfaSetupVerifyBody = t.Object({
  email: Email,
  session: ChallengeBody.properties.session,
  code: TotpCode,
  deviceName: TotpVerifyBody.properties.deviceName,
})
export const MfaSetupResponse = t.Object({
  ...TotpEnrolmentResponse.properties,
  session: t.String({ description: 'Send it back with a code from the app to POST /signin/mfa-setup/verify.' }),
})
export const EmailChangeBody = t.Object({ email: Email })
export const EmailVerifyBody = t.Object({ code: Code })
export const EmailChangeResponse = t.Object({
  codeDelivery: CodeDelivery,
  message: t.String({
    examples: ['Verification code sent to the new address; the current address stays in use until it is verified.'],
  }),
})

// --- Passwordless sign-in and passkeys (Cognito choice-based sign-in) ----------------------------

export const PasswordlessBody = t.Object({
  email: Email,
  method: t.Optional(
    t.Union([t.Literal('email_otp'), t.Literal('passkey')], {
      description:
        '`email_otp`: email a one-time code (challenge EMAIL_OTP). `passkey`: challenge WEB_AUTHN when the account has ' +
        'a passkey. Omitted: the challenge SELECT_CHALLENGE and the methods available.',
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
        'EMAIL_OTP: CODE_DELIVERY_DESTINATION (masked). WEB_AUTHN: CREDENTIAL_REQUEST_OPTIONS, a JSON string to parse ' +
        'and hand to navigator.credentials.get (PublicKeyCredentialRequestOptionsJSON).',
    }),
    availableChallenges: t.Optional(
      t.Array(t.String(), {
        description: 'SELECT_CHALLENGE: what to answer with {"ANSWER": …} (PASSWORD, EMAIL_OTP, WEB_AUTHN).',
      }),
    ),
  },
  {
    description:
      'The challenge to answer with POST /signin/challenge. The same for an email without an account, whose answers never succeed.',
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

export const RegisterPasskeyBody = t.Object({
  credential: t.Record(t.String(), t.Unknown(), {
    description: 'The RegistrationResponseJSON navigator.credentials.create gave (credential.toJSON()).',
    examples: [{ id: 'q1w2e3', rawId: 'q1w2e3', type: 'public-key', response: {}, clientExtensionResults: {} }],
  }),
})

export const Passkey = t.Object({
  credentialId: t.String(),
  name: t.String(),
  relyingPartyId: t.String(),
  authenticatorAttachment: t.Optional(t.String({ examples: ['platform', 'cross-platform'] })),
  transports: t.Array(t.String()),
  createdAt: t.String({ format: 'date-time' }),
})

export const PasskeyListResponse = t.Object({ passkeys: t.Array(Passkey) }, { description: 'The user’s passkeys.' })

export const PasskeyIdParams = t.Object({
  credentialId: t.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9_-]+$' }),
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

// Tokens: signing out one device.
export const SignOutDeviceBody = t.Object({ refreshToken: RefreshToken })

// Sessions (Cognito ListUserSessions / RevokeUserSession).
export const SessionIdParams = t.Object({
  sessionId: t.String({
    minLength: 1,
    maxLength: 256,
    pattern: '^[\\w:.=+/-]+$',
    description: 'A `sessionId` from GET /sessions.',
  }),
})
export const SessionResponse = t.Object({
  sessionId: t.String(),
  type: t.String({
    description: 'TOKEN: an app’s sign-in (a refresh token); SSO: a managed-login browser session.',
    examples: ['TOKEN'],
  }),
  current: Type.Boolean({ description: 'The session of the access token that asked.' }),
  clientId: t.Optional(t.String({ description: 'The app client the session belongs to.' })),
  createdAt: t.Optional(t.String({ description: 'ISO 8601.' })),
  lastActiveAt: t.Optional(t.String({ description: 'ISO 8601.' })),
  deviceType: t.Optional(t.String()),
  lastIpAddress: t.Optional(t.String()),
  lastLocation: t.Optional(t.Object({ city: t.Optional(t.String()), country: t.Optional(t.String()) })),
})
export const SessionsResponse = t.Object({ sessions: t.Array(SessionResponse) })

export type SignUpInput = Static<typeof SignUpBody>
export type SignInInput = Static<typeof SignInBody>
export type ChallengeInput = Static<typeof ChallengeBody>
export type CodeDeliveryDetails = Static<typeof CodeDelivery>
export type SignUpResult = Omit<Static<typeof SignUpResponse>, 'message'>
export type Tokens = Omit<Static<typeof TokenResponse>, 'token'>
export type Challenge = Static<typeof ChallengeResponse>
export type RefreshedTokens = Static<typeof RefreshResponse>
export type Profile = Static<typeof ProfileResponse>
export type PasswordlessInput = Static<typeof PasswordlessBody>
export type PasswordlessChallenge = Static<typeof PasswordlessChallengeResponse>
export type PasskeyDescription = Static<typeof Passkey>

export type UserSession = Static<typeof SessionResponse>
