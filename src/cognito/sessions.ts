// Sessions and tokens: refreshing, signing out everywhere or one device, listing and revoking the
// user's sessions.
import type { SessionDescriptionType } from '@aws-sdk/client-cognito-identity-provider'
import { ProblemError } from '../http/problem.ts'
import type { UserSession } from '../schemas/sessions.ts'
import type { RefreshedTokens } from '../schemas/sign-in.ts'
import { createCoalescer } from './coalesce.ts'
import type { GatewayCore } from './gateway-core.ts'
import { refreshedTokensOf } from './token-answers.ts'

export interface SessionCalls {
  /**
   * New tokens for a refresh token. Without rotation (REFRESH_TOKEN_AUTH) `username` is the Cognito
   * username the SECRET_HASH is computed over, required when the client has a secret (else a 400
   * validation_failed naming /username). With rotation (GetTokensFromRefreshToken) it is not needed
   * and the answer carries the new refresh token. Concurrent calls for the same token share one
   * Cognito call and its answer. A token rotated away or revoked: 401 invalid_token.
   */
  refresh(refreshToken: string, username?: string): Promise<RefreshedTokens>
  globalSignOut(accessToken: string): Promise<void>
  /** RevokeToken: the refresh token and the access tokens minted from it stop working in Cognito. */
  revokeToken(refreshToken: string): Promise<void>
  /** ListUserSessions, every page: the user's active sessions (the pool must track sessions). */
  listSessions(accessToken: string): Promise<UserSession[]>
  /** RevokeUserSession: that session's refresh and access tokens stop working. Unknown id: 404 session_not_found. */
  revokeSession(accessToken: string, sessionId: string): Promise<void>
  /**
   * AdminGetUser, then AdminUserGlobalSignOut: every refresh and access token Cognito issued to the
   * user stops working in Cognito ("Invalidates the identity, access, and refresh tokens that Amazon
   * Cognito issued to a user", API reference). By name (the username or an alias such as the email),
   * with the task's IAM credentials: it needs no token of the user, so it works after a reset too.
   * @returns the user's `sub` (the revocation list keys on it).
   * @throws ProblemError internal_error for any refusal (missing IAM permission above all).
   */
  signOutEverywhereByName(username: string): Promise<{ sub: string }>
}

const MAX_SESSION_PAGES = 10

export function sessionCalls({ config, call, secretHash, hasSecret, sharedRefresh }: GatewayCore): SessionCalls {
  const { clientId, userPoolId } = config
  const refreshes = createCoalescer<RefreshedTokens>()
  // GetTokensFromRefreshToken and RevokeToken take the raw client secret (API reference), no SECRET_HASH.
  const clientSecret = config.clientSecret === undefined ? {} : { ClientSecret: config.clientSecret }

  /** GetTokensFromRefreshToken: no username, no SECRET_HASH. */
  const rotate = async (refreshToken: string) => {
    const out = await call('GetTokensFromRefreshToken', {
      RefreshToken: refreshToken,
      ClientId: clientId,
      ...clientSecret,
    })
    return refreshedTokensOf(out.AuthenticationResult)
  }

  /** InitiateAuth REFRESH_TOKEN_AUTH, with the SECRET_HASH over the token owner's username. */
  const refreshWithoutRotation = async (refreshToken: string, username: string | undefined) => {
    if (username === undefined && hasSecret)
      throw new ProblemError('validation_failed', 'username is missing: send the `username` /signin returned.', {
        fields: ['/username'],
      })
    const hash = username === undefined ? undefined : await secretHash(username)
    const out = await call(
      'InitiateAuth',
      {
        ClientId: clientId,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: refreshToken, ...(hash ? { SECRET_HASH: hash } : {}) },
      },
      'RefreshTokenAuth',
    )
    return refreshedTokensOf(out.AuthenticationResult)
  }

  return {
    refresh(refreshToken, username) {
      // The key holds the token: it is in memory for the call anyway, and leaves when it settles.
      // A rotating token is spent by its first use, so other tasks are told of it too (sharedRefresh).
      return refreshes(`${username ?? ''}\n${refreshToken}`, () =>
        !config.refreshTokenRotation
          ? refreshWithoutRotation(refreshToken, username)
          : sharedRefresh
            ? sharedRefresh(refreshToken, () => rotate(refreshToken))
            : rotate(refreshToken),
      )
    },

    async globalSignOut(accessToken) {
      await call('GlobalSignOut', { AccessToken: accessToken })
    },

    async revokeToken(refreshToken) {
      await call('RevokeToken', { Token: refreshToken, ClientId: clientId, ...clientSecret })
    },

    async listSessions(accessToken) {
      const sessions: UserSession[] = []
      let nextToken: string | undefined
      // A user has at most 100 token sessions (MaxPerUser) plus SSO ones; the bound only stops a loop.
      for (let page = 0; page < MAX_SESSION_PAGES; page++) {
        const out = await call('ListUserSessions', {
          AccessToken: accessToken,
          ...(nextToken ? { NextToken: nextToken } : {}),
        })
        sessions.push(...(out.Sessions ?? []).flatMap(sessionOf))
        nextToken = out.NextToken
        if (!nextToken) break
      }
      return sessions
    },

    async revokeSession(accessToken, sessionId) {
      await call('RevokeUserSession', { AccessToken: accessToken, SessionId: sessionId })
    },

    async signOutEverywhereByName(username) {
      const user = await call('AdminGetUser', { UserPoolId: userPoolId, Username: username })
      const sub = (user.UserAttributes ?? []).find((a) => a.Name === 'sub')?.Value
      if (!sub)
        throw new ProblemError('internal_error', undefined, { cause: new Error('AdminGetUser returned no sub') })
      await call('AdminUserGlobalSignOut', { UserPoolId: userPoolId, Username: username })
      return { sub }
    },
  }
}

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
