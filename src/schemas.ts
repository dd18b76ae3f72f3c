// Every request and response shape, once. Validation, the OpenAPI document and typed clients all
// read these. Limits mirror what Cognito itself would reject, so a bad value is a clear 400 here
// instead of an opaque InvalidParameterException later.
import { t, type Static } from 'elysia'

// No C0/C1 control characters (newlines, NUL, escape sequences): they have no place in these fields
// and are a classic way to forge log lines or confuse downstream parsers.
const NO_CONTROL_CHARS = '^[^\\u0000-\\u001F\\u007F-\\u009F]*$'

export const Email = t.String({
  format: 'email',
  minLength: 3,
  maxLength: 254,
  pattern: NO_CONTROL_CHARS,
  description: 'The account email; it is the sign-in name.',
  examples: ['20250201test@example.com'],
})

// Cognito accepts at most 256 characters and no leading or trailing whitespace; the pool's policy
// (length, character classes) is Cognito's to enforce.
export const Password = t.String({
  minLength: 1,
  maxLength: 256,
  pattern: '^[^\\s\\u0000-\\u001F\\u007F-\\u009F](?:[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F])?$',
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

export const SignUpBody = t.Object({ email: Email, password: Password, nickname: Nickname })
export const SignInBody = t.Object({ email: Email, password: Password })

export const CodeDelivery = t.Object({
  destination: t.Optional(t.String({ description: 'Masked address the code was sent to.' })),
  deliveryMedium: t.Optional(t.String({ examples: ['EMAIL'] })),
  attributeName: t.Optional(t.String({ examples: ['email'] })),
})

export const SignUpResponse = t.Object({
  message: t.Literal('User signed up successfully!'),
  userSub: t.String({ description: 'The new user’s immutable id (sub).' }),
  userConfirmed: t.Boolean(),
  codeDelivery: t.Optional(CodeDelivery),
})

export const TokenResponse = t.Object({
  token: t.String({ description: 'The ID token (the seed’s field, kept for its clients).' }),
  idToken: t.String(),
  accessToken: t.String(),
  refreshToken: t.Optional(t.String()),
  expiresIn: t.Integer({ description: 'Seconds until the access and ID tokens expire.' }),
  tokenType: t.Literal('Bearer'),
  username: t.String({ description: 'The Cognito username (cognito:username); /token/refresh needs it.' }),
})

export const ChallengeResponse = t.Object({
  challengeName: t.String({ examples: ['NEW_PASSWORD_REQUIRED'] }),
  session: t.String(),
  challengeParameters: t.Record(t.String(), t.String()),
})

export const ProblemBody = t.Object({
  type: t.String(),
  title: t.String(),
  status: t.Integer(),
  detail: t.String(),
  code: t.String(),
  fields: t.Optional(t.Array(t.String())),
})

export type SignUpInput = Static<typeof SignUpBody>
export type SignInInput = Static<typeof SignInBody>
export type CodeDeliveryDetails = Static<typeof CodeDelivery>
export type SignUpResult = Omit<Static<typeof SignUpResponse>, 'message'>
export type Tokens = Omit<Static<typeof TokenResponse>, 'token'>
export type Challenge = Static<typeof ChallengeResponse>
