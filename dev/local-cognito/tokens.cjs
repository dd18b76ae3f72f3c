// Refresh-token rotation and revocation as Cognito does them, which cognito-local lacks. Loaded after
// compat.cjs and strict.cjs: it wraps what they left in Targets. Sources (Cognito API reference,
// docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference, and developer guide):
// - RefreshTokenRotationType: with `Feature: ENABLED` a refresh issues new ID, access AND refresh
//   tokens, and "must be completed with GetTokensFromRefreshToken" (REFRESH_TOKEN_AUTH is refused);
//   `RetryGracePeriodSeconds` (0-60): how long the rotated-out token stays valid for client retries;
//   0 invalidates it at once. Without rotation GetTokensFromRefreshToken works too, without a new
//   refresh token.
// - GetTokensFromRefreshToken {RefreshToken, ClientId, ClientSecret}: the raw client secret, required
//   for a client that has one. RefreshTokenReuseException: "a refresh token that has been invalidated
//   by refresh-token rotation".
// - Developer guide, "Ending user sessions with token revocation" / RevokeToken: revoking a refresh
//   token revokes every access token issued from it, the first one included; other refresh tokens of
//   the user are unaffected. "When you turn on token revocation ... the origin_jti and jti claims are
//   added to the access and ID tokens"; tokens refreshed from the same refresh token share its
//   origin_jti. Token revocation is on by default for a new app client (EnableTokenRevocation);
//   with it off RevokeToken is UnsupportedOperationException.
// cognito-local's tokens carry a jti but no origin_jti; here every access and ID token gets the jti of
// the refresh token it comes from as origin_jti. Rotated-out tokens are remembered on the user record
// (the last 20), so reuse is detected across restarts.
'use strict'
const jwt = require('jsonwebtoken')
const { Targets } = require('cognito-local/lib/targets/targets')
const errors = require('cognito-local/lib/errors')
const { JwtTokenGenerator } = require('cognito-local/lib/services/tokenGenerator')
const { activeSecretsOf } = require('./client-secrets.cjs')
const signingKey = require('cognito-local/lib/keys/cognitoLocal.private.json')

const MAX_GRACE_SECONDS = 60
const ROTATED_KEPT = 20
const REVOKED_KEPT = 50

const invalidRefreshToken = () => new errors.NotAuthorizedError('Invalid Refresh Token')

/** `token` re-signed with `claims` added (the emulator's own key, as cognito-local signs). */
function resigned(token, claims) {
  const decoded = jwt.decode(token, { complete: true })
  if (!decoded) return token
  return jwt.sign({ ...decoded.payload, ...claims }, signingKey.pem, {
    algorithm: 'RS256',
    ...(decoded.header.kid ? { keyid: decoded.header.kid } : {}),
  })
}

/** The access and ID tokens of `result` marked as minted from `refreshToken` (origin_jti), plus `claims`. */
function markOrigin(result, refreshToken, claims = {}) {
  const origin = jwt.decode(refreshToken)?.jti
  for (const field of ['AccessToken', 'IdToken']) {
    if (result[field]) result[field] = resigned(result[field], { ...claims, ...(origin ? { origin_jti: origin } : {}) })
  }
  return result
}

// Every sign-in's tokens name the refresh token issued with them. The refresh token itself names its
// app client and its session (`sid`, its own jti at sign-in, kept across rotation: see Sessions).
const generate = JwtTokenGenerator.prototype.generate
JwtTokenGenerator.prototype.generate = async function (...args) {
  const tokens = await generate.apply(this, args)
  const jti = jwt.decode(tokens.RefreshToken)?.jti
  const RefreshToken = resigned(tokens.RefreshToken, { client_id: args[3]?.ClientId, sid: jti })
  return markOrigin({ ...tokens, RefreshToken }, RefreshToken)
}

const rotationOf = (client) => client?.RefreshTokenRotation?.Feature === 'ENABLED'
const graceSecondsOf = (client) => client?.RefreshTokenRotation?.RetryGracePeriodSeconds ?? 0

/**
 * GetTokensFromRefreshToken takes the app client's secret itself (either active one: client-secrets.cjs): missing or wrong is
 * NotAuthorizedException, the one its Errors list has for it (Cognito does not document the messages;
 * these name the client secret, a guess: doctor probe step "GetTokensFromRefreshToken with a wrong
 * client secret"). Returns the app client.
 */
async function verifyClientSecret({ cognito }, ctx, clientId, secret) {
  const client = await cognito.getAppClient(ctx, clientId)
  if (!client) throw new errors.ResourceNotFoundError()
  if (!client.ClientSecret) return client
  if (typeof secret !== 'string' || secret === '') {
    throw new errors.NotAuthorizedError(`Client ${clientId} is configured with a client secret but none was received`)
  }
  if (!activeSecretsOf(client).includes(secret))
    throw new errors.NotAuthorizedError(`Invalid client secret for client ${clientId}`)
  return client
}

// --- App client settings -----------------------------------------------------------------------
// CreateUserPoolClient / UpdateUserPoolClient `RefreshTokenRotation` (RetryGracePeriodSeconds 0-60)
// and `EnableTokenRevocation` (default true on create): cognito-local drops the first.
const keepClientSettings = (name) => {
  const target = Targets[name]
  return (services) => {
    const inner = target(services)
    return async (ctx, req) => {
      const grace = req.RefreshTokenRotation?.RetryGracePeriodSeconds
      if (grace !== undefined && !(Number.isInteger(grace) && grace >= 0 && grace <= MAX_GRACE_SECONDS)) {
        throw new errors.InvalidParameterError('RetryGracePeriodSeconds must be from 0 to 60')
      }
      const out = await inner(ctx, req)
      const clientId = out.UserPoolClient?.ClientId ?? req.ClientId
      const client = await services.cognito.getAppClient(ctx, clientId)
      const userPool = await services.cognito.getUserPool(ctx, client.UserPoolId)
      const settings = {
        ...client,
        EnableTokenRevocation: req.EnableTokenRevocation ?? client.EnableTokenRevocation ?? true,
        ...(req.RefreshTokenRotation ? { RefreshTokenRotation: req.RefreshTokenRotation } : {}),
      }
      await userPool.saveAppClient(ctx, settings)
      if (out.UserPoolClient) {
        out.UserPoolClient.EnableTokenRevocation = settings.EnableTokenRevocation
        if (settings.RefreshTokenRotation) out.UserPoolClient.RefreshTokenRotation = settings.RefreshTokenRotation
      }
      return out
    }
  }
}

// --- REFRESH_TOKEN_AUTH ------------------------------------------------------------------------
// Refused for a rotating client; otherwise its tokens name the presented refresh token as origin.
const initiateAuth = Targets.InitiateAuth
const InitiateAuth = (services) => {
  const inner = initiateAuth(services)
  return async (ctx, req) => {
    const refreshing = req.AuthFlow === 'REFRESH_TOKEN_AUTH' || req.AuthFlow === 'REFRESH_TOKEN'
    if (refreshing && rotationOf(await services.cognito.getAppClient(ctx, req.ClientId))) {
      throw new errors.NotAuthorizedError(
        'Refresh token rotation is enabled for this client: refresh with GetTokensFromRefreshToken',
      )
    }
    const out = await inner(ctx, req)
    if (refreshing && out.AuthenticationResult) markOrigin(out.AuthenticationResult, req.AuthParameters.REFRESH_TOKEN)
    return out
  }
}

// --- GetTokensFromRefreshToken -----------------------------------------------------------------
const GetTokensFromRefreshToken = (services) => async (ctx, req) => {
  if (typeof req.RefreshToken !== 'string' || req.RefreshToken === '') {
    throw new errors.InvalidParameterError('RefreshToken is required')
  }
  const client = await verifyClientSecret(services, ctx, req.ClientId, req.ClientSecret)
  const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
  const now = services.clock.get().getTime()
  let user = await userPool.getUserByRefreshToken(ctx, req.RefreshToken)
  if (!user) {
    // Rotated out: valid for the grace period (unless the user signed out everywhere since), then reuse.
    for (const candidate of await userPool.listUsers(ctx)) {
      const rotated = (candidate.RotatedRefreshTokens ?? []).find((r) => r.token === req.RefreshToken)
      if (!rotated) continue
      const withinGrace = now - rotated.at < graceSecondsOf(client) * 1000
      if (!withinGrace || (candidate.TokensRevokedAt ?? 0) > rotated.at) {
        throw new errors.CognitoError('RefreshTokenReuseException', 'Refresh token has been rotated out and reused')
      }
      user = candidate
      break
    }
  }
  if (!user) throw invalidRefreshToken()

  const groups = await userPool.listUserGroupMembership(ctx, user)
  const tokens = await services.tokenGenerator.generate(ctx, user, groups, client, undefined, 'RefreshTokens')
  // auth_time stays the sign-in's (the presented token's iat, as strict.cjs keeps it for REFRESH_TOKEN_AUTH).
  const signedInAt = jwt.decode(req.RefreshToken)?.iat
  const kept = typeof signedInAt === 'number' ? { auth_time: signedInAt } : {}
  if (!rotationOf(client)) {
    const result = markOrigin({ AccessToken: tokens.AccessToken, IdToken: tokens.IdToken }, req.RefreshToken, kept)
    return { AuthenticationResult: { ...result, TokenType: 'Bearer' } }
  }
  // The new refresh token keeps the sign-in time as its iat, so the next refresh keeps auth_time too,
  // and stays the same session (the presented token's sid).
  const session = jwt.decode(req.RefreshToken)?.sid
  const refreshToken = resigned(tokens.RefreshToken, {
    ...(typeof signedInAt === 'number' ? { iat: signedInAt } : {}),
    ...(session ? { sid: session } : {}),
  })
  const result = markOrigin({ AccessToken: tokens.AccessToken, IdToken: tokens.IdToken }, refreshToken, kept)
  const fresh = await userPool.getUserByUsername(ctx, user.Username)
  const stillLive = (fresh.RefreshTokens ?? []).includes(req.RefreshToken)
  await userPool.saveUser(ctx, {
    ...fresh,
    RefreshTokens: [...(fresh.RefreshTokens ?? []).filter((t) => t !== req.RefreshToken), refreshToken],
    RotatedRefreshTokens: stillLive
      ? [...(fresh.RotatedRefreshTokens ?? []).slice(-(ROTATED_KEPT - 1)), { token: req.RefreshToken, at: now }]
      : (fresh.RotatedRefreshTokens ?? []),
  })
  return { AuthenticationResult: { ...result, RefreshToken: refreshToken, TokenType: 'Bearer' } }
}

// --- RevokeToken -------------------------------------------------------------------------------
// The client secret is checked, revocation must be on for the client, and the access tokens minted
// from the token (its jti as their origin_jti) are refused from then on (revocation.cjs).
// RevokeToken's Errors list has no NotAuthorizedException: UnauthorizedException, "the request is not
// authorized. This can happen due to an invalid access token in the request", is the only one that
// fits both a refused client secret and a token it will not revoke (unknown, expired, already
// revoked). Which one Cognito answers for each, and with which message, is not documented: a guess,
// with two messages a caller can tell apart. The secret's is the one a public report quotes from AWS
// for RevokeToken ("UnauthorizedException: Invalid client or secret", velog.io/@serringg, "cognito
// revokeToken 에러"); the token's is made up. The doctor's probe steps "RevokeToken with a wrong client
// secret", "RevokeToken of a made-up token" and "RevokeToken of it again" settle them.
const REVOKE_SECRET_REFUSED = 'Invalid client or secret'
const REVOKE_TOKEN_REFUSED = 'Invalid token'
const unauthorized = (message) => new errors.CognitoError('UnauthorizedException', message)

const revokeToken = Targets.RevokeToken
const RevokeToken = (services) => {
  const inner = revokeToken(services)
  return async (ctx, req) => {
    const client = await services.cognito.getAppClient(ctx, req.ClientId)
    if (!client) throw new errors.ResourceNotFoundError()
    if (client.ClientSecret && !activeSecretsOf(client).includes(req.ClientSecret))
      throw unauthorized(REVOKE_SECRET_REFUSED)
    if (client.EnableTokenRevocation === false) {
      throw new errors.CognitoError('UnsupportedOperationException', 'Token revocation is not enabled for this client')
    }
    const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
    const owner = await userPool.getUserByRefreshToken(ctx, req.Token)
    if (!owner) throw unauthorized(REVOKE_TOKEN_REFUSED)
    const out = await inner(ctx, req)
    const origin = jwt.decode(req.Token)?.jti
    if (origin) {
      const user = await userPool.getUserByUsername(ctx, owner.Username)
      await userPool.saveUser(ctx, {
        ...user,
        RevokedOriginJtis: [...(user.RevokedOriginJtis ?? []).slice(-(REVOKED_KEPT - 1)), origin],
      })
    }
    return out
  }
}

// --- Sessions ----------------------------------------------------------------------------------
// Developer guide, "Managing user sessions": session tracking is opt-in per user pool
// (SetUserPoolSessionConfiguration {UserSessionTracking: ENABLED | DISABLED, TokenSession: {MaxPerUser
// 1-100}}, default DISABLED and 20; GetUserPoolSessionConfiguration). A token session tracks one refresh
// token's life (rotation included) for one app client. ListUserSessions lists the caller's active
// sessions with IsCurrentSession for the caller's own; RevokeUserSession revokes every refresh and
// access token of a session, and "You can't revoke the session that the calling access token belongs
// to". Not emulated: SSO sessions, MaxPerUser eviction, the feature-plan check
// (FeatureUnavailableInTierException), RevokeAssociatedSessions. Which exception Cognito answers with
// tracking off or for one's own session is not documented: OperationNotEnabledException ("not available
// ... for the current user pool configuration", its SDK description) and InvalidParameterException here,
// guesses no probe step settles (the doctor checks that tracking is on; src/cognito/errors.ts maps
// every plausible answer).
const DEFAULT_SESSION_CONFIGURATION = { UserSessionTracking: 'DISABLED', TokenSession: { MaxPerUser: 20 } }

const SetUserPoolSessionConfiguration =
  ({ cognito }) =>
  async (ctx, req) => {
    const userPool = await cognito.getUserPool(ctx, req.UserPoolId)
    const max = req.TokenSession?.MaxPerUser
    if (
      !['ENABLED', 'DISABLED'].includes(req.UserSessionTracking) ||
      !(Number.isInteger(max) && max >= 1 && max <= 100)
    ) {
      throw new errors.InvalidParameterError('UserSessionTracking must be ENABLED or DISABLED and MaxPerUser 1 to 100')
    }
    const SessionConfiguration = { UserSessionTracking: req.UserSessionTracking, TokenSession: { MaxPerUser: max } }
    await userPool.updateOptions(ctx, { ...userPool.options, SessionConfiguration })
    return { UserPoolId: req.UserPoolId, ...SessionConfiguration }
  }

const GetUserPoolSessionConfiguration =
  ({ cognito }) =>
  async (ctx, req) => {
    const userPool = await cognito.getUserPool(ctx, req.UserPoolId)
    return { UserPoolId: req.UserPoolId, ...(userPool.options.SessionConfiguration ?? DEFAULT_SESSION_CONFIGURATION) }
  }

/** The caller's user, pool and claims, for a live access token of a pool that tracks sessions. */
async function sessionCaller(services, ctx, accessToken) {
  await Targets.GetUser(services)(ctx, { AccessToken: accessToken })
  const claims = jwt.decode(accessToken)
  const userPool = await services.cognito.getUserPoolForClientId(ctx, claims.client_id)
  if (userPool.options.SessionConfiguration?.UserSessionTracking !== 'ENABLED') {
    throw new errors.CognitoError('OperationNotEnabledException', 'Session tracking is not enabled for this user pool')
  }
  return { userPool, claims, user: await userPool.getUserByUsername(ctx, claims.sub) }
}

/** The user's token sessions: one per live refresh token. */
const sessionsOf = (user) =>
  (user.RefreshTokens ?? []).flatMap((token) => {
    const claims = jwt.decode(token)
    return claims?.sid ? [{ token, claims }] : []
  })

const ListUserSessions = (services) => async (ctx, req) => {
  const { user, claims } = await sessionCaller(services, ctx, req.AccessToken)
  return {
    Sessions: sessionsOf(user).map((session) => ({
      SessionId: session.claims.sid,
      SessionType: 'TOKEN',
      ClientId: session.claims.client_id,
      CreateDate: session.claims.iat,
      IsCurrentSession: session.claims.jti === claims.origin_jti,
    })),
  }
}

const RevokeUserSession = (services) => async (ctx, req) => {
  const { userPool, user, claims } = await sessionCaller(services, ctx, req.AccessToken)
  const session = sessionsOf(user).find((s) => s.claims.sid === req.SessionId)
  if (!session) throw new errors.ResourceNotFoundError('Session not found')
  if (session.claims.jti === claims.origin_jti) {
    throw new errors.InvalidParameterError("You can't revoke the session that the calling access token belongs to")
  }
  await userPool.saveUser(ctx, {
    ...user,
    RefreshTokens: (user.RefreshTokens ?? []).filter((t) => t !== session.token),
    RevokedOriginJtis: [...(user.RevokedOriginJtis ?? []).slice(-(REVOKED_KEPT - 1)), session.claims.jti],
  })
  return {}
}

Object.assign(Targets, {
  CreateUserPoolClient: keepClientSettings('CreateUserPoolClient'),
  UpdateUserPoolClient: keepClientSettings('UpdateUserPoolClient'),
  InitiateAuth,
  GetTokensFromRefreshToken,
  RevokeToken,
  SetUserPoolSessionConfiguration,
  GetUserPoolSessionConfiguration,
  ListUserSessions,
  RevokeUserSession,
})
