// A stub CognitoGateway and a stub access-token verifier, for the route tests (test/routes/*), which
// build the app in process and call `handle` with a Request: no socket, no Cognito, a whole file in
// milliseconds.
//
// Why a stub: a route's own work (validation, status, headers, problem codes, what it hands the
// gateway, what it hides) does not need Cognito, and a real Cognito-compatible server (cognito-local)
// takes seconds to start and a socket per call. What only the real protocol shows (SECRET_HASH,
// Cognito's own exceptions and how they map, deadlines, token signatures) is tested against
// cognito-local in test/integration, and the gateway itself in test/integration/gateway.test.ts.
//
// The stub keeps accounts in a Map and fails the way the real gateway does: with the ProblemError
// src/cognito/errors.ts maps Cognito's exception to (an unknown account on /signin is not_authorized,
// on /signup/confirm a code_mismatch; /signup/resend and /password/forgot answer the same whether or
// not the account exists).
import { maskedEmailDelivery } from '../../src/cognito/enumeration.ts'
import { userHandleOf } from '../../src/cognito/passkeys.ts'
import type { CognitoGateway, SignInResult } from '../../src/cognito/gateway.ts'
import type { FactorProof } from '../../src/cognito/factor-proof.ts'
import type { AccessTokenVerifier } from '../../src/tokens/claims.ts'
import { ProblemError, type ProblemCode } from '../../src/http/problem.ts'
import type { Profile } from '../../src/schemas/account.ts'
import type { PasswordlessChallenge } from '../../src/schemas/passwordless.ts'
import type { Tokens } from '../../src/schemas/sign-in.ts'

/** The confirmation and password-reset code the stub "emails" to every account. */
export const STUB_CODE = '123456'
/** The one TOTP code the stub's authenticator "shows" (a stub: no clock). */
export const STUB_TOTP_CODE = '654321'
/** The one passkey every stub account has, as DELETE /me/passkeys/:credentialId names it. */
export const STUB_PASSKEY_ID = 'stub-passkey'

/** One gateway call as a route made it: the method and its arguments, in order. */
export interface GatewayCall {
  method: keyof CognitoGateway
  args: unknown[]
}

interface Account {
  sub: string
  email: string
  password: string
  nickname: string
  confirmed: boolean
  /** Sign-in answers NEW_PASSWORD_REQUIRED until the challenge is answered (an admin-created user). */
  newPasswordRequired: boolean
  /** TOTP: the secret associated, whether a code verified it, whether it is on. */
  totp?: { secret: string; verified: boolean; enabled: boolean }
  /** Passkeys count as MFA (WebAuthnMfaSettings). */
  passkeyMfa?: boolean
  /** Email change: the address waiting for its code; `email` stays until then. */
  pendingEmail?: string
  /** The pool requires MFA: sign-in answers MFA_SETUP until TOTP is on. */
  mfaRequired?: boolean
}

/** The factor proof as Cognito's sign-in checks it: the password, then the app's code if TOTP is on. */
function proveBothFactors(account: Account, { password, code }: FactorProof): void {
  if (account.password !== password) throw new ProblemError('password_mismatch')
  if (account.totp?.enabled && code !== STUB_TOTP_CODE) throw new ProblemError('code_mismatch')
}

export interface StubGateway {
  gateway: CognitoGateway
  /** Checks access tokens as the real verifier would: the stub's own tokens pass, anything else is invalid_token. */
  verifyAccessToken: AccessTokenVerifier
  /** Every call any route made, oldest first. */
  calls: GatewayCall[]
  /** The calls of one method: what the route passed on. */
  callsOf(method: keyof CognitoGateway): unknown[][]
  /** Adds an account (confirmed unless told) and returns its sub. */
  addAccount(
    email: string,
    password: string,
    options?: { confirmed?: boolean; newPasswordRequired?: boolean; mfaRequired?: boolean },
  ): string
  /** The next call of `method` fails with this problem, as the real gateway fails (e.g. Cognito down: upstream_unavailable). */
  failNext(
    method: keyof CognitoGateway,
    code: ProblemCode,
    options?: { headers?: Record<string, string>; cause?: unknown },
  ): void
  /** Tokens for an account, as /signin would answer them. */
  signIn(email: string, password: string): Promise<Tokens>
}

/**
 * @param accountKey the app's account keys (src/state/account-keys.ts): a session names the key of
 *   the email it was handed out for, as a sealed one does. Without it, the email itself.
 */
export function createStubGateway(accountKey: (email: string) => string = (email) => email): StubGateway {
  const accounts = new Map<string, Account>()
  /** Access and refresh tokens issued, to the sub they belong to; signing out deletes them. */
  const accessTokens = new Map<string, string>()
  const refreshTokens = new Map<string, string>()
  const sessions = new Map<string, string>()
  // Sessions whose sign-in's password is in the breach corpus.
  const flagged = new Set<string>()
  // Every session ever handed out: a used one still names its account, as a sealed one still opens.
  const sessionAccounts = new Map<string, string>()
  const remember = sessions.set.bind(sessions)
  sessions.set = (session, email) => {
    sessionAccounts.set(session, email)
    return remember(session, email)
  }
  /** Token -> its sign-in time (epoch seconds); a refresh keeps the sign-in's, as Cognito's auth_time does. */
  const authTimes = new Map<string, number>()
  /** Access token -> the refresh token it was minted with (its origin, as Cognito's origin_jti says). */
  const origins = new Map<string, string>()
  /** Access token -> when it was issued (epoch seconds). */
  const issuedAts = new Map<string, number>()
  const failures = new Map<keyof CognitoGateway, ProblemError>()
  const calls: GatewayCall[] = []
  let issued = 0

  const accountOfSub = (sub: string | undefined) => [...accounts.values()].find((a) => a.sub === sub)
  const accountOfToken = (accessToken: string) => {
    const account = accountOfSub(accessTokens.get(accessToken))
    if (!account) throw new ProblemError('invalid_token')
    return account
  }
  const tokensFor = (account: Account, authTime = Math.floor(Date.now() / 1000), origin?: string): Tokens => {
    const n = ++issued
    const accessToken = `stub-access.${account.sub}.${n}`
    const refreshToken = `stub-refresh.${account.sub}.${n}`
    accessTokens.set(accessToken, account.sub)
    refreshTokens.set(refreshToken, account.sub)
    origins.set(accessToken, origin ?? refreshToken)
    issuedAts.set(accessToken, Math.floor(Date.now() / 1000))
    authTimes.set(accessToken, authTime)
    authTimes.set(refreshToken, authTime)
    return {
      idToken: `stub-id.${account.sub}.${n}`,
      accessToken,
      refreshToken,
      expiresIn: 3600,
      tokenType: 'Bearer',
      username: account.sub,
    }
  }
  const sessionIdOf = (refreshToken: string) => `stub-session.${refreshToken.slice(refreshToken.lastIndexOf('.') + 1)}`
  const checkCode = (email: string, code: string) => {
    const account = accounts.get(email)
    if (!account || code !== STUB_CODE) throw new ProblemError('code_mismatch')
    return account
  }

  const gateway: CognitoGateway = {
    async signUp({ email, password, nickname }) {
      if (accounts.has(email)) throw new ProblemError('username_exists')
      const sub = crypto.randomUUID()
      accounts.set(email, { sub, email, password, nickname, confirmed: false, newPasswordRequired: false })
      return { userSub: sub, userConfirmed: false, codeDelivery: maskedEmailDelivery(email) }
    },
    async signIn({ email, password }): Promise<SignInResult> {
      // The actual username (the sub here) signs in too, as in Cognito.
      const account = accounts.get(email) ?? accountOfSub(email)
      if (!account || account.password !== password) throw new ProblemError('not_authorized')
      if (!account.confirmed) throw new ProblemError('user_not_confirmed')
      if (account.newPasswordRequired) {
        const session = `stub-session.${++issued}`
        sessions.set(session, email)
        return {
          challenge: {
            challengeName: 'NEW_PASSWORD_REQUIRED',
            session,
            challengeParameters: { USER_ID_FOR_SRP: account.sub },
          },
        }
      }
      if (account.mfaRequired && !account.totp?.enabled) {
        const session = `stub-setup.${++issued}`
        sessions.set(session, email)
        return {
          challenge: {
            challengeName: 'MFA_SETUP',
            session,
            challengeParameters: { MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]', USER_ID_FOR_SRP: account.sub },
          },
        }
      }
      if (account.totp?.enabled) {
        const session = `stub-session.${++issued}`
        sessions.set(session, email)
        return {
          challenge: {
            challengeName: 'SOFTWARE_TOKEN_MFA',
            session,
            challengeParameters: { USER_ID_FOR_SRP: account.sub },
          },
        }
      }
      return { tokens: tokensFor(account), sub: account.sub }
    },
    async respondToChallenge({ email, challengeName, session, responses }) {
      // The session names its account, as the sealed one does; one the stub did not hand out has expired.
      if (!sessions.has(session)) throw new ProblemError('session_expired')
      const account = accounts.get(email)
      if (!account || sessions.get(session) !== email) throw new ProblemError('not_authorized')
      if (challengeName === 'SOFTWARE_TOKEN_MFA' && account.totp?.enabled) {
        if (responses.SOFTWARE_TOKEN_MFA_CODE !== STUB_TOTP_CODE) throw new ProblemError('code_mismatch')
      } else if (challengeName === 'NEW_PASSWORD_REQUIRED' && responses.NEW_PASSWORD) {
        account.password = responses.NEW_PASSWORD
        account.newPasswordRequired = false
      } else {
        throw new ProblemError('not_authorized')
      }
      sessions.delete(session)
      return {
        tokens: tokensFor(account),
        sub: account.sub,
        ...(flagged.has(session) ? { passwordBreached: true } : {}),
      }
    },
    // The flag rides with the session, as the sealed one carries it.
    async flagPasswordBreached(session) {
      flagged.add(session)
      return session
    },
    async refresh(refreshToken, username) {
      const account = accountOfSub(refreshTokens.get(refreshToken))
      // Cognito hashes the username the client names: another user's name fails the hash check.
      // Without a username the stub rotates, as GetTokensFromRefreshToken does (no grace period).
      if (!account || (username !== undefined && account.sub !== username)) throw new ProblemError('invalid_token')
      if (username === undefined) {
        refreshTokens.delete(refreshToken)
        const {
          idToken,
          accessToken,
          refreshToken: rotated,
          expiresIn,
          tokenType,
        } = tokensFor(account, authTimes.get(refreshToken))
        return { idToken, accessToken, refreshToken: rotated, expiresIn, tokenType }
      }
      const { idToken, accessToken, expiresIn, tokenType } = tokensFor(
        account,
        authTimes.get(refreshToken),
        refreshToken,
      )
      return { idToken, accessToken, expiresIn, tokenType }
    },
    async confirmSignUp(email, code) {
      checkCode(email, code).confirmed = true
    },
    async resendConfirmationCode(email) {
      return maskedEmailDelivery(email)
    },
    async forgotPassword(email) {
      return maskedEmailDelivery(email)
    },
    async confirmForgotPassword(email, code, password) {
      checkCode(email, code).password = password
    },
    async getUser(accessToken): Promise<Profile> {
      const account = accountOfToken(accessToken)
      return {
        username: account.sub,
        sub: account.sub,
        email: account.email,
        emailVerified: account.confirmed,
        nickname: account.nickname,
      }
    },
    async globalSignOut(accessToken) {
      const { sub } = accountOfToken(accessToken)
      for (const tokens of [accessTokens, refreshTokens])
        for (const [token, owner] of tokens) if (owner === sub) tokens.delete(token)
    },
    async signOutEverywhereByName(username) {
      const account = accounts.get(username) ?? accountOfSub(username)
      if (!account) throw new ProblemError('internal_error')
      for (const tokens of [accessTokens, refreshTokens])
        for (const [token, owner] of tokens) if (owner === account.sub) tokens.delete(token)
      return { sub: account.sub }
    },
    async changePassword(accessToken, previousPassword, proposedPassword) {
      const account = accountOfToken(accessToken)
      if (account.password !== previousPassword) throw new ProblemError('previous_password_mismatch')
      account.password = proposedPassword
    },

    // --- TOTP and email change ---
    async associateSoftwareToken(accessToken) {
      const account = accountOfToken(accessToken)
      const secret = `STUBSECRET${++issued}`
      if (account.totp?.enabled) throw new ProblemError('totp_already_enabled')
      account.totp = { secret, verified: false, enabled: false }
      return { secretCode: secret, email: account.email }
    },
    async enableSoftwareToken(accessToken, _username, code) {
      const account = accountOfToken(accessToken)
      if (!account.totp) throw new ProblemError('totp_not_enrolled')
      if (code !== STUB_TOTP_CODE) throw new ProblemError('code_mismatch')
      account.totp = { ...account.totp, verified: true, enabled: true }
    },
    async disableSoftwareToken(accessToken, _username, proof) {
      const account = accountOfToken(accessToken)
      proveBothFactors(account, proof)
      if (account.totp) account.totp.enabled = false
      return {}
    },
    async changeEmail(accessToken, email) {
      const account = accountOfToken(accessToken)
      if (accounts.has(email) && accounts.get(email) !== account) throw new ProblemError('username_exists')
      account.pendingEmail = email
      return maskedEmailDelivery(email)
    },
    async associateSoftwareTokenInSetup(session, email) {
      const account = accounts.get(email)
      if (!account || sessions.get(session) !== email || !session.startsWith('stub-setup.'))
        throw new ProblemError('not_authorized')
      sessions.delete(session)
      const next = `stub-setup-associated.${++issued}`
      sessions.set(next, email)
      const secret = `STUBSECRET${issued}`
      account.totp = { secret, verified: false, enabled: false }
      return { secretCode: secret, session: next }
    },
    async completeMfaSetup({ email, session, code }) {
      const account = accounts.get(email)
      if (!account?.totp || sessions.get(session) !== email || !session.startsWith('stub-setup-associated.'))
        throw new ProblemError('not_authorized')
      if (code !== STUB_TOTP_CODE) throw new ProblemError('code_mismatch')
      sessions.delete(session)
      account.totp = { ...account.totp, verified: true, enabled: true }
      return { tokens: tokensFor(account), sub: account.sub }
    },
    async verifyEmail(accessToken, code) {
      const account = accountOfToken(accessToken)
      if (!account.pendingEmail || code !== STUB_CODE) throw new ProblemError('code_mismatch')
      accounts.delete(account.email)
      account.email = account.pendingEmail
      account.pendingEmail = undefined
      accounts.set(account.email, account)
    },
    // Passwordless sign-in and passkeys: the same answer for every email, no passkeys (the
    // passkey ceremony itself is tested against the local Cognito, test/integration/passwordless.test.ts).
    async startPasswordless({ email, method }): Promise<PasswordlessChallenge> {
      const session = `stub-session-${crypto.randomUUID()}`
      sessions.set(session, email)
      if (method === 'email_otp')
        return {
          challengeName: 'EMAIL_OTP',
          session,
          challengeParameters: {
            CODE_DELIVERY_DELIVERY_MEDIUM: 'EMAIL',
            CODE_DELIVERY_DESTINATION: maskedEmailDelivery(email).destination!,
          },
        }
      if (method === 'passkey')
        return {
          challengeName: 'WEB_AUTHN',
          session,
          challengeParameters: {
            CREDENTIAL_REQUEST_OPTIONS: JSON.stringify({ challenge: 'stub', allowCredentials: [] }),
          },
        }
      return {
        challengeName: 'SELECT_CHALLENGE',
        session,
        challengeParameters: {},
        availableChallenges: ['PASSWORD', 'EMAIL_OTP', 'WEB_AUTHN'],
      }
    },
    // The account a session was handed out for, as the real gateway's seal names it.
    challengeAccount(session) {
      const email = sessionAccounts.get(session)
      return email === undefined ? undefined : accountKey(email)
    },
    async startPasskeyRegistration(accessToken) {
      accountOfToken(accessToken)
      return { challenge: 'stub' }
    },
    async completePasskeyRegistration(accessToken) {
      accountOfToken(accessToken)
      throw new ProblemError('passkey_rejected')
    },
    async listPasskeys(accessToken, username) {
      accountOfToken(accessToken)
      return { passkeys: [], userHandle: userHandleOf(username) }
    },
    async deletePasskey(accessToken, _username, credentialId, proof) {
      const account = accountOfToken(accessToken)
      if (account.totp?.enabled || account.passkeyMfa) {
        if (proof === undefined) throw new ProblemError('factor_proof_required')
        proveBothFactors(account, proof)
      }
      if (credentialId !== STUB_PASSKEY_ID) throw new ProblemError('passkey_not_found')
      return {}
    },
    async authFactors(accessToken) {
      accountOfToken(accessToken)
      return ['PASSWORD', 'EMAIL_OTP']
    },
    async setPasskeyMfa(accessToken, enabled) {
      const account = accountOfToken(accessToken)
      if (!account.totp?.enabled) throw new ProblemError('passkey_mfa_unavailable')
      account.passkeyMfa = enabled
    },
    // Tokens: signing out one device, deleting the account.
    async revokeToken(refreshToken) {
      if (!refreshTokens.delete(refreshToken)) throw new ProblemError('invalid_token')
      for (const [token, origin] of origins) if (origin === refreshToken) accessTokens.delete(token)
    },
    // Sessions: one per live refresh token ("stub-session.<n>" for "stub-refresh.<sub>.<n>").
    async listSessions(accessToken) {
      const { sub } = accountOfToken(accessToken)
      const current = origins.get(accessToken)
      return [...refreshTokens]
        .filter(([, owner]) => owner === sub)
        .map(([token]) => ({ sessionId: sessionIdOf(token), type: 'TOKEN', current: token === current }))
    },
    async revokeSession(accessToken, sessionId) {
      const { sub } = accountOfToken(accessToken)
      const token = [...refreshTokens].find(([t, owner]) => owner === sub && sessionIdOf(t) === sessionId)?.[0]
      if (!token) throw new ProblemError('session_not_found')
      if (token === origins.get(accessToken)) throw new ProblemError('invalid_parameter')
      await gateway.revokeToken(token)
    },
    async deleteUser(accessToken) {
      const account = accountOfToken(accessToken)
      accounts.delete(account.email)
      for (const tokens of [accessTokens, refreshTokens])
        for (const [token, owner] of tokens) if (owner === account.sub) tokens.delete(token)
    },
  }

  // Every method records its call, then fails if told to, then does its work.
  const recorded = Object.fromEntries(
    Object.entries(gateway).map(([name, method]) => {
      const key = name as keyof CognitoGateway
      return [
        key,
        async (...args: unknown[]) => {
          calls.push({ method: key, args })
          const failure = failures.get(key)
          if (failure) {
            failures.delete(key)
            throw failure
          }
          return (method as (...a: unknown[]) => Promise<unknown>)(...args)
        },
      ]
    }),
  ) as unknown as CognitoGateway
  // Synchronous, as the rate limiter calls it before the route runs; not a call the routes make.
  recorded.challengeAccount = gateway.challengeAccount

  return {
    gateway: recorded,
    // The signature check of the real verifier, in miniature: only tokens this stub issued pass.
    // Revocation is not its business (as for the real one): getUser and the rest refuse those.
    async verifyAccessToken(token) {
      const sub = /^stub-access\.([\w-]+)\.\d+$/.exec(token)?.[1]
      if (sub === undefined) throw new ProblemError('invalid_token')
      const issuedAt = issuedAts.get(token) ?? 0
      const originJti = origins.get(token)
      return {
        sub,
        username: sub,
        authTime: authTimes.get(token) ?? 0,
        jti: token,
        ...(originJti === undefined ? {} : { originJti }),
        issuedAt,
        expiresAt: issuedAt + 3600,
      }
    },
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method).map((c) => c.args),
    addAccount(email, password, { confirmed = true, newPasswordRequired = false, mfaRequired = false } = {}) {
      const sub = crypto.randomUUID()
      accounts.set(email, { sub, email, password, nickname: 'Stub', confirmed, newPasswordRequired, mfaRequired })
      return sub
    },
    failNext(method, code, options = {}) {
      failures.set(method, new ProblemError(code, undefined, options))
    },
    async signIn(email, password) {
      const result = await gateway.signIn({ email, password })
      if (!('tokens' in result)) throw new Error(`${email} got a challenge, not tokens`)
      return result.tokens
    },
  }
}
