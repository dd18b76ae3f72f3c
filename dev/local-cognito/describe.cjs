// The settings the pool and its app clients were made with, kept and described back as Cognito does,
// where cognito-local drops them. The doctor (src/doctor/) reads a pool through these operations, so
// each field answers here as the API reference documents it:
// - CreateUserPoolClient / UpdateUserPoolClient `AuthSessionValidity` ("between 3 and 15 minutes",
//   default 3) and `EnablePropagateAdditionalUserContextData` (default false), returned by
//   DescribeUserPoolClient (UserPoolClientType), with `EnableTokenRevocation` and
//   `RefreshTokenRotation` that tokens.cjs keeps;
// - CreateUserPool / UpdateUserPool `UserPoolTier` (LITE, ESSENTIALS or PLUS; "defaults to
//   ESSENTIALS"), returned by DescribeUserPool (UserPoolType);
// - GetUserPoolMfaConfig `WebAuthnConfiguration` (RelyingPartyId, UserVerification), kept on the pool
//   by passwordless.cjs.
// Loaded after tokens.cjs (it reads what that one saved) and before revocation.cjs.
'use strict'
const { Targets } = require('cognito-local/lib/targets/targets')
const errors = require('cognito-local/lib/errors')

const DEFAULT_AUTH_SESSION_MINUTES = 3
const TIERS = ['LITE', 'ESSENTIALS', 'PLUS']
const DEFAULT_TIER = 'ESSENTIALS'

/** The fields DescribeUserPoolClient answers that cognito-local leaves out, from the stored client. */
const clientExtras = (client) => ({
  AuthSessionValidity: client.AuthSessionValidity ?? DEFAULT_AUTH_SESSION_MINUTES,
  EnablePropagateAdditionalUserContextData: client.EnablePropagateAdditionalUserContextData ?? false,
  EnableTokenRevocation: client.EnableTokenRevocation ?? true,
  ...(client.RefreshTokenRotation ? { RefreshTokenRotation: client.RefreshTokenRotation } : {}),
})

const keepingClientSettings = (name) => {
  const target = Targets[name]
  return (services) => {
    const inner = target(services)
    return async (ctx, req) => {
      const minutes = req.AuthSessionValidity
      if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= 3 && minutes <= 15)) {
        throw new errors.InvalidParameterError('AuthSessionValidity must be from 3 to 15 minutes')
      }
      const out = await inner(ctx, req)
      const clientId = out.UserPoolClient?.ClientId ?? req.ClientId
      const client = await services.cognito.getAppClient(ctx, clientId)
      const userPool = await services.cognito.getUserPool(ctx, client.UserPoolId)
      const kept = {
        ...client,
        ...(minutes !== undefined ? { AuthSessionValidity: minutes } : {}),
        ...(req.EnablePropagateAdditionalUserContextData !== undefined
          ? { EnablePropagateAdditionalUserContextData: req.EnablePropagateAdditionalUserContextData }
          : {}),
      }
      await userPool.saveAppClient(ctx, kept)
      if (out.UserPoolClient) Object.assign(out.UserPoolClient, clientExtras(kept))
      return out
    }
  }
}

const keepingTier = (name) => {
  const target = Targets[name]
  return (services) => {
    const inner = target(services)
    return async (ctx, req) => {
      if (req.UserPoolTier !== undefined && !TIERS.includes(req.UserPoolTier)) {
        throw new errors.InvalidParameterError(`UserPoolTier must be one of ${TIERS.join(', ')}`)
      }
      const out = await inner(ctx, req)
      const userPoolId = out.UserPool?.Id ?? req.UserPoolId
      if (req.UserPoolTier !== undefined) {
        const userPool = await services.cognito.getUserPool(ctx, userPoolId)
        await userPool.updateOptions(ctx, { ...userPool.options, UserPoolTier: req.UserPoolTier })
      }
      if (out.UserPool) out.UserPool.UserPoolTier = req.UserPoolTier ?? DEFAULT_TIER
      return out
    }
  }
}

/** Wraps the read operation `name` so that `add(services, ctx, req, out)` completes its answer. */
const completingAnswer = (name, add) => {
  const target = Targets[name]
  return (services) => {
    const inner = target(services)
    return async (ctx, req) => {
      const out = await inner(ctx, req)
      await add(services, ctx, req, out)
      return out
    }
  }
}

const DescribeUserPoolClient = completingAnswer('DescribeUserPoolClient', async ({ cognito }, ctx, req, out) => {
  const client = await cognito.getAppClient(ctx, req.ClientId)
  if (out.UserPoolClient && client) Object.assign(out.UserPoolClient, clientExtras(client))
})

const DescribeUserPool = completingAnswer('DescribeUserPool', async ({ cognito }, ctx, req, out) => {
  const userPool = await cognito.getUserPool(ctx, req.UserPoolId)
  if (out.UserPool) out.UserPool.UserPoolTier = userPool.options.UserPoolTier ?? DEFAULT_TIER
})

const GetUserPoolMfaConfig = completingAnswer('GetUserPoolMfaConfig', async ({ cognito }, ctx, req, out) => {
  const userPool = await cognito.getUserPool(ctx, req.UserPoolId)
  if (userPool.options.WebAuthnConfiguration) out.WebAuthnConfiguration = userPool.options.WebAuthnConfiguration
})

Object.assign(Targets, {
  CreateUserPoolClient: keepingClientSettings('CreateUserPoolClient'),
  UpdateUserPoolClient: keepingClientSettings('UpdateUserPoolClient'),
  DescribeUserPoolClient,
  CreateUserPool: keepingTier('CreateUserPool'),
  UpdateUserPool: keepingTier('UpdateUserPool'),
  DescribeUserPool,
  GetUserPoolMfaConfig,
})
