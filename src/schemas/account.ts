// The account after sign-up (confirming it, the password, the profile) and changing its email.
import { Type } from '@sinclair/typebox'
import { t, type Static } from 'elysia'
import { Code, CodeDelivery, Email, Password } from './shared.ts'

export const EmailBody = t.Object({ email: Email })
export const ConfirmSignUpBody = t.Object({ email: Email, code: Code })
export const ResetPasswordBody = t.Object({ email: Email, code: Code, password: Password })
export const ChangePasswordBody = t.Object({ previousPassword: Password, proposedPassword: Password })

export const MessageResponse = t.Object({ message: t.String() })
export const CodeDeliveryResponse = t.Object({ codeDelivery: CodeDelivery })

export const ProfileResponse = t.Object({
  username: t.String({ description: 'The Cognito username.' }),
  sub: t.String(),
  email: t.String(),
  emailVerified: Type.Boolean(),
  nickname: t.String(),
})

export const EmailChangeBody = t.Object({ email: Email })
export const EmailVerifyBody = t.Object({ code: Code })
export const EmailChangeResponse = t.Object({
  codeDelivery: CodeDelivery,
  message: t.String({
    examples: ['Verification code sent to the new address; the current address stays in use until it is verified.'],
  }),
})

export type Profile = Static<typeof ProfileResponse>
