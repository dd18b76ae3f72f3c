// Signing up and in, answering a challenge, refreshing tokens: the request and answer shapes.
import { Type } from '@sinclair/typebox'
import { t, type Static } from 'elysia'
import {
  CHALLENGE_NAME,
  CodeDelivery,
  Email,
  Nickname,
  NO_CONTROL_CHARS,
  NO_SPACES,
  Password,
  patterned,
  RefreshToken,
} from './shared.ts'
import { RULE_KEYWORD } from '../http/validation-problem.ts'

export const SignUpBody = t.Object({ email: Email, password: Password, nickname: Nickname })
export const SignInBody = t.Object({ email: Email, password: Password })

export const RefreshBody = t.Object({
  refreshToken: RefreshToken,
  username: t.Optional(
    t.String({
      minLength: 1,
      maxLength: 128,
      ...patterned('^[^\\s\\u0000-\\u001F\\u007F-\\u009F]+$', 'must not contain spaces or control characters'),
      description:
        'The `username` /signin returned (the Cognito username, not the email). Required unless the service ' +
        'rotates refresh tokens; accepted and ignored when it does.',
      examples: ['0b5c9d3e-7a41-4f1e-9a3b-2c6f8e1d4a70'],
    }),
  ),
})
/** The OpenAPI description of the request header a device token goes back in (src/policies/rate-limits.ts). */
export const DEVICE_TOKEN_PARAMETER = {
  in: 'header',
  name: 'X-Device-Token',
  required: false,
  schema: { type: 'string', maxLength: 64 },
  description:
    'The `deviceToken` of an earlier sign-in to the same account on this device. With a valid one, failed attempts ' +
    'count against this device’s own budget, not the account’s shared one. Missing, expired or another account’s: ' +
    'the shared budget.',
} as const

export const ChallengeBody = t.Object({
  email: Email,
  challengeName: t.String({ ...CHALLENGE_NAME, examples: ['NEW_PASSWORD_REQUIRED'] }),
  // Cognito's session (up to 2048 characters) behind the account and sealed claims of its answer (challenge-session.ts).
  session: t.String({
    minLength: 1,
    maxLength: 2850,
    ...NO_SPACES,
    description: 'The `session` of the challenge being answered, exactly as the previous answer gave it.',
    examples: ['u4.kEyEdHaShOfTheEmail.MGI1YzlkM2U.AYABeCexample'],
  }),
  // Only names of the pattern: Elysia rebuilds a record from the keys of whatever it is given before
  // it validates (a string by its characters' indexes, an array by its positions), and only this
  // refusal of other keys keeps a string or an array from passing as an object.
  responses: t.Record(t.String(CHALLENGE_NAME), t.String({ maxLength: 2048, ...NO_CONTROL_CHARS }), {
    additionalProperties: false,
    [RULE_KEYWORD]: 'must be an object of answer names (capital letters and underscores) to strings',
    minProperties: 1,
    maxProperties: 16,
    description: 'Challenge answers, e.g. {"NEW_PASSWORD": "…"}; USERNAME and SECRET_HASH are added by the service.',
    examples: [{ NEW_PASSWORD: 'AnotherLocalTest5678!' }],
  }),
})

export const SignUpResponse = t.Object({
  message: t.Literal('User signed up successfully!'),
  userSub: t.String({ description: 'The new user’s immutable id (sub).' }),
  userConfirmed: Type.Boolean(),
  codeDelivery: t.Optional(CodeDelivery),
})

export const TokenResponse = t.Object({
  token: t.String({ description: 'The ID token, the same as `idToken`; kept for compatibility with earlier clients.' }),
  idToken: t.String(),
  accessToken: t.String(),
  refreshToken: t.Optional(t.String()),
  expiresIn: Type.Integer({ description: 'Seconds until the access and ID tokens expire.' }),
  tokenType: t.Literal('Bearer'),
  username: t.String({ description: 'The Cognito username (cognito:username); /token/refresh needs it.' }),
  deviceToken: t.Optional(
    t.String({
      description:
        'This device’s token for this account (valid 30 days): keep it and send it as the `X-Device-Token` header ' +
        'of the next POST /signin and POST /signin/challenge for the same email, so that wrong passwords or codes ' +
        'sent from elsewhere cannot lock this device out. A new one comes with every sign-in; it is not a credential.',
    }),
  ),
  passwordBreached: t.Optional(
    t.Literal(true, {
      description:
        'When the password given to POST /signin appears in a public list of leaked passwords (Have I Been Pwned), ' +
        'on the tokens that end that sign-in (from POST /signin, or from POST /signin/challenge after a second ' +
        'step): the sign-in succeeded; ask the user to change the password.',
    }),
  ),
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

export const ChallengeResponse = t.Object({
  challengeName: t.String({ examples: ['NEW_PASSWORD_REQUIRED'] }),
  session: t.String({
    description: 'Opaque; send it back unchanged with the answer to this challenge (valid for 3 minutes by default).',
  }),
  challengeParameters: t.Record(t.String(), t.String()),
})

export type SignUpInput = Static<typeof SignUpBody>
export type SignInInput = Static<typeof SignInBody>
export type ChallengeInput = Static<typeof ChallengeBody>
export type SignUpResult = Omit<Static<typeof SignUpResponse>, 'message'>
export type Tokens = Omit<Static<typeof TokenResponse>, 'token' | 'passwordBreached'>
export type Challenge = Static<typeof ChallengeResponse>
export type RefreshedTokens = Static<typeof RefreshResponse>
