// Signing up and the account: confirming it, resetting and changing the password, the profile, the
// email address, deleting the account.
import type { CodeDeliveryDetailsType } from '@aws-sdk/client-cognito-identity-provider'
import type { Profile } from '../schemas/account.ts'
import type { CodeDeliveryDetails } from '../schemas/shared.ts'
import type { SignUpInput, SignUpResult } from '../schemas/sign-in.ts'
import { hidingAccountState, maskedEmailDelivery } from './enumeration.ts'
import type { GatewayCore } from './gateway-core.ts'

export interface AccountCalls {
  signUp(input: SignUpInput): Promise<SignUpResult>
  confirmSignUp(email: string, code: string): Promise<void>
  /** Answers the same whether or not the account exists. */
  resendConfirmationCode(email: string): Promise<CodeDeliveryDetails>
  /** Answers the same whether or not the account exists. */
  forgotPassword(email: string): Promise<CodeDeliveryDetails>
  confirmForgotPassword(email: string, code: string, password: string): Promise<void>
  getUser(accessToken: string): Promise<Profile>
  changePassword(accessToken: string, previousPassword: string, proposedPassword: string): Promise<void>
  /**
   * UpdateUserAttributes with the new email. With the pool's AttributesRequireVerificationBeforeUpdate
   * the current address stays until the code sent to the new one is verified.
   * @throws ProblemError username_exists when another account has that address.
   */
  changeEmail(accessToken: string, email: string): Promise<CodeDeliveryDetails>
  /** VerifyUserAttribute (email) with the code sent to the new address: the change takes effect. */
  verifyEmail(accessToken: string, code: string): Promise<void>
  /** DeleteUser: the account of the access token's user is gone. */
  deleteUser(accessToken: string): Promise<void>
}

export function accountCalls({ config, call, secretHash }: GatewayCore): AccountCalls {
  const { clientId } = config
  return {
    async signUp({ email, password, nickname }) {
      const hash = await secretHash(email)
      const out = await call('SignUp', {
        ClientId: clientId,
        Username: email,
        Password: password,
        SecretHash: hash,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'nickname', Value: nickname },
        ],
      })
      const codeDelivery = codeDeliveryOf(out.CodeDeliveryDetails)
      return {
        userSub: out.UserSub ?? '',
        userConfirmed: out.UserConfirmed ?? false,
        ...(codeDelivery ? { codeDelivery } : {}),
      }
    },

    async confirmSignUp(email, code) {
      const hash = await secretHash(email)
      await call('ConfirmSignUp', { ClientId: clientId, Username: email, ConfirmationCode: code, SecretHash: hash })
    },

    async resendConfirmationCode(email) {
      const hash = await secretHash(email)
      await hidingAccountState(
        call('ResendConfirmationCode', { ClientId: clientId, Username: email, SecretHash: hash }),
      )
      return maskedEmailDelivery(email)
    },

    async forgotPassword(email) {
      const hash = await secretHash(email)
      await hidingAccountState(call('ForgotPassword', { ClientId: clientId, Username: email, SecretHash: hash }))
      return maskedEmailDelivery(email)
    },

    async confirmForgotPassword(email, code, password) {
      const hash = await secretHash(email)
      await call('ConfirmForgotPassword', {
        ClientId: clientId,
        Username: email,
        ConfirmationCode: code,
        Password: password,
        SecretHash: hash,
      })
    },

    async getUser(accessToken) {
      const out = await call('GetUser', { AccessToken: accessToken })
      const attributes = new Map((out.UserAttributes ?? []).map((a) => [a.Name, a.Value ?? '']))
      return {
        username: out.Username ?? '',
        sub: attributes.get('sub') ?? '',
        email: attributes.get('email') ?? '',
        emailVerified: attributes.get('email_verified') === 'true',
        nickname: attributes.get('nickname') ?? '',
      }
    },

    async changePassword(accessToken, previousPassword, proposedPassword) {
      await call('ChangePassword', {
        AccessToken: accessToken,
        PreviousPassword: previousPassword,
        ProposedPassword: proposedPassword,
      })
    },

    async changeEmail(accessToken, email) {
      await call('UpdateUserAttributes', {
        AccessToken: accessToken,
        UserAttributes: [{ Name: 'email', Value: email }],
      })
      // Masked from the request, as Cognito masks it: the same shape as every other delivery we answer.
      return maskedEmailDelivery(email)
    },

    async verifyEmail(accessToken, code) {
      await call('VerifyUserAttribute', { AccessToken: accessToken, AttributeName: 'email', Code: code })
    },

    async deleteUser(accessToken) {
      await call('DeleteUser', { AccessToken: accessToken })
    },
  }
}

function codeDeliveryOf(details: CodeDeliveryDetailsType | undefined): CodeDeliveryDetails | undefined {
  if (!details) return undefined
  return {
    ...(details.Destination ? { destination: details.Destination } : {}),
    ...(details.DeliveryMedium ? { deliveryMedium: details.DeliveryMedium } : {}),
    ...(details.AttributeName ? { attributeName: details.AttributeName } : {}),
  }
}
