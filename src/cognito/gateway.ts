// The one door to Cognito. Routes call this interface; only this module touches the SDK. It adds the
// SECRET_HASH, puts a deadline on every call and turns every failure into a ProblemError (whose
// cause the app logs with the request id).
import type {
  AuthenticationResultType,
  ChallengeNameType,
  CodeDeliveryDetailsType,
  InitiateAuthResponse,
  SessionDescriptionType,
} from '@aws-sdk/client-cognito-identity-provider'
import type { CognitoConfig } from '../config.ts'
import { ProblemError } from '../http/problem.ts'
import { lazy } from '../lazy.ts'
import type {
  Challenge,
  ChallengeInput,
  CodeDeliveryDetails,
  Profile,
  RefreshedTokens,
  SignInInput,
  SignUpInput,
  SignUpResult,
  Tokens,
  UserSession,
} from '../schemas.ts'
import { clientSession, cognitoSession } from './challenge-session.ts'
import { revealsAccountState, problemFromCognitoError, type CognitoOperation } from './errors.ts'
import { createCoalescer } from './coalesce.ts'
import { createJsonTransport } from './json-transport.ts'
import { createSecretHasher } from './secret-hash.ts'
import type { CognitoTransport, OperationName } from './transport.ts'

export type SignInResult = { tokens: Tokens } | { challenge: Challenge }

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

// Cognito's default access/ID token validity; cognito-local omits ExpiresIn on some flows.
const DEFAULT_EXPIRES_IN = 3600

// Sent with the thin JSON 1.1 client: the operations behind /signup, /signin and /token/refresh,
// which the benchmark shows are where the traffic is, and the two unauthenticated email routes
// anyone can call: under the soak's mixed traffic, loading the SDK for them alone cost ~25 MB of
// RSS and half the throughput. Everything else goes through the SDK.
const HOT_OPERATIONS: ReadonlySet<OperationName> = new Set([
  'SignUp',
  'InitiateAuth',
  'ForgotPassword',
  'ResendConfirmationCode',
  'GetTokensFromRefreshToken',
])

/** The SDK, imported on first use: /health and the hot routes never load it. */
function lazySdkTransport(config: CognitoConfig): CognitoTransport {
  const sdk = lazy(() => import('./sdk-transport.ts').then((m) => m.createSdkTransport(config)))
  return { send: async (operation, input, abortSignal) => (await sdk()).send(operation, input, abortSignal) }
}

/** Production: hot operations on the JSON client, the rest on the SDK. */
export function createGateway(config: CognitoConfig): Promise<CognitoGateway> {
  const json = createJsonTransport(config)
  const sdk = lazySdkTransport(config)
  return createGatewayOverTransport(config, {
    send: (operation, input, abortSignal) =>
      (HOT_OPERATIONS.has(operation) ? json : sdk).send(operation, input, abortSignal),
  })
}

/** The gateway over one transport (the tests run it over each). */
export async function createGatewayOverTransport(
  config: CognitoConfig,
  transport: CognitoTransport,
): Promise<CognitoGateway> {
  const { clientId } = config
  const hasher = await createSecretHasher(clientId, config.clientSecret)
  const secretHash = async (username: string) => (hasher ? await hasher(username) : undefined)
  const { send } = transport
  const refreshes = createCoalescer<RefreshedTokens>()

  const call = async <T>(operation: CognitoOperation, send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> => {
    const deadline = AbortSignal.timeout(config.timeoutMs)
    try {
      return await send(deadline)
    } catch (error) {
      throw problemFromCognitoError(error, operation, deadline.aborted)
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
  const authResult = (out: InitiateAuthResponse, username: string): SignInResult => {
    if (out.AuthenticationResult) return { tokens: tokensOf(out.AuthenticationResult) }
    if (out.ChallengeName && out.Session) {
      const parameters = out.ChallengeParameters ?? {}
      // Cognito names the actual user in USER_ID_FOR_SRP (or USERNAME) whenever the request used an alias.
      const actualUsername = parameters.USER_ID_FOR_SRP ?? parameters.USERNAME ?? username
      return {
        challenge: {
          challengeName: out.ChallengeName,
          session: clientSession(actualUsername, out.Session),
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

  return {
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
      return authResult(out, email)
    },

    async respondToChallenge({ email, challengeName, session: clientValue, responses }) {
      const { username, session } = cognitoSession(clientValue, email)
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
      return authResult(out, username)
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

/** The tokens of a sign-in answer, with the Cognito username read from the ID token. */
function tokensOf(result: AuthenticationResultType): Tokens {
  const tokens = refreshedTokensOf(result)
  return { ...tokens, username: cognitoUsername(tokens.idToken) }
}

/**
 * The ID token's `cognito:username` (a UUID when email is the sign-in alias). Read without
 * verification: the token came straight from Cognito on this call, and only the name is taken.
 */
function cognitoUsername(idToken: string): string {
  const payload = idToken.split('.')[1]
  try {
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>
    const name = claims['cognito:username'] ?? claims.sub
    if (typeof name === 'string' && name) return name
  } catch {
    // fall through: a malformed token from upstream is an upstream error
  }
  throw new ProblemError('upstream_error', undefined, { cause: new Error('ID token without cognito:username') })
}
