// Closes the gaps between cognito-local and Cognito that this service depends on, inside the
// emulator's own process and on its own data store (so `npm start` and the tests see the same):
// - ResendConfirmationCode and GlobalSignOut, which it lacks;
// - GlobalSignOut records what it revokes (its time, the calling token's jti) and ends the user's
//   refresh tokens (cognito-local never revokes anything); revocation.cjs refuses the access tokens;
// - the refresh token a challenge answer hands out (SOFTWARE_TOKEN_MFA, NEW_PASSWORD_REQUIRED) is
//   stored like a password sign-in's (cognito-local stores only InitiateAuth's), so it refreshes,
//   revokes and lists as a session: InitiateAuth and RespondToAuthChallenge answer the same
//   AuthenticationResult (API reference, RespondToAuthChallenge "AuthenticationResult");
// - AdminUserGlobalSignOut, which it lacks, records the same as GlobalSignOut (without a calling token);
// - confirming a sign-up verifies the email (the pool auto-verifies it), as in Cognito;
// - a wrong password is NotAuthorizedException on InitiateAuth and ChangePassword, as in Cognito
//   (cognito-local says InvalidPasswordException), and a FORCE_CHANGE_PASSWORD user must still
//   give the right temporary password before getting the NEW_PASSWORD_REQUIRED challenge.
// It does not check signatures or expiry: the service verifies tokens itself before calling.
'use strict'
const jwt = require('jsonwebtoken')
const { Targets } = require('cognito-local/lib/targets/targets')
const errors = require('cognito-local/lib/errors')
const { attributeValue } = require('cognito-local/lib/services/userPoolService')

const wrongPassword = () => new errors.NotAuthorizedError('Incorrect username or password.')

/** The user an access token belongs to (revocation.cjs has refused a revoked one before this runs). */
async function tokenUser({ cognito }, ctx, accessToken) {
  const claims = jwt.decode(accessToken)
  if (!claims || typeof claims !== 'object' || !claims.client_id || !claims.sub) {
    throw new errors.NotAuthorizedError('Invalid Access Token')
  }
  const userPool = await cognito.getUserPoolForClientId(ctx, claims.client_id)
  const user = await userPool.getUserByUsername(ctx, claims.sub)
  if (!user) throw new errors.NotAuthorizedError('Invalid Access Token')
  return { userPool, user }
}

/** Runs `target` only for a token of a user that exists (NotAuthorizedException otherwise, not cognito-local's UserNotFoundException). */
const requireKnownUser = (target) => (services) => {
  const inner = target(services)
  return async (ctx, req) => {
    await tokenUser(services, ctx, req.AccessToken)
    return inner(ctx, req)
  }
}

const passwordAsNotAuthorized = (target) => (services) => {
  const inner = target(services)
  return async (ctx, req) => {
    try {
      return await inner(ctx, req)
    } catch (error) {
      if (error instanceof errors.InvalidPasswordError) throw wrongPassword()
      throw error
    }
  }
}

const GlobalSignOut = (services) => async (ctx, req) => {
  const { userPool, user } = await tokenUser(services, ctx, req.AccessToken)
  const { jti } = jwt.decode(req.AccessToken)
  await userPool.saveUser(ctx, {
    ...user,
    RefreshTokens: [],
    TokensRevokedAt: services.clock.get().getTime(),
    RevokedJtis: [...(user.RevokedJtis ?? []).slice(-50), jti],
  })
  return {}
}

const ResendConfirmationCode =
  ({ cognito, clock, messages, otp }) =>
  async (ctx, req) => {
    const userPool = await cognito.getUserPoolForClientId(ctx, req.ClientId)
    const user = await userPool.getUserByUsername(ctx, req.Username)
    if (!user) throw new errors.UserNotFoundError('Username/client id combination not found.')
    if (user.UserStatus === 'CONFIRMED') throw new errors.InvalidParameterError('User is already confirmed.')
    const email = attributeValue('email', user.Attributes)
    if (!email) throw new errors.InvalidParameterError('User has no email to send a code to.')
    const delivery = { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: email }
    const code = otp()
    await messages.deliver(
      ctx,
      'ResendCode',
      req.ClientId,
      userPool.options.Id,
      user,
      code,
      req.ClientMetadata,
      delivery,
    )
    await userPool.saveUser(ctx, { ...user, ConfirmationCode: code, UserLastModifiedDate: clock.get() })
    return { CodeDeliveryDetails: delivery }
  }

const initiateAuth = Targets.InitiateAuth
const InitiateAuth = (services) => {
  const inner = passwordAsNotAuthorized(initiateAuth)(services)
  return async (ctx, req) => {
    if (req.AuthFlow === 'USER_PASSWORD_AUTH' && req.AuthParameters) {
      const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
      const user = await userPool.getUserByUsername(ctx, req.AuthParameters.USERNAME)
      if (user && user.UserStatus === 'FORCE_CHANGE_PASSWORD' && user.Password !== req.AuthParameters.PASSWORD) {
        throw wrongPassword()
      }
    }
    return inner(ctx, req)
  }
}

const respondToAuthChallenge = Targets.RespondToAuthChallenge
const RespondToAuthChallenge = (services) => {
  const inner = respondToAuthChallenge(services)
  return async (ctx, req) => {
    const out = await inner(ctx, req)
    const refreshToken = out.AuthenticationResult?.RefreshToken
    if (!refreshToken) return out
    const owner = await tokenUser(services, ctx, out.AuthenticationResult.AccessToken)
    if (!(owner.user.RefreshTokens ?? []).includes(refreshToken))
      await owner.userPool.storeRefreshToken(ctx, refreshToken, owner.user)
    return out
  }
}

// AdminUserGlobalSignOut {UserPoolId, Username}: "Invalidates the identity, access, and refresh tokens
// that Amazon Cognito issued to a user" (API reference), like GlobalSignOut but by name, with IAM
// credentials instead of the user's token (not checked here). `Username` may be an alias (the email).
const AdminUserGlobalSignOut =
  ({ cognito, clock }) =>
  async (ctx, req) => {
    const userPool = await cognito.getUserPool(ctx, req.UserPoolId)
    const user = await userPool.getUserByUsername(ctx, req.Username)
    if (!user) throw new errors.UserNotFoundError('User does not exist.')
    await userPool.saveUser(ctx, { ...user, RefreshTokens: [], TokensRevokedAt: clock.get().getTime() })
    return {}
  }

const confirmSignUp = Targets.ConfirmSignUp
const ConfirmSignUp = (services) => {
  const inner = confirmSignUp(services)
  return async (ctx, req) => {
    const result = await inner(ctx, req)
    const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
    const user = await userPool.getUserByUsername(ctx, req.Username)
    if (user && (userPool.options.AutoVerifiedAttributes ?? []).includes('email')) {
      const Attributes = [
        ...user.Attributes.filter((a) => a.Name !== 'email_verified'),
        { Name: 'email_verified', Value: 'true' },
      ]
      await userPool.saveUser(ctx, { ...user, Attributes })
    }
    return result
  }
}

Object.assign(Targets, {
  ConfirmSignUp,
  GlobalSignOut,
  AdminUserGlobalSignOut,
  RespondToAuthChallenge,
  ResendConfirmationCode,
  InitiateAuth,
  GetUser: requireKnownUser(Targets.GetUser),
  ChangePassword: passwordAsNotAuthorized(requireKnownUser(Targets.ChangePassword)),
})

// For passwordless.cjs: its access-token operations find their user the same way.
module.exports = { tokenUser }
