// Ending sessions: signing out this device only (RevokeToken), listing the user's sessions and
// revoking one (ListUserSessions, RevokeUserSession: the pool must track sessions). Signing out also
// puts the caller's tokens on this task's revocation list, so they stop passing the local token check
// at once instead of when they expire.
import { Elysia, t } from 'elysia'
import type { CognitoGateway } from '../cognito/gateway.ts'
import { revokeDeviceSession, type RevocationList } from '../tokens/revocations.ts'
import { noContent } from '../http/no-content.ts'
import { ProblemError } from '../http/problem.ts'
import { problemResponses } from '../schemas/problems.ts'
import { SessionIdParams, SessionsResponse, SignOutDeviceBody } from '../schemas/sessions.ts'
import type { Policies } from '../policies/policies.ts'

/**
 * RevokeToken, where a token it cannot revoke (unknown, expired, already revoked) is not an error:
 * the device is signed out either way (RFC 7009 §2.2 answers such a token with success too). A
 * refusal of our client secret is not that (errors.ts makes it internal_error) and is thrown.
 */
async function revokeIfLive(gateway: CognitoGateway, refreshToken: string): Promise<void> {
  try {
    await gateway.revokeToken(refreshToken)
  } catch (error) {
    if (!(error instanceof ProblemError) || error.code !== 'invalid_token') throw error
  }
}

/** `revocations`: where a device's sign-out puts its access tokens. */
export const tokenRoutes = (gateway: CognitoGateway, policies: Policies, revocations: RevocationList) =>
  new Elysia({ tags: ['Sessions'] })
    .use(policies)
    .post(
      '/signout/device',
      async ({ body, claims }) => {
        await revokeIfLive(gateway, body.refreshToken)
        revokeDeviceSession(revocations, claims)
        return noContent()
      },
      {
        bearer: true,
        authEvent: 'signed_out_device',
        body: SignOutDeviceBody,
        response: {
          204: t.Void({ description: 'Signed out on this device; other devices stay signed in.' }),
          ...problemResponses([]),
        },
        detail: {
          summary: 'Sign out this device only',
          description:
            'Send this device’s access token (Authorization) and refresh token (body). Cognito RevokeToken: the refresh ' +
            'token and every access token minted from it stop working; the user’s other devices stay signed in. A ' +
            'refresh token that no longer works also answers 204. POST /signout signs out everywhere.',
        },
      },
    )
    .get('/sessions', async ({ accessToken }) => ({ sessions: await gateway.listSessions(accessToken) }), {
      bearer: true,
      successDescription: 'The user’s active sessions, from Cognito.',
      response: { 200: SessionsResponse, ...problemResponses([], { body: false }) },
      detail: {
        summary: 'List my sessions',
        description:
          'Cognito ListUserSessions: the user’s active sessions on every app of the user pool; `current` marks the one ' +
          'this access token belongs to. New sessions can take a few seconds to show.',
      },
    })
    .delete(
      '/sessions/:sessionId',
      async ({ accessToken, params }) => {
        await gateway.revokeSession(accessToken, params.sessionId)
        return noContent()
      },
      {
        bearer: true,
        authEvent: 'session_revoked',
        params: SessionIdParams,
        response: {
          204: t.Void({ description: 'That session is signed out: its refresh and access tokens stop working.' }),
          ...problemResponses(['session_not_found', 'invalid_parameter', 'validation_failed'], {
            body: false,
          }),
        },
        detail: {
          summary: 'Sign out one of my sessions',
          description:
            'Cognito RevokeUserSession: the session’s refresh token and its access tokens stop working (on this ' +
            'service’s routes at once, since they all ask Cognito). The current session cannot be revoked here ' +
            '(use POST /signout/device); an unknown id is 404 session_not_found.',
        },
      },
    )
