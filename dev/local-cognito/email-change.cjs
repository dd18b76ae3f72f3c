// Changing a user's email as Cognito does it in a pool that keeps the current address until the new
// one is verified (UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate: ["email"]).
// cognito-local keeps the old value until VerifyUserAttribute already; these rules add what it lacks.
// Each cites the Cognito API reference (docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference)
// and has a test in test/local-cognito/email-change.test.ts. Loaded after strict.cjs.
'use strict'
const jwt = require('jsonwebtoken')
const { Targets } = require('cognito-local/lib/targets/targets')
const errors = require('cognito-local/lib/errors')
const { attributeValue } = require('cognito-local/lib/services/userPoolService')

// UpdateUserAttributes and VerifyUserAttribute, Errors: AliasExistsException, "an email address or
// phone number that has already been supplied as an alias for a different user profile". With email
// as the sign-in name, every user's email is such an alias.
const aliasTaken = () =>
  new errors.CognitoError('AliasExistsException', 'An account with the given email already exists.')

/** The user pool and user an access token names (cognito-local's own lookup: by `sub`). */
async function tokenOwner({ cognito }, ctx, accessToken) {
  const claims = jwt.decode(accessToken)
  if (!claims || typeof claims !== 'object' || !claims.client_id) throw new errors.InvalidParameterError()
  const userPool = await cognito.getUserPoolForClientId(ctx, claims.client_id)
  const user = await userPool.getUserByUsername(ctx, claims.sub)
  if (!user) throw new errors.NotAuthorizedError()
  return { userPool, user }
}

/** Refuses an email that another user of the pool signs in with. Throws AliasExistsException. */
async function assertEmailFree(userPool, ctx, user, email) {
  if (!userPool.options.UsernameAttributes?.includes('email') || typeof email !== 'string') return
  const holder = await userPool.getUserByUsername(ctx, email)
  if (holder && holder.Username !== user.Username && attributeValue('email', holder.Attributes)) throw aliasTaken()
}

const pendingEmailOf = (user) => attributeValue('email', user.UnverifiedAttributeChanges)

// --- UpdateUserPool ----------------------------------------------------------------------------
// UpdateUserPool request, `UserAttributeUpdateSettings`: settable on an existing pool (cognito-local
// drops it, so a pool made before the setting could never get it).
const updateUserPool = Targets.UpdateUserPool
const UpdateUserPool = (services) => {
  const inner = updateUserPool(services)
  return async (ctx, req) => {
    const out = await inner(ctx, req)
    if (req.UserAttributeUpdateSettings) {
      const userPool = await services.cognito.getUserPool(ctx, req.UserPoolId)
      await userPool.updateOptions(ctx, {
        ...userPool.options,
        UserAttributeUpdateSettings: req.UserAttributeUpdateSettings,
      })
    }
    return out
  }
}

// UserAttributeUpdateSettingsType: "a response parameter of DescribeUserPool" (cognito-local leaves it out).
const describeUserPool = Targets.DescribeUserPool
const DescribeUserPool = (services) => {
  const inner = describeUserPool(services)
  return async (ctx, req) => {
    const out = await inner(ctx, req)
    const { UserAttributeUpdateSettings } = (await services.cognito.getUserPool(ctx, req.UserPoolId)).options
    return UserAttributeUpdateSettings ? { ...out, UserPool: { ...out.UserPool, UserAttributeUpdateSettings } } : out
  }
}

// --- UpdateUserAttributes ----------------------------------------------------------------------
// UserAttributeUpdateSettingsType, AttributesRequireVerificationBeforeUpdate: "Amazon Cognito sends a
// verification message to the new phone number or email address" and "doesn't change the value of
// the attribute until your user responds". cognito-local keeps the value but mails the code to the
// current address (and answers that address in CodeDeliveryDetailsList): here it goes to the new one.
const updateUserAttributes = Targets.UpdateUserAttributes
const UpdateUserAttributes = (services) => {
  return async (ctx, req) => {
    const { userPool, user } = await tokenOwner(services, ctx, req.AccessToken)
    const email = attributeValue('email', req.UserAttributes)
    await assertEmailFree(userPool, ctx, user, email)
    const delayed = userPool.options.UserAttributeUpdateSettings?.AttributesRequireVerificationBeforeUpdate ?? []
    const toNewAddress = email !== undefined && delayed.includes('email')
    const redirect = (delivery) =>
      toNewAddress && delivery?.AttributeName === 'email' ? { ...delivery, Destination: email } : delivery
    const messages = {
      deliver: (ctx, source, clientId, poolId, recipient, code, metadata, delivery) =>
        services.messages.deliver(ctx, source, clientId, poolId, recipient, code, metadata, redirect(delivery)),
    }
    const out = await updateUserAttributes({ ...services, messages })(ctx, req)
    return { ...out, CodeDeliveryDetailsList: (out.CodeDeliveryDetailsList ?? []).map(redirect) }
  }
}

// --- VerifyUserAttribute -----------------------------------------------------------------------
// VerifyUserAttribute, Errors: AliasExistsException when, by the time the code comes back, another
// user has the pending address (it was free when UpdateUserAttributes asked for it).
const verifyUserAttribute = Targets.VerifyUserAttribute
const VerifyUserAttribute = (services) => {
  const inner = verifyUserAttribute(services)
  return async (ctx, req) => {
    const { userPool, user } = await tokenOwner(services, ctx, req.AccessToken)
    if (req.AttributeName === 'email') await assertEmailFree(userPool, ctx, user, pendingEmailOf(user))
    return inner(ctx, req)
  }
}

Object.assign(Targets, { UpdateUserPool, DescribeUserPool, UpdateUserAttributes, VerifyUserAttribute })
