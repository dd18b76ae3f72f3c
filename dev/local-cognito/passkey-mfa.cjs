// Passkeys as a second factor: SetUserMFAPreference's WebAuthnMfaSettings. Cognito API reference,
// SetUserMFAPreference: "To activate this setting, the FactorConfiguration of your user pool
// WebAuthnConfiguration must be MULTI_FACTOR_WITH_USER_VERIFICATION"; WebAuthnMfaSettingsType: "The user
// must also have at least one other MFA method such as SMS, TOTP, or email activated to prevent
// account lockout." The reference names no exception for either refusal: InvalidParameterException,
// the one it documents for a request it will not take, is a guess. What the setting changes at
// sign-in (a passkey with user verification satisfying MFA) is not emulated. GetUser reports it.
'use strict'
const { Targets } = require('cognito-local/lib/targets/targets')
const errors = require('cognito-local/lib/errors')
const { tokenUser } = require('./compat.cjs')

const MULTI_FACTOR = 'MULTI_FACTOR_WITH_USER_VERIFICATION'

const setUserMfaPreference = Targets.SetUserMFAPreference
const SetUserMFAPreference = (services) => {
  const inner = setUserMfaPreference(services)
  return async (ctx, req) => {
    const { WebAuthnMfaSettings: passkey, ...rest } = req
    if (passkey === undefined) return inner(ctx, req)
    const others = Object.keys(rest).some((key) => key.endsWith('MfaSettings'))
    const out = others ? await inner(ctx, rest) : {}
    const { userPool, user } = await tokenUser(services, ctx, req.AccessToken)
    if (passkey.Enabled === true) {
      if (userPool.options.WebAuthnConfiguration?.FactorConfiguration !== MULTI_FACTOR)
        throw new errors.InvalidParameterError('Passkey MFA is not enabled for this user pool.')
      if ((user.UserMFASettingList ?? []).length === 0)
        throw new errors.InvalidParameterError('Activate another MFA method before passkey MFA.')
    }
    await userPool.saveUser(ctx, { ...user, WebAuthnMfaEnabled: passkey.Enabled === true })
    return out
  }
}

// GetUser: the API reference documents no read of the setting (UserMFASettingList lists SMS_MFA,
// EMAIL_OTP and SOFTWARE_TOKEN_MFA). Reporting it as WEB_AUTHN in UserMFASettingList, the auth
// factor's name (AuthFactorType), is a guess.
const getUser = Targets.GetUser
const GetUser = (services) => {
  const inner = getUser(services)
  return async (ctx, req) => {
    const out = await inner(ctx, req)
    const { user } = await tokenUser(services, ctx, req.AccessToken)
    if (user.WebAuthnMfaEnabled !== true) return out
    return { ...out, UserMFASettingList: [...(out.UserMFASettingList ?? []), 'WEB_AUTHN'] }
  }
}

Object.assign(Targets, { SetUserMFAPreference, GetUser })
