// The one door to Cognito. Routes call this interface; only this module touches the SDK. It adds the
// SECRET_HASH, puts a deadline on every call and turns every failure into a ProblemError (whose
// cause the app logs with the request id).
import type {
  AuthenticationResultType,
  ChallengeNameType,
  CodeDeliveryDetailsType,
  InitiateAuthResponse,
  WebAuthnCredentialDescription,
  SessionDescriptionType,
} from '@aws-sdk/client-cognito-identity-provider'
import type { CognitoConfig } from '../config.ts'
import { ProblemError } from '../http/problem.ts'
import { lazy } from '../lazy.ts'
import type { Profile } from '../schemas/account.ts'
import type { PasskeyDescription, PasswordlessChallenge, PasswordlessInput } from '../schemas/passwordless.ts'
import type { UserSession } from '../schemas/sessions.ts'
import type { CodeDeliveryDetails } from '../schemas/shared.ts'
import type {
  Challenge,
  ChallengeInput,
  RefreshedTokens,
  SignInInput,
  SignUpInput,
  SignUpResult,
  Tokens,
} from '../schemas/sign-in.ts'
import { createChallengeSessions } from './challenge-session.ts'
import type { Metrics } from '../observability/metrics.ts'
import {
  cognitoOutcome,
  retriesOf,
  revealsAccountState,
  problemFromCognitoError,
  type CognitoOperation,
} from './errors.ts'
import type { HttpPost } from './http-post.ts'
import { createCoalescer } from './coalesce.ts'
import { startDeadline } from './deadline.ts'
import { createJsonTransport } from './json-transport.ts'
import { createSecretHasher } from './secret-hash.ts'
import type { CognitoTransport, OperationName } from './transport.ts'

/**
 * A sign-in step's outcome: the tokens, with the `sub` their ID token names (for the auth event;
 * read once, with the username), or the next challenge.
 */
export type SignInResult = { tokens: Tokens; sub?: string | undefined } | { challenge: Challenge }

export interface CognitoGateway {
  signUp(input: SignUpInput): Promise<SignUpResult>
  signIn(input: SignInInput): Promise<SignInResult>
  respondToChallenge(input: ChallengeInput): Promise<SignInResult>
  /**
   * New tokens for a refresh token. Without rotation (REFRESH_TOKEN_AUTH) `username` is the Cognito
   * username the SECRET_HASH is computed over, required when the client has a secret (else a 400
   * validation_failed naming /username). With rotation (GetTokensFromRefreshToken) it is not needed
   * and the answer carries the new refresh token. Concurrent calls for the same token share one
   * Cognito call and its answer. A token rotated away or revoked: 401 invalid_token.
   */
  refresh(refreshToken: string, username?: string): Promise<RefreshedTokens>
  confirmSignUp(email: string, code: string): Promise<void>
  /** Answers the same whether or not the account exists. */
  resendConfirmationCode(email: string): Promise<CodeDeliveryDetails>
  /** Answers the same whether or not the account exists. */
  forgotPassword(email: string): Promise<CodeDeliveryDetails>
  confirmForgotPassword(email: string, code: string, password: string): Promise<void>
  getUser(accessToken: string): Promise<Profile>
  globalSignOut(accessToken: string): Promise<void>
  changePassword(accessToken: string, previousPassword: string, proposedPassword: string): Promise<void>

  // --- TOTP and email change ---
  /** AssociateSoftwareToken: a new TOTP secret (base32) for the user; not in use until verified. */
  associateSoftwareToken(accessToken: string): Promise<string>
  /**
   * VerifySoftwareToken with a code from the app, then SetUserMFAPreference enabling and preferring
   * TOTP. In that order: Cognito refuses to enable a token that is not verified yet.
   * @throws ProblemError code_mismatch (wrong code), totp_not_enrolled (no secret associated).
   */
  enableSoftwareToken(accessToken: string, code: string, deviceName?: string): Promise<void>
  /** SetUserMFAPreference with TOTP disabled: sign-in asks for no code again (unless the pool requires MFA). */
  disableSoftwareToken(accessToken: string): Promise<void>
  /**
   * UpdateUserAttributes with the new email. With the pool's AttributesRequireVerificationBeforeUpdate
   * the current address stays until the code sent to the new one is verified.
   * @throws ProblemError username_exists when another account has that address.
   */
  changeEmail(accessToken: string, email: string): Promise<CodeDeliveryDetails>
  /** VerifyUserAttribute (email) with the code sent to the new address: the change takes effect. */
  verifyEmail(accessToken: string, code: string): Promise<void>
  /**
   * MFA_SETUP (the pool requires MFA, the user has none): AssociateSoftwareToken with the challenge's
   * session. `session` is the client's value (challenge-session.ts); so is the one returned.
   * @throws ProblemError not_authorized when the session is expired, used or not an MFA_SETUP one.
   */
  associateSoftwareTokenInSetup(session: string, email: string): Promise<{ secretCode: string; session: string }>
  /**
   * MFA_SETUP's end: VerifySoftwareToken with the session and a code from the app, then
   * RespondToAuthChallenge MFA_SETUP with the session that answers. Tokens, or a further challenge.
   * @throws ProblemError code_mismatch (wrong code), not_authorized (session expired, used or not MFA_SETUP).
   */
  completeMfaSetup(input: { email: string; session: string; code: string; deviceName?: string }): Promise<SignInResult>
  // Passwordless sign-in and passkeys (Cognito choice-based sign-in, USER_AUTH)
  /**
   * InitiateAuth USER_AUTH for `email`, PREFERRED_CHALLENGE from `method` (email_otp: EMAIL_OTP,
   * passkey: WEB_AUTHN, none: SELECT_CHALLENGE). Answers the same shape whether or not the account
   * exists (the app client hides user existence; an unconfirmed account gets a session that fails).
   */
  startPasswordless(input: PasswordlessInput): Promise<PasswordlessChallenge>
  /** StartWebAuthnRegistration: PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create. */
  startPasskeyRegistration(accessToken: string): Promise<Record<string, unknown>>
  /** CompleteWebAuthnRegistration with the RegistrationResponseJSON. Throws passkey_rejected. */
  completePasskeyRegistration(accessToken: string, credential: Record<string, unknown>): Promise<void>
  listPasskeys(accessToken: string): Promise<PasskeyDescription[]>
  /** DeleteWebAuthnCredential. Throws passkey_not_found for an id the user does not have. */
  deletePasskey(accessToken: string, credentialId: string): Promise<void>
  /** GetUserAuthFactors' ConfiguredUserAuthFactors. */
  authFactors(accessToken: string): Promise<string[]>
  // Tokens: signing out one device, deleting the account.
  /** RevokeToken: the refresh token and the access tokens minted from it stop working in Cognito. */
  revokeToken(refreshToken: string): Promise<void>
  /** DeleteUser: the account of the access token's user is gone. */
  deleteUser(accessToken: string): Promise<void>
  /** ListUserSessions, every page: the user's active sessions (the pool must track sessions). */
  listSessions(accessToken: string): Promise<UserSession[]>
  /** RevokeUserSession: that session's refresh and access tokens stop working. Unknown id: 404 session_not_found. */
  revokeSession(accessToken: string, sessionId: string): Promise<void>
}

const PREFERRED_CHALLENGE = { email_otp: 'EMAIL_OTP', passkey: 'WEB_AUTHN' } as const

// Cognito's default access/ID token validity; cognito-local omits ExpiresIn on some flows.
const DEFAULT_EXPIRES_IN = 3600

// Sent with the thin JSON 1.1 client: the operations behind /signup, every sign-in (/signin, its
// challenges, passwordless) and /token/refresh, which the benchmark shows are where the traffic is,
// and the two unauthenticated email routes anyone can call: under the soak's mixed traffic, loading
// the SDK for them alone cost ~25 MB of RSS and half the throughput. All are unauthenticated in
// Cognito's API (no SigV4). Everything else goes through the SDK.
const HOT_OPERATIONS: ReadonlySet<OperationName> = new Set([
  'SignUp',
  'InitiateAuth',
  'RespondToAuthChallenge',
  'ForgotPassword',
  'ResendConfirmationCode',
  'GetTokensFromRefreshToken',
])

/** The SDK, imported on first use: /health and the hot routes never load it. */
function lazySdkTransport(config: CognitoConfig): CognitoTransport {
  const sdk = lazy(() => import('./sdk-transport.ts').then((m) => m.createSdkTransport(config)))
  return { send: async (operation, input, abortSignal) => (await sdk()).send(operation, input, abortSignal) }
}

/**
 * Production: hot operations on the JSON client (over `post`, the runtime's fetch by default), the rest
 * on the SDK; every call counted in `metrics` when given.
 */
export function createGateway(
  config: CognitoConfig,
  { post, metrics }: { post?: HttpPost; metrics?: Metrics } = {},
): Promise<CognitoGateway> {
  const json = createJsonTransport(config, post)
  const sdk = lazySdkTransport(config)
  return createGatewayOverTransport(
    config,
    {
      send: (operation, input, abortSignal) =>
        (HOT_OPERATIONS.has(operation) ? json : sdk).send(operation, input, abortSignal),
    },
    metrics,
  )
}

/** The gateway over one transport (the tests run it over each). */
export async function createGatewayOverTransport(
  config: CognitoConfig,
  transport: CognitoTransport,
  metrics?: Metrics,
): Promise<CognitoGateway> {
  const { clientId } = config
  const hasher = await createSecretHasher(clientId, config.clientSecret)
  const sessions = await createChallengeSessions(config.clientSecret)
  const secretHash = async (username: string) => (hasher ? await hasher(username) : undefined)
  const { send } = transport
  const refreshes = createCoalescer<RefreshedTokens>()

  const call = async <T>(operation: CognitoOperation, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> => {
    const deadline = startDeadline(config.timeoutMs)
    const startedAt = performance.now()
    const seconds = () => (performance.now() - startedAt) / 1000
    try {
      const out = await send(deadline.signal)
      metrics?.cognitoCall(operation, 'ok', seconds(), retriesOf(out))
      return out
    } catch (error) {
      const problem = problemFromCognitoError(error, operation, deadline.signal.aborted)
      metrics?.cognitoCall(operation, cognitoOutcome(problem), seconds(), retriesOf(error))
      throw problem
    } finally {
      deadline.clear()
    }
  }

  /** For routes that must not reveal whether an account exists: its state is swallowed. */
  const callHidingAccountState = (operation: CognitoOperation, send: (abortSignal: AbortSignal) => Promise<unknown>) =>
    call(operation, send).then(
      () => undefined,
      (problem: ProblemError) => {
        if (!revealsAccountState(problem.cause)) throw problem
      },
    )

  /** Tokens, or the next challenge with the session the client returns (it carries the username). */
  const authResult = async (out: InitiateAuthResponse, username: string): Promise<SignInResult> => {
    if (out.AuthenticationResult) return signedIn(out.AuthenticationResult)
    if (out.ChallengeName && out.Session) {
      const parameters = out.ChallengeParameters ?? {}
      // Cognito names the actual user in USER_ID_FOR_SRP (or USERNAME) whenever the request used an alias.
      const actualUsername = parameters.USER_ID_FOR_SRP ?? parameters.USERNAME ?? username
      return {
        challenge: {
          challengeName: out.ChallengeName,
          session: await sessions.seal(actualUsername, out.Session),
          challengeParameters: parameters,
        },
      }
    }
    throw new ProblemError('upstream_error', undefined, {
      cause: new Error('Cognito returned neither tokens nor a challenge'),
    })
  }

  /** GetTokensFromRefreshToken: the raw client secret, no username, no SECRET_HASH (API reference). */
  const rotate = async (refreshToken: string) => {
    const out = await call('GetTokensFromRefreshToken', (abortSignal) =>
      send(
        'GetTokensFromRefreshToken',
        {
          RefreshToken: refreshToken,
          ClientId: clientId,
          ...(config.clientSecret === undefined ? {} : { ClientSecret: config.clientSecret }),
        },
        abortSignal,
      ),
    )
    return refreshedTokensOf(out.AuthenticationResult)
  }

  /** InitiateAuth REFRESH_TOKEN_AUTH, with the SECRET_HASH over the token owner's username. */
  const refreshWithoutRotation = async (refreshToken: string, username: string | undefined) => {
    if (username === undefined && hasher)
      throw new ProblemError('validation_failed', 'Invalid or missing: username.', { fields: ['/username'] })
    const hash = username === undefined ? undefined : await secretHash(username)
    const out = await call('RefreshTokenAuth', (abortSignal) =>
      send(
        'InitiateAuth',
        {
          ClientId: clientId,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: refreshToken, ...(hash ? { SECRET_HASH: hash } : {}) },
        },
        abortSignal,
      ),
    )
    return refreshedTokensOf(out.AuthenticationResult)
  }

  const gateway: CognitoGateway = {
    async signUp({ email, password, nickname }) {
      const hash = await secretHash(email)
      const out = await call('SignUp', (abortSignal) =>
        send(
          'SignUp',
          {
            ClientId: clientId,
            Username: email,
            Password: password,
            SecretHash: hash,
            UserAttributes: [
              { Name: 'email', Value: email },
              { Name: 'nickname', Value: nickname },
            ],
          },
          abortSignal,
        ),
      )
      const codeDelivery = codeDeliveryOf(out.CodeDeliveryDetails)
      return {
        userSub: out.UserSub ?? '',
        userConfirmed: out.UserConfirmed ?? false,
        ...(codeDelivery ? { codeDelivery } : {}),
      }
    },

    async signIn({ email, password }) {
      const hash = await secretHash(email)
      const out = await call('InitiateAuth', (abortSignal) =>
        send(
          'InitiateAuth',
          {
            ClientId: clientId,
            AuthFlow: 'USER_PASSWORD_AUTH',
            AuthParameters: { USERNAME: email, PASSWORD: password, ...(hash ? { SECRET_HASH: hash } : {}) },
          },
          abortSignal,
        ),
      )
      return await authResult(out, email)
    },

    async respondToChallenge({ email, challengeName, session: clientValue, responses }) {
      const { username, session } = await sessions.open(clientValue, email)
      const hash = await secretHash(username)
      const out = await call('RespondToAuthChallenge', (abortSignal) =>
        send(
          'RespondToAuthChallenge',
          {
            ClientId: clientId,
            ChallengeName: challengeName as ChallengeNameType,
            Session: session,
            // Ours last: a client cannot forge the hash; Cognito refuses a session of another user.
            ChallengeResponses: { ...responses, USERNAME: username, ...(hash ? { SECRET_HASH: hash } : {}) },
          },
          abortSignal,
        ),
      )
      return await authResult(out, username)
    },

    refresh(refreshToken, username) {
      // The key holds the token: it is in memory for the call anyway, and leaves when it settles.
      return refreshes(`${username ?? ''}\n${refreshToken}`, () =>
        config.refreshTokenRotation ? rotate(refreshToken) : refreshWithoutRotation(refreshToken, username),
      )
    },

    async confirmSignUp(email, code) {
      const hash = await secretHash(email)
      await call('ConfirmSignUp', (abortSignal) =>
        send(
          'ConfirmSignUp',
          { ClientId: clientId, Username: email, ConfirmationCode: code, SecretHash: hash },
          abortSignal,
        ),
      )
    },

    async resendConfirmationCode(email) {
      const hash = await secretHash(email)
      await callHidingAccountState('ResendConfirmationCode', (abortSignal) =>
        send('ResendConfirmationCode', { ClientId: clientId, Username: email, SecretHash: hash }, abortSignal),
      )
      return maskedEmailDelivery(email)
    },

    async forgotPassword(email) {
      const hash = await secretHash(email)
      await callHidingAccountState('ForgotPassword', (abortSignal) =>
        send('ForgotPassword', { ClientId: clientId, Username: email, SecretHash: hash }, abortSignal),
      )
      return maskedEmailDelivery(email)
    },

    async confirmForgotPassword(email, code, password) {
      const hash = await secretHash(email)
      await call('ConfirmForgotPassword', (abortSignal) =>
        send(
          'ConfirmForgotPassword',
          { ClientId: clientId, Username: email, ConfirmationCode: code, Password: password, SecretHash: hash },
          abortSignal,
        ),
      )
    },

    async getUser(accessToken) {
      const out = await call('GetUser', (abortSignal) => send('GetUser', { AccessToken: accessToken }, abortSignal))
      const attributes = new Map((out.UserAttributes ?? []).map((a) => [a.Name, a.Value ?? '']))
      return {
        username: out.Username ?? '',
        sub: attributes.get('sub') ?? '',
        email: attributes.get('email') ?? '',
        emailVerified: attributes.get('email_verified') === 'true',
        nickname: attributes.get('nickname') ?? '',
      }
    },

    async globalSignOut(accessToken) {
      await call('GlobalSignOut', (abortSignal) => send('GlobalSignOut', { AccessToken: accessToken }, abortSignal))
    },

    async changePassword(accessToken, previousPassword, proposedPassword) {
      await call('ChangePassword', (abortSignal) =>
        send(
          'ChangePassword',
          { AccessToken: accessToken, PreviousPassword: previousPassword, ProposedPassword: proposedPassword },
          abortSignal,
        ),
      )
    },

    // --- TOTP and email change ---
    async associateSoftwareToken(accessToken) {
      const out = await call('AssociateSoftwareToken', (abortSignal) =>
        send('AssociateSoftwareToken', { AccessToken: accessToken }, abortSignal),
      )
      if (!out.SecretCode)
        throw new ProblemError('upstream_error', undefined, { cause: new Error('Cognito returned no SecretCode') })
      return out.SecretCode
    },

    async enableSoftwareToken(accessToken, code, deviceName) {
      const verified = await call('VerifySoftwareToken', (abortSignal) =>
        send(
          'VerifySoftwareToken',
          { AccessToken: accessToken, UserCode: code, ...(deviceName ? { FriendlyDeviceName: deviceName } : {}) },
          abortSignal,
        ),
      )
      // VerifySoftwareToken Status: SUCCESS or ERROR (an ERROR answer is not an exception).
      if (verified.Status !== 'SUCCESS') throw new ProblemError('code_mismatch')
      await setSoftwareTokenPreference(accessToken, true)
    },

    async disableSoftwareToken(accessToken) {
      await setSoftwareTokenPreference(accessToken, false)
    },

    async changeEmail(accessToken, email) {
      await call('UpdateUserAttributes', (abortSignal) =>
        send(
          'UpdateUserAttributes',
          { AccessToken: accessToken, UserAttributes: [{ Name: 'email', Value: email }] },
          abortSignal,
        ),
      )
      // Masked from the request, as Cognito masks it: the same shape as every other delivery we answer.
      return maskedEmailDelivery(email)
    },

    async verifyEmail(accessToken, code) {
      await call('VerifyUserAttribute', (abortSignal) =>
        send('VerifyUserAttribute', { AccessToken: accessToken, AttributeName: 'email', Code: code }, abortSignal),
      )
    },

    async associateSoftwareTokenInSetup(clientValue, email) {
      const { username, session } = await sessions.open(clientValue, email)
      const out = await call('AssociateSoftwareTokenInSetup', (abortSignal) =>
        send('AssociateSoftwareToken', { Session: session }, abortSignal),
      )
      if (!out.SecretCode || !out.Session)
        throw new ProblemError('upstream_error', undefined, {
          cause: new Error('Cognito returned no SecretCode or Session'),
        })
      return { secretCode: out.SecretCode, session: await sessions.seal(username, out.Session) }
    },

    async completeMfaSetup({ email, session: clientValue, code, deviceName }) {
      const { username, session } = await sessions.open(clientValue, email)
      const verified = await call('VerifySoftwareTokenInSetup', (abortSignal) =>
        send(
          'VerifySoftwareToken',
          { Session: session, UserCode: code, ...(deviceName ? { FriendlyDeviceName: deviceName } : {}) },
          abortSignal,
        ),
      )
      if (verified.Status !== 'SUCCESS' || !verified.Session) throw new ProblemError('code_mismatch')
      // RespondToAuthChallenge MFA_SETUP takes USERNAME (added by respondToChallenge) and the session.
      return gateway.respondToChallenge({
        email,
        challengeName: 'MFA_SETUP',
        session: await sessions.seal(username, verified.Session),
        responses: {},
      })
    },
    // --- Passwordless sign-in and passkeys ---
    async startPasswordless({ email, method }) {
      const preferred = method ? PREFERRED_CHALLENGE[method] : undefined
      const initiate = async (username: string) => {
        const hash = await secretHash(username)
        return call('UserAuth', (abortSignal) =>
          send(
            'InitiateAuth',
            {
              ClientId: clientId,
              AuthFlow: 'USER_AUTH',
              AuthParameters: {
                USERNAME: username,
                ...(preferred ? { PREFERRED_CHALLENGE: preferred } : {}),
                ...(hash ? { SECRET_HASH: hash } : {}),
              },
            },
            abortSignal,
          ),
        )
      }
      let out: InitiateAuthResponse
      try {
        out = await initiate(email)
      } catch (error) {
        // Cognito tells an unconfirmed account apart (UserNotConfirmedException), and only an existing
        // account can hit its per-user code limit or a failed delivery: answer what it answers for an
        // address nobody has (a session that never signs in), with the destination masked from the request.
        if (!(error instanceof ProblemError) || !revealsAccountState(error.cause)) throw error
        out = await initiate(`${crypto.randomUUID()}@${email.slice(email.lastIndexOf('@') + 1)}`)
      }
      const result = await authResult(out, email)
      if (!('challenge' in result))
        throw new ProblemError('upstream_error', undefined, { cause: new Error('tokens without a challenge') })
      const { USERNAME: _named, ...parameters } = result.challenge.challengeParameters
      // Computed from the request, so that it is the same for every account state.
      if (out.ChallengeName === 'EMAIL_OTP')
        parameters.CODE_DELIVERY_DESTINATION = maskedEmailDelivery(email).destination!
      return {
        ...result.challenge,
        challengeParameters: parameters,
        ...(out.AvailableChallenges ? { availableChallenges: out.AvailableChallenges } : {}),
      }
    },

    async startPasskeyRegistration(accessToken) {
      const out = await call('StartWebAuthnRegistration', (abortSignal) =>
        send('StartWebAuthnRegistration', { AccessToken: accessToken }, abortSignal),
      )
      return (out.CredentialCreationOptions ?? {}) as Record<string, unknown>
    },

    async completePasskeyRegistration(accessToken, credential) {
      await call('CompleteWebAuthnRegistration', (abortSignal) =>
        send(
          'CompleteWebAuthnRegistration',
          { AccessToken: accessToken, Credential: credential as never },
          abortSignal,
        ),
      )
    },

    async listPasskeys(accessToken) {
      const out = await call('ListWebAuthnCredentials', (abortSignal) =>
        send('ListWebAuthnCredentials', { AccessToken: accessToken }, abortSignal),
      )
      return (out.Credentials ?? []).map(passkeyOf)
    },

    async deletePasskey(accessToken, credentialId) {
      await call('DeleteWebAuthnCredential', (abortSignal) =>
        send('DeleteWebAuthnCredential', { AccessToken: accessToken, CredentialId: credentialId }, abortSignal),
      )
    },

    async authFactors(accessToken) {
      const out = await call('GetUserAuthFactors', (abortSignal) =>
        send('GetUserAuthFactors', { AccessToken: accessToken }, abortSignal),
      )
      return out.ConfiguredUserAuthFactors ?? []
    },
    // Tokens: signing out one device, deleting the account.
    async revokeToken(refreshToken) {
      await call('RevokeToken', (abortSignal) =>
        send(
          'RevokeToken',
          {
            Token: refreshToken,
            ClientId: clientId,
            ...(config.clientSecret === undefined ? {} : { ClientSecret: config.clientSecret }),
          },
          abortSignal,
        ),
      )
    },

    async deleteUser(accessToken) {
      await call('DeleteUser', (abortSignal) => send('DeleteUser', { AccessToken: accessToken }, abortSignal))
    },

    async listSessions(accessToken) {
      const sessions: UserSession[] = []
      let nextToken: string | undefined
      // A user has at most 100 token sessions (MaxPerUser) plus SSO ones; the bound only stops a loop.
      for (let page = 0; page < MAX_SESSION_PAGES; page++) {
        const out = await call('ListUserSessions', (abortSignal) =>
          send(
            'ListUserSessions',
            { AccessToken: accessToken, ...(nextToken ? { NextToken: nextToken } : {}) },
            abortSignal,
          ),
        )
        sessions.push(...(out.Sessions ?? []).flatMap(sessionOf))
        nextToken = out.NextToken
        if (!nextToken) break
      }
      return sessions
    },

    async revokeSession(accessToken, sessionId) {
      await call('RevokeUserSession', (abortSignal) =>
        send('RevokeUserSession', { AccessToken: accessToken, SessionId: sessionId }, abortSignal),
      )
    },
  }
  return gateway

  async function setSoftwareTokenPreference(accessToken: string, enabled: boolean): Promise<void> {
    await call('SetUserMFAPreference', (abortSignal) =>
      send(
        'SetUserMFAPreference',
        { AccessToken: accessToken, SoftwareTokenMfaSettings: { Enabled: enabled, PreferredMfa: enabled } },
        abortSignal,
      ),
    )
  }
}

/** A passkey as the API shows it (ListWebAuthnCredentials' WebAuthnCredentialDescription). */
function passkeyOf(c: WebAuthnCredentialDescription): PasskeyDescription {
  return {
    credentialId: c.CredentialId ?? '',
    name: c.FriendlyCredentialName ?? '',
    relyingPartyId: c.RelyingPartyId ?? '',
    ...(c.AuthenticatorAttachment ? { authenticatorAttachment: c.AuthenticatorAttachment } : {}),
    transports: c.AuthenticatorTransports ?? [],
    createdAt: (c.CreatedAt ? new Date(c.CreatedAt) : new Date(0)).toISOString(),
  }
}

const MAX_SESSION_PAGES = 10

/** A timestamp as the SDK gives it (a Date) or the JSON wire does (epoch seconds), as ISO 8601. */
const isoTime = (value: Date | number | undefined): string | undefined =>
  value === undefined ? undefined : (value instanceof Date ? value : new Date(value * 1000)).toISOString()

/** One session of ListUserSessions, in this API's words; one without an id is skipped. */
function sessionOf(session: SessionDescriptionType): UserSession[] {
  if (!session.SessionId) return []
  const createdAt = isoTime(session.CreateDate)
  const lastActiveAt = isoTime(session.LastActiveDate)
  const { City, Country } = session.LastLocation ?? {}
  return [
    {
      sessionId: session.SessionId,
      type: session.SessionType ?? 'TOKEN',
      current: session.IsCurrentSession === true,
      ...(session.ClientId ? { clientId: session.ClientId } : {}),
      ...(createdAt ? { createdAt } : {}),
      ...(lastActiveAt ? { lastActiveAt } : {}),
      ...(session.DeviceType ? { deviceType: session.DeviceType } : {}),
      ...(session.LastIPAddress ? { lastIpAddress: session.LastIPAddress } : {}),
      ...(City || Country
        ? { lastLocation: { ...(City ? { city: City } : {}), ...(Country ? { country: Country } : {}) } }
        : {}),
    },
  ]
}

function codeDeliveryOf(details: CodeDeliveryDetailsType | undefined): CodeDeliveryDetails | undefined {
  if (!details) return undefined
  return {
    ...(details.Destination ? { destination: details.Destination } : {}),
    ...(details.DeliveryMedium ? { deliveryMedium: details.DeliveryMedium } : {}),
    ...(details.AttributeName ? { attributeName: details.AttributeName } : {}),
  }
}

/**
 * What the enumeration-safe routes answer, computed from the request alone so that it is the same
 * for an existing account, an unknown one and an unconfirmed one: "a***@e***", as Cognito masks.
 */
export function maskedEmailDelivery(email: string): CodeDeliveryDetails {
  const at = email.lastIndexOf('@')
  return {
    destination: `${email.slice(0, 1)}***@${email.slice(at + 1, at + 2)}***`,
    deliveryMedium: 'EMAIL',
    attributeName: 'email',
  }
}

/** The tokens of a refresh answer; a refresh token only when the app client rotates them. */
function refreshedTokensOf(result: AuthenticationResultType | undefined): RefreshedTokens {
  const { IdToken, AccessToken, RefreshToken, ExpiresIn } = result ?? {}
  if (!IdToken || !AccessToken)
    throw new ProblemError('upstream_error', undefined, { cause: new Error('Cognito returned no tokens') })
  return {
    idToken: IdToken,
    accessToken: AccessToken,
    ...(RefreshToken ? { refreshToken: RefreshToken } : {}),
    expiresIn: ExpiresIn ?? DEFAULT_EXPIRES_IN,
    tokenType: 'Bearer',
  }
}

/**
 * The tokens of a sign-in answer, with the Cognito username read from the ID token: its
 * `cognito:username` (a UUID when email is the sign-in alias), and its `sub`. Read without
 * verification: the token came straight from Cognito on this call, and only these are taken. One
 * decode for both: the ID token is the largest field of the answer.
 */
function signedIn(result: AuthenticationResultType): SignInResult {
  const tokens = refreshedTokensOf(result)
  const claims = unverifiedClaims(tokens.idToken)
  const name = claims?.['cognito:username'] ?? claims?.sub
  // a malformed token from upstream is an upstream error
  if (typeof name !== 'string' || name === '')
    throw new ProblemError('upstream_error', undefined, { cause: new Error('ID token without cognito:username') })
  return { tokens: { ...tokens, username: name }, sub: subOf(claims) }
}

/**
 * The `sub` of an ID token Cognito just answered with (read without verification, as `signedIn`
 * does), for the auth event; undefined if it has none.
 */
export const subOfIdToken = (idToken: string): string | undefined => subOf(unverifiedClaims(idToken))

function subOf(claims: Record<string, unknown> | undefined): string | undefined {
  const sub = claims?.sub
  return typeof sub === 'string' && sub !== '' ? sub : undefined
}

function unverifiedClaims(jwt: string): Record<string, unknown> | undefined {
  try {
    const claims: unknown = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'))
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
