// TOTP (authenticator-app) MFA as Cognito does it, where cognito-local differs or stops short. Each
// rule cites the Cognito API reference (docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference)
// or developer guide and has a test in test/local-cognito/mfa.test.ts. Loaded after strict.cjs, whose
// challenge-session store it shares: the sessions of the MFA_SETUP flow are answered through
// strict.cjs's RespondToAuthChallenge like any other.
//
// Already right in cognito-local, and tested there too: SetUserMFAPreference refuses to enable a
// software token that VerifySoftwareToken has not verified (InvalidParameterException); a wrong code
// on the SOFTWARE_TOKEN_MFA challenge is CodeMismatchException.
'use strict'
const { randomUUID } = require('node:crypto')
const jwt = require('jsonwebtoken')
const { Targets } = require('cognito-local/lib/targets/targets')
const errors = require('cognito-local/lib/errors')
const totp = require('cognito-local/lib/services/totp')
const { sessions } = require('./strict.cjs')

// VerifySoftwareToken, Errors: EnableSoftwareTokenMFAException, "thrown when there is a code mismatch
// and the service fails to configure the software token TOTP multi-factor authentication (MFA)"
// (cognito-local answers CodeMismatchException).
const codeMismatch = () =>
  new errors.CognitoError('EnableSoftwareTokenMFAException', 'Code mismatch and fail enable Software Token MFA')
// AssociateSoftwareToken / VerifySoftwareToken, Errors: SoftwareTokenMFANotFoundException, "thrown when
// the software token time-based one-time password (TOTP) multi-factor authentication (MFA) isn't
// activated for the user pool" (SetUserPoolMfaConfig SoftwareTokenMfaConfiguration.Enabled).
const totpNotActivated = () =>
  new errors.CognitoError('SoftwareTokenMFANotFoundException', 'Software Token MFA is not enabled for the user pool.')
const invalidSession = () => new errors.NotAuthorizedError('Invalid session for the user, session is expired.')

const totpActivated = (userPool) => userPool.options.SoftwareTokenMfaConfiguration?.Enabled === true
/** True when the user has an MFA factor active (SMS or TOTP). */
const hasMfa = (user) => (user.UserMFASettingList ?? []).length > 0 || (user.MFAOptions ?? []).length > 0

// The MFA_SETUP sessions this file handed out: session -> where the set-up stands. The session
// itself (user, app client, expiry, single use) lives in strict.cjs's store.
const setups = new Map()

/** The user pool and user of an MFA_SETUP session at `stage`, or a NotAuthorizedException. */
async function setupOf({ cognito }, ctx, session, stage) {
  const setup = typeof session === 'string' ? setups.get(session) : undefined
  const issued = setup && sessions.find(session, setup.clientId)
  if (!setup || !issued || setup.stage !== stage) throw invalidSession()
  const userPool = await cognito.getUserPoolForClientId(ctx, setup.clientId)
  const user = await userPool.getUserByUsername(ctx, issued.username)
  if (!user) throw invalidSession()
  return { setup, issued, userPool, user }
}

/** Hands out the next session of an MFA_SETUP flow in place of `previous` (each is good for one step). */
function nextSession(previous, issued, stage) {
  const session = randomUUID()
  sessions.consume(previous)
  setups.delete(previous)
  sessions.issue(session, { username: issued.username, clientId: issued.clientId })
  setups.set(session, { clientId: issued.clientId, stage })
  return session
}

// --- InitiateAuth: MFA_SETUP -------------------------------------------------------------------
// InitiateAuth, ChallengeName MFA_SETUP: "If MFA is required, users who don't have at least one of
// the MFA methods set up are presented with an MFA_SETUP challenge", with MFAS_CAN_SETUP listing the
// methods the pool allows. cognito-local refuses such a sign-in (NotAuthorizedException) after the
// password check has passed: that refusal becomes the challenge.
const initiateAuth = Targets.InitiateAuth
const InitiateAuth = (services) => {
  const inner = initiateAuth(services)
  return async (ctx, req) => {
    try {
      return await inner(ctx, req)
    } catch (error) {
      if (!(error instanceof errors.NotAuthorizedError) || error.message !== 'User not authorized') throw error
      const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
      const user = await userPool.getUserByUsername(ctx, req.AuthParameters?.USERNAME)
      if (!user || userPool.options.MfaConfiguration !== 'ON' || hasMfa(user) || !totpActivated(userPool)) throw error
      const session = randomUUID()
      const client = await services.cognito.getAppClient(ctx, req.ClientId)
      sessions.issue(session, {
        username: user.Username,
        clientId: req.ClientId,
        validityMinutes: client?.AuthSessionValidity,
      })
      setups.set(session, { clientId: req.ClientId, stage: 'challenged' })
      return {
        ChallengeName: 'MFA_SETUP',
        ChallengeParameters: { MFAS_CAN_SETUP: JSON.stringify(['SOFTWARE_TOKEN_MFA']), USER_ID_FOR_SRP: user.Username },
        Session: session,
      }
    }
  }
}

// --- AssociateSoftwareToken --------------------------------------------------------------------
// AssociateSoftwareToken: "takes an access token or a session string, but not both"; with a session
// (the MFA_SETUP challenge's) it answers a new `Session` to pass on to VerifySoftwareToken.
//
// Called with an access token by a user whose TOTP is already active, it replaces the secret, and
// until VerifySoftwareToken verifies the new one, sign-in asks for no TOTP code at all while GetUser
// still lists SOFTWARE_TOKEN_MFA. Not in the API reference; observed on AWS and reported publicly
// (aws-amplify/amplify-js#1226, "Auth.setupTOTP silently disables TOTP if it's currently enabled":
// "After generating a new secret TOTP is essentially disabled. However, the state reported is exactly
// the same as when TOTP was enabled. The login behavior will be as if the user never configured
// TOTP."). Here: the factor is taken off UserMFASettingList and remembered as `SuspendedTotp`, which
// GetUser still reports and a verification of the new secret (or SetUserMFAPreference) ends.
const associateSoftwareToken = Targets.AssociateSoftwareToken
const AssociateSoftwareToken = (services) => {
  const inner = associateSoftwareToken(services)
  return async (ctx, req) => {
    if (req.AccessToken && req.Session) throw new errors.InvalidParameterError('Only one of AccessToken or Session.')
    if (req.AccessToken) {
      await assertTotpActivated(services, ctx, req.AccessToken)
      const before = await tokenOwner(services, ctx, req.AccessToken)
      const out = await inner(ctx, req)
      if (before && hasTotp(before.user)) await suspendTotp(before.userPool, ctx, before.user.Username)
      return out
    }
    const { issued, userPool, user } = await setupOf(services, ctx, req.Session, 'challenged')
    const SecretCode = totp.generateSecret()
    await userPool.saveUser(ctx, { ...user, SoftwareTokenMfaConfiguration: { Secret: SecretCode, Verified: false } })
    return { SecretCode, Session: nextSession(req.Session, issued, 'associated') }
  }
}

// --- VerifySoftwareToken -----------------------------------------------------------------------
// VerifySoftwareToken: an access token or the session AssociateSoftwareToken answered, "but not
// both"; with a session it answers the `Session` that "satisfies an MFA_SETUP challenge".
const verifySoftwareToken = Targets.VerifySoftwareToken
const VerifySoftwareToken = (services) => {
  const inner = verifySoftwareToken(services)
  return async (ctx, req) => {
    if (req.AccessToken && req.Session) throw new errors.InvalidParameterError('Only one of AccessToken or Session.')
    if (req.AccessToken) {
      await assertTotpActivated(services, ctx, req.AccessToken)
      let out
      try {
        out = await inner(ctx, req)
      } catch (error) {
        throw error instanceof errors.CodeMismatchError ? codeMismatch() : error
      }
      const owner = await tokenOwner(services, ctx, req.AccessToken)
      if (owner) await endSuspension(owner.userPool, ctx, owner.user.Username, true)
      return out
    }
    const { issued, userPool, user } = await setupOf(services, ctx, req.Session, 'associated')
    const secret = user.SoftwareTokenMfaConfiguration?.Secret
    if (!secret || typeof req.UserCode !== 'string' || !totp.verify(secret, req.UserCode)) throw codeMismatch()
    await userPool.saveUser(ctx, {
      ...user,
      SoftwareTokenMfaConfiguration: { ...user.SoftwareTokenMfaConfiguration, Verified: true },
      UserMFASettingList: ['SOFTWARE_TOKEN_MFA'],
      PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA',
    })
    return { Status: 'SUCCESS', Session: nextSession(req.Session, issued, 'verified') }
  }
}

const hasTotp = (user) => (user.UserMFASettingList ?? []).includes('SOFTWARE_TOKEN_MFA')

/** The pool and user an access token names, or undefined (the operation itself refuses the token). */
async function tokenOwner({ cognito }, ctx, accessToken) {
  const claims = jwt.decode(accessToken)
  if (!claims || typeof claims !== 'object' || !claims.client_id) return undefined
  const userPool = await cognito.getUserPoolForClientId(ctx, claims.client_id)
  const user = await userPool.getUserByUsername(ctx, claims.sub)
  return user ? { userPool, user } : undefined
}

/** Takes active TOTP off the user until a new secret is verified (see AssociateSoftwareToken). */
async function suspendTotp(userPool, ctx, username) {
  const user = await userPool.getUserByUsername(ctx, username)
  const preferred = user.PreferredMfaSetting === 'SOFTWARE_TOKEN_MFA'
  await userPool.saveUser(ctx, {
    ...user,
    UserMFASettingList: (user.UserMFASettingList ?? []).filter((m) => m !== 'SOFTWARE_TOKEN_MFA'),
    PreferredMfaSetting: preferred ? undefined : user.PreferredMfaSetting,
    SuspendedTotp: { preferred },
  })
}

/** Puts suspended TOTP back on (`restore`) or forgets it, once something settled the user's factors. */
async function endSuspension(userPool, ctx, username, restore) {
  const user = await userPool.getUserByUsername(ctx, username)
  if (!user?.SuspendedTotp) return
  const { SuspendedTotp, ...rest } = user
  const restored = restore
    ? {
        UserMFASettingList: [...new Set([...(user.UserMFASettingList ?? []), 'SOFTWARE_TOKEN_MFA'])],
        PreferredMfaSetting: SuspendedTotp.preferred ? 'SOFTWARE_TOKEN_MFA' : user.PreferredMfaSetting,
      }
    : {}
  await userPool.saveUser(ctx, { ...rest, ...restored })
}

async function assertTotpActivated({ cognito }, ctx, accessToken) {
  const claims = jwt.decode(accessToken)
  if (!claims || typeof claims !== 'object' || !claims.client_id) return // cognito-local refuses it
  if (!totpActivated(await cognito.getUserPoolForClientId(ctx, claims.client_id))) throw totpNotActivated()
}

// --- RespondToAuthChallenge: MFA_SETUP ---------------------------------------------------------
// RespondToAuthChallenge, MFA_SETUP: `ChallengeResponses` USERNAME (and SECRET_HASH) with the session
// VerifySoftwareToken answered; then the tokens. Only a session whose code was verified counts.
// cognito-local has no MFA_SETUP answer: the now verified token is answered as the SOFTWARE_TOKEN_MFA
// challenge it does know, with a current code, through strict.cjs's checks of session, USERNAME and
// SECRET_HASH.
const respondToAuthChallenge = Targets.RespondToAuthChallenge
const RespondToAuthChallenge = (services) => {
  const inner = respondToAuthChallenge(services)
  return async (ctx, req) => {
    if (req.ChallengeName !== 'MFA_SETUP') return inner(ctx, req)
    const { user } = await setupOf(services, ctx, req.Session, 'verified')
    const out = await inner(ctx, {
      ...req,
      ChallengeName: 'SOFTWARE_TOKEN_MFA',
      ChallengeResponses: {
        ...req.ChallengeResponses,
        SOFTWARE_TOKEN_MFA_CODE: totp.generate(user.SoftwareTokenMfaConfiguration.Secret),
      },
    })
    setups.delete(req.Session)
    return out
  }
}

// --- While TOTP is suspended ---------------------------------------------------------------------
// GetUser keeps reporting the suspended factor (the report above); SetUserMFAPreference with TOTP
// settings decides the factor's state itself, so the suspension ends with it.
const getUser = Targets.GetUser
const GetUser = (services) => {
  const inner = getUser(services)
  return async (ctx, req) => {
    const out = await inner(ctx, req)
    const owner = await tokenOwner(services, ctx, req.AccessToken)
    const suspended = owner?.user.SuspendedTotp
    if (!suspended) return out
    return {
      ...out,
      UserMFASettingList: [...new Set([...(out.UserMFASettingList ?? []), 'SOFTWARE_TOKEN_MFA'])],
      ...(suspended.preferred ? { PreferredMfaSetting: 'SOFTWARE_TOKEN_MFA' } : {}),
    }
  }
}

const setUserMfaPreference = Targets.SetUserMFAPreference
const SetUserMFAPreference = (services) => {
  const inner = setUserMfaPreference(services)
  return async (ctx, req) => {
    const out = await inner(ctx, req)
    const owner = req.SoftwareTokenMfaSettings && (await tokenOwner(services, ctx, req.AccessToken))
    if (owner) await endSuspension(owner.userPool, ctx, owner.user.Username, false)
    return out
  }
}

Object.assign(Targets, {
  InitiateAuth,
  AssociateSoftwareToken,
  VerifySoftwareToken,
  RespondToAuthChallenge,
  GetUser,
  SetUserMFAPreference,
})

// For passwordless.cjs: a user with MFA active gets no passwordless first factor.
module.exports = { hasMfa }
