// Rules Cognito enforces and cognito-local does not, so that a client that breaks one fails here, on
// `npm start` and in the tests, instead of in production. Each rule cites the Cognito API reference
// (docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference) or developer guide; each has a
// test showing the refusal (test/integration/local-cognito.test.ts). Loaded after compat.cjs: it wraps
// whatever that left in Targets.
'use strict'
const { createHmac, timingSafeEqual } = require('node:crypto')
const { Targets } = require('cognito-local/lib/targets/targets')
const errors = require('cognito-local/lib/errors')
const { UserPoolServiceImpl, attributeValue } = require('cognito-local/lib/services/userPoolService')
const jwt = require('jsonwebtoken')
const signingKey = require('cognito-local/lib/keys/cognitoLocal.private.json')
const { createSessionStore } = require('./sessions.cjs')
const { activeSecretsOf } = require('./client-secrets.cjs')

const sessions = createSessionStore()

// --- SECRET_HASH -------------------------------------------------------------------------------
// Developer guide, "Computing secret hash values": Base64(HMAC_SHA256(client secret, username +
// client id)), required on every call of an app client that has a secret, under either of its active
// secrets (client-secrets.cjs). A missing one and a wrong one are both NotAuthorizedException, with
// these messages.

const secretHashOf = (secret, username, clientId) =>
  createHmac('sha256', secret)
    .update(username + clientId, 'utf8')
    .digest()

/**
 * Refuses the call unless `hash` is the SECRET_HASH of `username` for the request's app client (a
 * client without a secret takes none). Throws NotAuthorizedError.
 */
async function verifySecretHash({ cognito }, ctx, clientId, username, hash) {
  const secrets = activeSecretsOf(await cognito.getAppClient(ctx, clientId))
  if (secrets.length === 0) return
  if (typeof hash !== 'string' || hash === '') {
    throw new errors.NotAuthorizedError(`Client ${clientId} is configured for secret but secret was not received`)
  }
  const got = Buffer.from(hash, 'base64')
  const matches = (secret) => {
    const want = secretHashOf(secret, username ?? '', clientId)
    return got.length === want.length && timingSafeEqual(got, want)
  }
  if (!secrets.some(matches)) {
    throw new errors.NotAuthorizedError(`Unable to verify secret hash for client ${clientId}`)
  }
}

/** Wraps `name` so its SecretHash is checked over its `Username` first (SignUp, ConfirmSignUp, …). */
const hashedOverUsername = (name) => {
  const target = Targets[name]
  return (services) => {
    const inner = target(services)
    return async (ctx, req) => {
      await verifySecretHash(services, ctx, req.ClientId, req.Username, req.SecretHash)
      return inner(ctx, req)
    }
  }
}

// --- Usernames: case and aliases ---------------------------------------------------------------
// CreateUserPool `UsernameConfiguration.CaseSensitive: false`: "username" and "UserName" (and the
// email alias in any case) are the same user, for sign-in and for every operation that names one.
const getUserByUsername = UserPoolServiceImpl.prototype.getUserByUsername
UserPoolServiceImpl.prototype.getUserByUsername = async function (ctx, username) {
  const found = await getUserByUsername.call(this, ctx, username)
  if (found || this.options.UsernameConfiguration?.CaseSensitive !== false || typeof username !== 'string') return found
  const wanted = username.toLowerCase()
  const byEmail = this.options.UsernameAttributes?.includes('email')
  for (const user of await this.listUsers(ctx)) {
    const names = [
      user.Username,
      attributeValue('sub', user.Attributes),
      byEmail ? attributeValue('email', user.Attributes) : undefined,
    ]
    if (names.some((name) => typeof name === 'string' && name.toLowerCase() === wanted)) return user
  }
  return null
}

/** The user whose actual username (not an alias) is `username`, in the pool's case rule. */
async function userByActualUsername(userPool, ctx, username) {
  const user = await userPool.getUserByUsername(ctx, username)
  if (!user) return null
  const caseSensitive = userPool.options.UsernameConfiguration?.CaseSensitive !== false
  const same = caseSensitive
    ? user.Username === username
    : user.Username.toLowerCase() === String(username).toLowerCase()
  return same ? user : null
}

// --- InitiateAuth ------------------------------------------------------------------------------
const initiateAuth = Targets.InitiateAuth
const InitiateAuth = (services) => {
  const inner = initiateAuth(services)
  return async (ctx, req) => {
    const params = req.AuthParameters ?? {}
    const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
    let user = null
    let refreshedFrom = null
    if (req.AuthFlow === 'USER_PASSWORD_AUTH') {
      // InitiateAuth AuthParameters: USER_PASSWORD_AUTH takes USERNAME, PASSWORD and SECRET_HASH,
      // the hash over USERNAME as sent (the email alias, here).
      await verifySecretHash(services, ctx, req.ClientId, params.USERNAME, params.SECRET_HASH)
      user = await userPool.getUserByUsername(ctx, params.USERNAME)
      // InitiateAuth errors, UserNotConfirmedException: "the user isn't confirmed". Cognito answers it
      // before it looks at the password (by design: amazon-cognito-identity-js issue 288).
      if (user && user.UserStatus === 'UNCONFIRMED') throw new errors.UserNotConfirmedException()
    } else if (req.AuthFlow === 'REFRESH_TOKEN_AUTH' || req.AuthFlow === 'REFRESH_TOKEN') {
      // REFRESH_TOKEN_AUTH's SECRET_HASH is over the username the token belongs to, never the email
      // it signed in with (developer guide, "Refresh tokens"; the user's `cognito:username`). A token
      // nobody holds is refused by the flow itself ("Invalid Refresh Token").
      const owner = params.REFRESH_TOKEN ? await userPool.getUserByRefreshToken(ctx, params.REFRESH_TOKEN) : null
      if (owner) await verifySecretHash(services, ctx, req.ClientId, owner.Username, params.SECRET_HASH)
      refreshedFrom = owner ? params.REFRESH_TOKEN : null
    }
    const out = await inner(ctx, req)
    if (refreshedFrom && out.AuthenticationResult) keepAuthTime(out.AuthenticationResult, refreshedFrom)
    if (out.Session) {
      const username = out.ChallengeParameters?.USER_ID_FOR_SRP ?? user?.Username
      await issueSession(services, ctx, req.ClientId, out.Session, username)
    }
    return out
  }
}

// Developer guide, "Understanding the access token" / "the ID token": `auth_time` is when the user
// completed authentication. Tokens from REFRESH_TOKEN_AUTH keep it (no one gave credentials again);
// cognito-local stamps the refresh's own time, which would make a refreshed token look like a fresh
// sign-in. Its refresh tokens are JWTs issued at the sign-in (`iat`), so that is the time kept.
function keepAuthTime(result, refreshToken) {
  const signedInAt = jwt.decode(refreshToken)?.iat
  if (typeof signedInAt !== 'number') return
  for (const field of ['AccessToken', 'IdToken']) {
    const token = jwt.decode(result[field], { complete: true })
    if (!token) continue
    result[field] = jwt.sign({ ...token.payload, auth_time: signedInAt }, signingKey.pem, {
      algorithm: 'RS256',
      keyid: token.header.kid,
    })
  }
}

async function issueSession({ cognito }, ctx, clientId, session, username) {
  const client = await cognito.getAppClient(ctx, clientId)
  sessions.issue(session, { username, clientId, validityMinutes: client?.AuthSessionValidity })
}

// --- RespondToAuthChallenge --------------------------------------------------------------------
// RespondToAuthChallenge `Session`: only one this app client was handed for this user, unexpired and
// not yet answered ("Invalid session for the user, session is expired." otherwise). `ChallengeResponses`:
// "The value of the USERNAME attribute must be the user's actual username, not an alias (such as an
// email address)", and SECRET_HASH is computed over that username.
const respondToAuthChallenge = Targets.RespondToAuthChallenge
const RespondToAuthChallenge = (services) => {
  const inner = respondToAuthChallenge(services)
  return async (ctx, req) => {
    const responses = req.ChallengeResponses ?? {}
    const issued = typeof req.Session === 'string' ? sessions.find(req.Session, req.ClientId) : undefined
    if (!issued) throw new errors.NotAuthorizedError('Invalid session for the user, session is expired.')
    await verifySecretHash(services, ctx, req.ClientId, issued.username, responses.SECRET_HASH)
    const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
    const user = await userByActualUsername(userPool, ctx, responses.USERNAME)
    if (!user || user.Username !== issued.username) throw new errors.NotAuthorizedError('Invalid session for the user.')
    const out = await inner(ctx, req)
    sessions.consume(req.Session)
    if (out.Session) await issueSession(services, ctx, req.ClientId, out.Session, user.Username)
    return out
  }
}

// --- ConfirmSignUp -----------------------------------------------------------------------------
// ConfirmSignUp on a confirmed account: NotAuthorizedException "User cannot be confirmed. Current
// status is CONFIRMED" (cognito-local says ExpiredCodeException, which tells it from an unknown one).
const confirmSignUp = hashedOverUsername('ConfirmSignUp')
const ConfirmSignUp = (services) => {
  const inner = confirmSignUp(services)
  return async (ctx, req) => {
    const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
    const user = await userPool.getUserByUsername(ctx, req.Username)
    if (user && user.UserStatus !== 'UNCONFIRMED') {
      throw new errors.NotAuthorizedError(`User cannot be confirmed. Current status is ${user.UserStatus}`)
    }
    return inner(ctx, req)
  }
}

Object.assign(Targets, {
  // SignUp, ResendConfirmationCode, ForgotPassword, ConfirmForgotPassword: `SecretHash` over `Username`.
  SignUp: hashedOverUsername('SignUp'),
  ResendConfirmationCode: hashedOverUsername('ResendConfirmationCode'),
  ForgotPassword: hashedOverUsername('ForgotPassword'),
  ConfirmForgotPassword: hashedOverUsername('ConfirmForgotPassword'),
  ConfirmSignUp,
  InitiateAuth,
  RespondToAuthChallenge,
})

// For mfa.cjs and passwordless.cjs, whose flows follow the same rules.
module.exports = { sessions, verifySecretHash, userByActualUsername }
