// The fields several features' shapes are made of: the account email, passwords, codes, refresh
// tokens, and where a code was sent. Limits mirror what Cognito itself would reject, so a bad value is
// a clear 400 here instead of an opaque InvalidParameterException later.
import { t, type Static } from 'elysia'
import { MAX_ADDRESS, parseEmailAddress } from '../email-address.ts'
import { ProblemError } from '../http/problem.ts'
import { RULE_KEYWORD } from '../http/validation-problem.ts'

// In every module of src/schemas/, responses use TypeBox's own Integer and Boolean: Elysia's t.* versions also accept strings
// (for query parameters), which would show up in the OpenAPI document as string-or-number.

/**
 * A string pattern and what it requires in words (RULE_KEYWORD, also in the OpenAPI document): what
 * a 400 says of a value that breaks it. Spread into a t.String's options.
 */
export const patterned = (pattern: string, rule: string) => ({ pattern, [RULE_KEYWORD]: rule })

// No C0/C1 control characters (newlines, NUL, escape sequences): they have no place in these fields
// and are a classic way to forge log lines or confuse downstream parsers.
export const NO_CONTROL_CHARS = patterned(
  '^[^\\u0000-\\u001F\\u007F-\\u009F]*$',
  'must not contain control characters (line breaks, tabs, escape sequences)',
)

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
      ...NO_CONTROL_CHARS,
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
      address.kind === 'undeliverable' ? UNDELIVERABLE_EMAIL : 'email must be an email address (name@example.com).',
      { fields: ['/email'] },
    )
  })
  .Encode((ascii) => ascii)

// Cognito accepts at most 256 characters and no leading or trailing whitespace; the pool's policy
// (length, character classes) is Cognito's to enforce.
export const Password = t.String({
  minLength: 1,
  maxLength: 256,
  ...patterned(
    '^[^\\s\\u0000-\\u001F\\u007F-\\u009F](?:[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F])?$',
    'must not start or end with a space, nor contain control characters',
  ),
  description: 'The account password. Never logged, never echoed.',
  examples: ['ThisisLocalTest1234@'],
})

export const Nickname = t.String({
  minLength: 1,
  maxLength: 2048,
  ...NO_CONTROL_CHARS,
  description: 'Display name, stored as the Cognito `nickname` attribute.',
  examples: ['KIMMUSIC'],
})

/** One or more characters, none of them a space. */
export const NO_SPACES = patterned('^[\\S]+$', 'must not contain spaces')

// Cognito's ConfirmationCode: 1-2048 non-whitespace characters (6 digits in practice).
export const Code = t.String({
  minLength: 1,
  maxLength: 2048,
  ...NO_SPACES,
  description: 'The code Cognito emailed.',
  examples: ['123456'],
})

/** A Cognito challenge name, or the name of one of its answers (NEW_PASSWORD_REQUIRED, EMAIL_OTP_CODE). */
export const CHALLENGE_NAME = patterned(
  '^[A-Z_]{1,64}$',
  'must be a challenge name: 1 to 64 capital letters and underscores (NEW_PASSWORD_REQUIRED)',
)

// A refresh token as Cognito issues it (a JWE of five base64url parts).
export const RefreshToken = t.String({
  minLength: 1,
  maxLength: 8192,
  ...patterned('^[\\w.~+/=-]+$', 'must be a token as the sign-in gave it (letters, digits and . ~ + / = _ -)'),
  description: 'From /signin (or the last /token/refresh, when the app client rotates refresh tokens).',
  examples: ['eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.example'],
})

export const CodeDelivery = t.Object({
  destination: t.Optional(t.String({ description: 'Masked address the code was sent to.' })),
  deliveryMedium: t.Optional(t.String({ examples: ['EMAIL'] })),
  attributeName: t.Optional(t.String({ examples: ['email'] })),
})

export type CodeDeliveryDetails = Static<typeof CodeDelivery>
