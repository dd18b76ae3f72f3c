// Choice-based sign-in (USER_AUTH) and passkeys, which cognito-local lacks: InitiateAuth with
// AuthFlow USER_AUTH, the SELECT_CHALLENGE, EMAIL_OTP and WEB_AUTHN challenges of
// RespondToAuthChallenge, and the WebAuthn operations (StartWebAuthnRegistration,
// CompleteWebAuthnRegistration, ListWebAuthnCredentials, DeleteWebAuthnCredential) with
// GetUserAuthFactors. Sources: the Cognito API reference (docs.aws.amazon.com/cognito-user-identity-pools/
// latest/APIReference, the page of each operation) and the developer guide's "Authentication
// flows: choice-based authentication" and "Passkey sign-in". Attestations and assertions are
// verified for real with @simplewebauthn/server (origin, RP id, challenge, signature, counter).
// Tests: test/local-cognito/passwordless.test.ts. Loaded after strict.cjs: it wraps what that left.
'use strict'
const { randomInt, randomUUID } = require('node:crypto')
const { Targets } = require('cognito-local/lib/targets/targets')
const errors = require('cognito-local/lib/errors')
const { attributeValue } = require('cognito-local/lib/services/userPoolService')
const webauthn = require('@simplewebauthn/server')
const { createSessionStore } = require('./sessions.cjs')
const { verifySecretHash, userByActualUsername } = require('./strict.cjs')
const { tokenUser } = require('./compat.cjs')
const { hasMfa } = require('./mfa.cjs')

const cognitoError = (type, message) => new errors.CognitoError(type, message)
const invalidSession = () => new errors.NotAuthorizedError('Invalid session for the user, session is expired.')

// Wrong answers a challenge session takes before it is spent. Cognito documents that a session is
// single use once answered and that failed attempts are limited, but not the number: three here, a
// guess (`user-service doctor --probe`, step "three wrong codes, then the right one", settles it).
const MAX_WRONG_ANSWERS = 3
// CreateUserPool `Policies.SignInPolicy.AllowedFirstAuthFactors`: "PASSWORD" when not set.
const DEFAULT_FIRST_FACTORS = ['PASSWORD']
// How long a StartWebAuthnRegistration challenge waits for CompleteWebAuthnRegistration: the creation
// options' `timeout`. Cognito does not document its value; 5 minutes here.
const REGISTRATION_TIMEOUT_MS = 5 * 60_000

/**
 * Challenge sessions with what each one asks (the sessions.cjs rules: issued per user and app
 * client, valid for AuthSessionValidity, single use) plus per-session state: the challenge, the
 * emailed code, the passkey challenge, the wrong answers so far.
 * @param {{ now?: () => number }} options `now` in ms (tests move time forward).
 */
function createChallengeStore({ now = Date.now } = {}) {
  const sessions = createSessionStore({ now })
  const states = new Map()
  return {
    issue(entry, state) {
      const session = `${randomUUID()}${randomUUID()}`.replaceAll('-', '')
      sessions.issue(session, entry)
      states.set(session, state)
      for (const key of states.keys()) if (!sessions.find(key, states.get(key).clientId)) states.delete(key)
      return session
    },
    /** The session's entry and state, or undefined when unknown, expired, spent or of another client. */
    find(session, clientId) {
      const entry = typeof session === 'string' ? sessions.find(session, clientId) : undefined
      const state = entry && states.get(session)
      return state ? { ...entry, state } : undefined
    },
    consume(session) {
      sessions.consume(session)
      states.delete(session)
    },
  }
}

/**
 * One answer to an EMAIL_OTP challenge: 'ok' for the emailed code, 'mismatch' for a wrong one,
 * 'spent' when that wrong answer was the last one allowed. A decoy challenge (no code: the user does
 * not exist) never matches.
 */
function checkEmailOtp(state, code) {
  if (state.code !== undefined && code === state.code) return 'ok'
  state.wrongAnswers = (state.wrongAnswers ?? 0) + 1
  return state.wrongAnswers >= MAX_WRONG_ANSWERS ? 'spent' : 'mismatch'
}

// Cognito's emailed sign-in codes are 8 digits and their length cannot be changed (amplify-js issue
// 14428, a maintainer: "fixed at 8 digits"); confirmation and reset codes stay cognito-local's 6.
const EMAIL_OTP_DIGITS = 8
const emailSignInCode = () => String(randomInt(0, 10 ** EMAIL_OTP_DIGITS)).padStart(EMAIL_OTP_DIGITS, '0')

/** "a***@e***", as Cognito masks CODE_DELIVERY_DESTINATION. */
const maskedEmail = (email) => {
  const at = email.lastIndexOf('@')
  return `${email.slice(0, 1)}***@${email.slice(at + 1, at + 2)}***`
}

// --- Pool configuration ------------------------------------------------------------------------
// CreateUserPool `Policies.SignInPolicy` (the allowed first factors; cognito-local keeps Policies)
// and SetUserPoolMfaConfig `WebAuthnConfiguration` (RelyingPartyId, UserVerification), which
// cognito-local drops: kept on the pool's options.

const allowedFirstFactors = (userPool) =>
  userPool.options.Policies?.SignInPolicy?.AllowedFirstAuthFactors ?? DEFAULT_FIRST_FACTORS
const webAuthnConfig = (userPool) => userPool.options.WebAuthnConfiguration ?? {}

const keepingOption = (name, option) => {
  const target = Targets[name]
  return (services) => {
    const inner = target(services)
    return async (ctx, req) => {
      const out = await inner(ctx, req)
      const value = req[option]
      if (value !== undefined) {
        const userPool = await services.cognito.getUserPool(ctx, req.UserPoolId)
        await userPool.updateOptions(ctx, { ...userPool.options, [option]: value })
      }
      return { ...out, [option]: value }
    }
  }
}

// --- Relying party -----------------------------------------------------------------------------
// WebAuthn Level 2 §7.1 step 9 / §7.2 step 13: the client data's origin must be one the relying
// party expects; the RP ID must equal the origin's effective domain or be a registrable suffix of it
// (§5.1.3, "RP ID"), and the origin must be secure: https, or http on localhost (a potentially
// trustworthy origin, W3C Secure Contexts §3.1). Cognito answers WebAuthnOriginNotAllowedException.
// Which subdomain origins Cognito itself accepts is not documented: this WebAuthn rule is a guess
// that no probe step settles (it needs a browser); the doctor checks CORS_ORIGINS by the same rule.
function originAllowed(origin, rpId) {
  let url
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  const host = url.hostname
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && host === 'localhost')
  return secure && (host === rpId || host.endsWith(`.${rpId}`))
}

/** The `origin` of a credential's client data, or undefined when unreadable. */
function clientDataOrigin(credential) {
  try {
    const json = Buffer.from(credential.response.clientDataJSON, 'base64url').toString('utf8')
    return JSON.parse(json).origin
  } catch {
    return undefined
  }
}

/** The pool's RP id, refusing as Cognito does when passkeys are not set up. */
function relyingPartyOf(userPool) {
  if (!allowedFirstFactors(userPool).includes('WEB_AUTHN')) {
    throw cognitoError('WebAuthnNotEnabledException', 'WebAuthn is not enabled for this user pool.')
  }
  const { RelyingPartyId, UserVerification = 'preferred' } = webAuthnConfig(userPool)
  if (!RelyingPartyId) {
    throw cognitoError('WebAuthnConfigurationMissingException', 'WebAuthn relying party ID is not configured.')
  }
  return { rpId: RelyingPartyId, userVerification: UserVerification }
}

/** Refuses a credential whose client data comes from an origin the RP id does not cover. */
function assertOrigin(credential, rpId) {
  const origin = clientDataOrigin(credential)
  if (!originAllowed(origin, rpId)) {
    throw cognitoError('WebAuthnOriginNotAllowedException', 'The origin of the credential is not allowed.')
  }
  return origin
}

// --- USER_AUTH ---------------------------------------------------------------------------------
// InitiateAuth, AuthFlow USER_AUTH: AuthParameters USERNAME, SECRET_HASH (over USERNAME as sent),
// PREFERRED_CHALLENGE optional. With no preference, or one the user cannot answer, the answer is
// SELECT_CHALLENGE with AvailableChallenges; otherwise that challenge itself.

const challenges = createChallengeStore()
const pendingRegistrations = new Map()

// A user with an MFA factor active signs in with a password (and then the MFA challenge) only. Developer
// guide, "Adding MFA to a user pool" (user-pool-settings-mfa.html#user-pool-settings-mfa-prerequisites),
// as Amplify's documentation quotes it: "Amazon Cognito does not support enabling both MFA and
// passwordless sign-in (including passkeys, SMS OTP, and email OTP) for the same user." So EMAIL_OTP and
// WEB_AUTHN are not among such a user's available challenges, and asking for one gets what any
// unavailable preference gets here (SELECT_CHALLENGE listing PASSWORD). That answer's shape is the
// emulator's guess (see userAuth); passkey MFA (SetUserMFAPreference WebAuthnMfaSettings) is not emulated.
// Tested in test/local-cognito/mfa.test.ts.

/** What `user` can answer, among the pool's allowed first factors. */
function availableChallenges(userPool, user) {
  const allowed = allowedFirstFactors(userPool)
  const out = []
  if (allowed.includes('PASSWORD') && user.Password) out.push('PASSWORD')
  if (hasMfa(user)) return out
  const email = attributeValue('email', user.Attributes)
  if (allowed.includes('EMAIL_OTP') && email && attributeValue('email_verified', user.Attributes) === 'true') {
    out.push('EMAIL_OTP')
  }
  if (allowed.includes('WEB_AUTHN') && webAuthnConfig(userPool).RelyingPartyId && credentialsOf(user).length > 0) {
    out.push('WEB_AUTHN')
  }
  return out
}

const credentialsOf = (user) => user.WebAuthnCredentials ?? []

/** Issues the session of `challengeName` for `username` and answers it as InitiateAuth does. */
async function challengeAnswer(services, ctx, req, { userPool, user, username, challengeName, available }) {
  const client = await services.cognito.getAppClient(ctx, req.ClientId)
  const entry = { username, clientId: req.ClientId, validityMinutes: client?.AuthSessionValidity }
  // No USERNAME among the parameters: Amplify's tests of its USER_AUTH client show Cognito's
  // SELECT_CHALLENGE with `ChallengeParameters: {}`, EMAIL_OTP with the two CODE_DELIVERY_* ones
  // (packages/auth/__tests__/providers/cognito/signInWithUserAuth.test.ts) and WEB_AUTHN with
  // CREDENTIAL_REQUEST_OPTIONS only (.../signInHelpers/handleWebAuthnSignInResult.test.ts), and the
  // client answers with the name the user typed.
  const parameters = {}
  // A decoy keeps the name it was asked for, so that its later challenges mask it as a real one would.
  let state = { challengeName, clientId: req.ClientId, decoy: !user, requested: req.AuthParameters.USERNAME }
  if (challengeName === 'EMAIL_OTP') {
    // EMAIL_OTP: Cognito emails a code and names the masked destination. A decoy sends nothing.
    const email = user ? attributeValue('email', user.Attributes) : req.AuthParameters.USERNAME
    if (user) {
      const code = emailSignInCode()
      const delivery = { AttributeName: 'email', DeliveryMedium: 'EMAIL', Destination: email }
      await services.messages.deliver(
        ctx,
        'Authentication',
        req.ClientId,
        userPool.options.Id,
        user,
        code,
        req.ClientMetadata,
        delivery,
      )
      state = { ...state, code }
    }
    Object.assign(parameters, { CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL', CODE_DELIVERY_DESTINATION: maskedEmail(email) })
  } else if (challengeName === 'WEB_AUTHN') {
    // WEB_AUTHN: ChallengeParameters CREDENTIAL_REQUEST_OPTIONS, a JSON string of the
    // PublicKeyCredentialRequestOptions (WebAuthn Level 3 §5.5, JSON form).
    const { rpId, userVerification } = relyingPartyOf(userPool)
    const options = await webauthn.generateAuthenticationOptions({
      rpID: rpId,
      userVerification,
      allowCredentials: (user ? credentialsOf(user) : []).map((c) => ({
        id: c.CredentialId,
        transports: c.Transports,
      })),
    })
    state = { ...state, challenge: options.challenge, rpId }
    parameters.CREDENTIAL_REQUEST_OPTIONS = JSON.stringify(options)
  }
  const session = challenges.issue(entry, state)
  return {
    ChallengeName: challengeName,
    Session: session,
    ChallengeParameters: parameters,
    ...(challengeName === 'SELECT_CHALLENGE' ? { AvailableChallenges: available } : {}),
  }
}

/**
 * A password sign-in of a user with MFA active: the USER_PASSWORD_AUTH flow (as strict.cjs and mfa.cjs
 * rule it) answers with the user's MFA challenge (SOFTWARE_TOKEN_MFA for TOTP: InitiateAuth
 * `ChallengeName`), never with tokens. `secretHash` is over `username`.
 */
function passwordThenMfa(services, ctx, req, username, password, secretHash) {
  return Targets.InitiateAuth(services)(ctx, {
    ClientId: req.ClientId,
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: password, ...(secretHash ? { SECRET_HASH: secretHash } : {}) },
    ClientMetadata: req.ClientMetadata,
  })
}

/** Tokens for `user`, as cognito-local issues them on a password sign-in. */
async function tokensFor(services, ctx, userPool, user, clientId, clientMetadata) {
  const client = await services.cognito.getAppClient(ctx, clientId)
  const groups = await userPool.listUserGroupMembership(ctx, user)
  const tokens = await services.tokenGenerator.generate(ctx, user, groups, client, clientMetadata, 'Authentication')
  await userPool.storeRefreshToken(ctx, tokens.RefreshToken, user)
  return { ChallengeParameters: {}, AuthenticationResult: tokens }
}

const FIRST_FACTOR_CHALLENGES = ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN']

async function userAuth(services, ctx, req) {
  const params = req.AuthParameters ?? {}
  const client = await services.cognito.getAppClient(ctx, req.ClientId)
  if (!client) throw new errors.ResourceNotFoundError(`App Client ${req.ClientId} not found`)
  // The app client must allow the flow (CreateUserPoolClient `ExplicitAuthFlows`, ALLOW_USER_AUTH).
  if (!(client.ExplicitAuthFlows ?? []).includes('ALLOW_USER_AUTH')) {
    throw new errors.InvalidParameterError('USER_AUTH flow not enabled for this client')
  }
  if (typeof params.USERNAME !== 'string' || params.USERNAME === '') {
    throw new errors.InvalidParameterError('Missing required parameter USERNAME')
  }
  const preferred = params.PREFERRED_CHALLENGE
  if (preferred !== undefined && !FIRST_FACTOR_CHALLENGES.includes(preferred)) {
    throw new errors.InvalidParameterError(`Invalid PREFERRED_CHALLENGE: ${preferred}`)
  }
  await verifySecretHash(services, ctx, req.ClientId, params.USERNAME, params.SECRET_HASH)
  const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
  const user = await userPool.getUserByUsername(ctx, params.USERNAME)
  if (!user) {
    // Developer guide, "Managing user existence error responses": with PreventUserExistenceErrors
    // ENABLED, a choice-based sign-in for an unknown user is answered with a challenge of a type the
    // pool allows, which then fails; LEGACY answers UserNotFoundException. Which challenge, with which
    // parameters, is a guess (doctor probe step "USER_AUTH for an unknown user").
    if (client.PreventUserExistenceErrors !== 'ENABLED') throw new errors.UserNotFoundError('User does not exist.')
    const allowed = allowedFirstFactors(userPool)
    const challengeName = preferred && allowed.includes(preferred) ? preferred : 'SELECT_CHALLENGE'
    return challengeAnswer(services, ctx, req, {
      userPool,
      user: null,
      username: randomUUID(),
      challengeName,
      available: allowed,
    })
  }
  // InitiateAuth errors, UserNotConfirmedException: "the user isn't confirmed".
  if (user.UserStatus === 'UNCONFIRMED') throw new errors.UserNotConfirmedException()
  const available = availableChallenges(userPool, user)
  if (preferred === 'PASSWORD' && available.includes('PASSWORD') && params.PASSWORD !== undefined) {
    if (hasMfa(user)) {
      return passwordThenMfa(services, ctx, req, params.USERNAME, params.PASSWORD, params.SECRET_HASH)
    }
    if (params.PASSWORD !== user.Password) throw new errors.NotAuthorizedError('Incorrect username or password.')
    return tokensFor(services, ctx, userPool, user, req.ClientId, req.ClientMetadata)
  }
  // A preference the user cannot answer falls back to SELECT_CHALLENGE: undocumented, a guess (doctor
  // probe step "preferred challenge not available").
  const challengeName =
    preferred && preferred !== 'PASSWORD' && available.includes(preferred) ? preferred : 'SELECT_CHALLENGE'
  return challengeAnswer(services, ctx, req, { userPool, user, username: user.Username, challengeName, available })
}

const initiateAuth = Targets.InitiateAuth
const InitiateAuth = (services) => {
  const inner = initiateAuth(services)
  return (ctx, req) => (req.AuthFlow === 'USER_AUTH' ? userAuth(services, ctx, req) : inner(ctx, req))
}

// --- RespondToAuthChallenge for SELECT_CHALLENGE, EMAIL_OTP, WEB_AUTHN ---------------------------
// The same session rules as strict.cjs: a session this app client was handed for this user,
// unexpired, unspent. USERNAME names that user by its actual username or an alias (the email):
// "the actual username, not an alias" is the API reference's rule for USER_ID_FOR_SRP challenges,
// and Amplify's USER_AUTH client answers these with the name the user typed (it never reads a
// USERNAME parameter, which these challenges do not carry). SECRET_HASH is over USERNAME as sent.

const OWN_CHALLENGES = new Set(['SELECT_CHALLENGE', 'EMAIL_OTP', 'WEB_AUTHN'])

/** A wrong answer: the session survives it until MAX_WRONG_ANSWERS, then it is spent. */
function wrongAnswer(req, issued, error) {
  issued.state.wrongAnswers = (issued.state.wrongAnswers ?? 0) + 1
  if (issued.state.wrongAnswers >= MAX_WRONG_ANSWERS) challenges.consume(req.Session)
  return error
}

async function answerEmailOtp(services, ctx, req, issued, userPool, user) {
  const code = req.ChallengeResponses.EMAIL_OTP_CODE
  if (typeof code !== 'string' || code === '')
    throw new errors.InvalidParameterError('Missing required parameter EMAIL_OTP_CODE')
  const outcome = checkEmailOtp(issued.state, code)
  if (outcome === 'spent') {
    challenges.consume(req.Session)
    throw new errors.CodeMismatchError()
  }
  if (outcome === 'mismatch') throw new errors.CodeMismatchError()
  challenges.consume(req.Session)
  return tokensFor(services, ctx, userPool, user, req.ClientId, req.ClientMetadata)
}

async function answerWebAuthn(services, ctx, req, issued, userPool, user) {
  let credential
  try {
    credential = JSON.parse(req.ChallengeResponses.CREDENTIAL)
  } catch {
    throw new errors.InvalidParameterError('CREDENTIAL must be the authenticator response as a JSON string')
  }
  const { rpId } = issued.state
  const origin = assertOrigin(credential, rpId)
  // Only a passkey registered by this user signs this user in.
  const stored = user ? credentialsOf(user).find((c) => c.CredentialId === credential?.id) : undefined
  if (!stored) throw wrongAnswer(req, issued, new errors.NotAuthorizedError('Incorrect username or password.'))
  let verified
  try {
    verified = await webauthn.verifyAuthenticationResponse({
      response: credential,
      expectedChallenge: issued.state.challenge,
      expectedOrigin: origin,
      expectedRPID: rpId,
      credential: {
        id: stored.CredentialId,
        publicKey: Buffer.from(stored.PublicKey, 'base64url'),
        counter: stored.Counter,
        transports: stored.Transports,
      },
      requireUserVerification: false,
    })
  } catch {
    verified = { verified: false }
  }
  if (!verified.verified)
    throw wrongAnswer(req, issued, new errors.NotAuthorizedError('Incorrect username or password.'))
  challenges.consume(req.Session)
  const Counter = verified.authenticationInfo.newCounter
  const WebAuthnCredentials = credentialsOf(user).map((c) => (c === stored ? { ...c, Counter } : c))
  await userPool.saveUser(ctx, { ...user, WebAuthnCredentials })
  return tokensFor(services, ctx, userPool, { ...user, WebAuthnCredentials }, req.ClientId, req.ClientMetadata)
}

async function answerSelection(services, ctx, req, issued, userPool, user) {
  // SELECT_CHALLENGE: ANSWER names one of AvailableChallenges; ANSWER PASSWORD comes with PASSWORD.
  const answer = req.ChallengeResponses.ANSWER
  const available = user ? availableChallenges(userPool, user) : allowedFirstFactors(userPool)
  if (!FIRST_FACTOR_CHALLENGES.includes(answer) || !available.includes(answer)) {
    throw new errors.InvalidParameterError('ANSWER must be one of the available challenges')
  }
  challenges.consume(req.Session)
  if (answer === 'PASSWORD') {
    if (user && hasMfa(user)) {
      const { USERNAME, PASSWORD, SECRET_HASH } = req.ChallengeResponses
      return passwordThenMfa(services, ctx, req, USERNAME, PASSWORD, SECRET_HASH)
    }
    if (!user || req.ChallengeResponses.PASSWORD !== user.Password) {
      throw new errors.NotAuthorizedError('Incorrect username or password.')
    }
    return tokensFor(services, ctx, userPool, user, req.ClientId, req.ClientMetadata)
  }
  return challengeAnswer(
    services,
    ctx,
    { ...req, AuthParameters: { USERNAME: issued.state.requested } },
    { userPool, user, username: issued.username, challengeName: answer },
  )
}

/**
 * Whether `name` (an answer's USERNAME) is the user the session was issued for: its actual username
 * or its email alias, in any case (the pool is case-insensitive); for a decoy, the name it was asked for.
 */
async function namesIssuedUser(userPool, ctx, name, issued, user) {
  if (!user) return name.toLowerCase() === String(issued.state.requested).toLowerCase()
  return (await userPool.getUserByUsername(ctx, name))?.Username === user.Username
}

const respondToAuthChallenge = Targets.RespondToAuthChallenge
const RespondToAuthChallenge = (services) => {
  const inner = respondToAuthChallenge(services)
  return async (ctx, req) => {
    if (!OWN_CHALLENGES.has(req.ChallengeName)) return inner(ctx, req)
    const responses = req.ChallengeResponses ?? {}
    const issued = challenges.find(req.Session, req.ClientId)
    if (!issued || issued.state.challengeName !== req.ChallengeName) throw invalidSession()
    if (typeof responses.USERNAME !== 'string' || responses.USERNAME === '')
      throw new errors.InvalidParameterError('Missing required parameter USERNAME')
    await verifySecretHash(services, ctx, req.ClientId, responses.USERNAME, responses.SECRET_HASH)
    const userPool = await services.cognito.getUserPoolForClientId(ctx, req.ClientId)
    const user = issued.state.decoy ? null : await userByActualUsername(userPool, ctx, issued.username)
    if (!issued.state.decoy && !user) throw invalidSession()
    if (!(await namesIssuedUser(userPool, ctx, responses.USERNAME, issued, user)))
      throw new errors.NotAuthorizedError('Invalid session for the user.')
    const request = { ...req, ChallengeResponses: responses }
    if (req.ChallengeName === 'EMAIL_OTP') return answerEmailOtp(services, ctx, request, issued, userPool, user)
    if (req.ChallengeName === 'WEB_AUTHN') return answerWebAuthn(services, ctx, request, issued, userPool, user)
    return answerSelection(services, ctx, request, issued, userPool, user)
  }
}

// --- Passkey registration and the user's factors (access token operations) ----------------------

const credentialDescription = (c) => ({
  CredentialId: c.CredentialId,
  FriendlyCredentialName: c.FriendlyCredentialName,
  RelyingPartyId: c.RelyingPartyId,
  AuthenticatorAttachment: c.AuthenticatorAttachment,
  AuthenticatorTransports: c.Transports,
  // JSON 1.1 timestamps: epoch seconds.
  CreatedAt: c.CreatedAt / 1000,
})

// StartWebAuthnRegistration: "Requests credential creation options from your user pool for the
// currently signed-in user": PublicKeyCredentialCreationOptions (JSON form) in
// CredentialCreationOptions, excluding the user's existing passkeys.
const StartWebAuthnRegistration = (services) => async (ctx, req) => {
  const { userPool, user } = await tokenUser(services, ctx, req.AccessToken)
  const { rpId, userVerification } = relyingPartyOf(userPool)
  const email = attributeValue('email', user.Attributes) ?? user.Username
  const options = await webauthn.generateRegistrationOptions({
    rpName: rpId,
    rpID: rpId,
    userName: email,
    userID: Buffer.from(user.Username, 'utf8'),
    attestationType: 'none',
    excludeCredentials: credentialsOf(user).map((c) => ({ id: c.CredentialId, transports: c.Transports })),
    authenticatorSelection: { residentKey: 'required', userVerification },
    timeout: REGISTRATION_TIMEOUT_MS,
  })
  pendingRegistrations.set(user.Username, {
    challenge: options.challenge,
    rpId,
    expiresAt: Date.now() + REGISTRATION_TIMEOUT_MS,
  })
  return { CredentialCreationOptions: options }
}

// CompleteWebAuthnRegistration: the attestation (RegistrationResponseJSON) for the challenge
// StartWebAuthnRegistration gave (WebAuthnChallengeNotFoundException otherwise), from an allowed
// origin (WebAuthnOriginNotAllowedException), for the pool's RP id (WebAuthnRelyingPartyMismatchException).
// A credential id already registered, to this user or another of the pool, is refused: WebAuthn Level 2
// §7.1 step 22, "Check that the credentialId is not yet registered to any other user", and a relying
// party SHOULD fail the ceremony for an id it knows. The API reference lists no error for it, so the
// exception is a guess: InvalidParameterException, the one every operation documents for a request
// it will not take, rather than WebAuthnCredentialNotSupportedException, whose description ("a
// passkey credential from an unsupported device or provider") would send a client after the wrong
// cause.
const CompleteWebAuthnRegistration = (services) => async (ctx, req) => {
  const { userPool, user } = await tokenUser(services, ctx, req.AccessToken)
  const pending = pendingRegistrations.get(user.Username)
  if (!pending || pending.expiresAt <= Date.now()) {
    throw cognitoError('WebAuthnChallengeNotFoundException', 'No WebAuthn registration is in progress for this user.')
  }
  const credential = req.Credential
  if (!credential || typeof credential !== 'object') throw new errors.InvalidParameterError('Credential is required')
  const origin = assertOrigin(credential, pending.rpId)
  let verified
  try {
    verified = await webauthn.verifyRegistrationResponse({
      response: credential,
      expectedChallenge: pending.challenge,
      expectedOrigin: origin,
      expectedRPID: pending.rpId,
      requireUserVerification: false,
    })
  } catch (error) {
    if (/RP ID/i.test(String(error?.message))) {
      throw cognitoError('WebAuthnRelyingPartyMismatchException', 'The relying party ID does not match.')
    }
    throw new errors.InvalidParameterError('The credential could not be verified.')
  }
  if (!verified.verified) throw new errors.InvalidParameterError('The credential could not be verified.')
  pendingRegistrations.delete(user.Username)
  const info = verified.registrationInfo
  if (await credentialRegistered(userPool, ctx, info.credential.id)) {
    throw new errors.InvalidParameterError('This credential is already registered.')
  }
  const entry = {
    CredentialId: info.credential.id,
    PublicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    Counter: info.credential.counter,
    Transports: credential.response?.transports ?? [],
    RelyingPartyId: pending.rpId,
    AuthenticatorAttachment: credential.authenticatorAttachment,
    FriendlyCredentialName: `Passkey ${info.aaguid}`,
    CreatedAt: Date.now(),
  }
  await userPool.saveUser(ctx, { ...user, WebAuthnCredentials: [...credentialsOf(user), entry] })
  return {}
}

/** True when some user of the pool has a passkey with this credential id. */
async function credentialRegistered(userPool, ctx, credentialId) {
  const users = await userPool.listUsers(ctx)
  return users.some((u) => credentialsOf(u).some((c) => c.CredentialId === credentialId))
}

const ListWebAuthnCredentials = (services) => async (ctx, req) => {
  const { user } = await tokenUser(services, ctx, req.AccessToken)
  return { Credentials: credentialsOf(user).map(credentialDescription) }
}

// DeleteWebAuthnCredential: a credential id the user does not have is ResourceNotFoundException.
const DeleteWebAuthnCredential = (services) => async (ctx, req) => {
  const { userPool, user } = await tokenUser(services, ctx, req.AccessToken)
  const kept = credentialsOf(user).filter((c) => c.CredentialId !== req.CredentialId)
  if (kept.length === credentialsOf(user).length) throw new errors.ResourceNotFoundError('Credential not found.')
  await userPool.saveUser(ctx, { ...user, WebAuthnCredentials: kept })
  return {}
}

// GetUserAuthFactors: Username and ConfiguredUserAuthFactors (the first factors the user can use).
const GetUserAuthFactors = (services) => async (ctx, req) => {
  const { userPool, user } = await tokenUser(services, ctx, req.AccessToken)
  return {
    Username: user.Username,
    UserMFASettingList: user.UserMFASettingList ?? [],
    ConfiguredUserAuthFactors: availableChallenges(userPool, user),
  }
}

Object.assign(Targets, {
  SetUserPoolMfaConfig: keepingOption('SetUserPoolMfaConfig', 'WebAuthnConfiguration'),
  InitiateAuth,
  RespondToAuthChallenge,
  StartWebAuthnRegistration,
  CompleteWebAuthnRegistration,
  ListWebAuthnCredentials,
  DeleteWebAuthnCredential,
  GetUserAuthFactors,
})

module.exports = { createChallengeStore, checkEmailOtp, originAllowed, MAX_WRONG_ANSWERS, EMAIL_OTP_DIGITS }
