// Ending sessions: signing out one device, listing and revoking sessions.
import { Type } from '@sinclair/typebox'
import { t, type Static } from 'elysia'
import { patterned, RefreshToken } from './shared.ts'

// Tokens: signing out one device.
export const SignOutDeviceBody = t.Object({ refreshToken: RefreshToken })

// Sessions (Cognito ListUserSessions / RevokeUserSession).
export const SessionIdParams = t.Object({
  sessionId: t.String({
    minLength: 1,
    maxLength: 256,
    ...patterned(
      '^[\\w:.=+/-]+$',
      'must be a session id as GET /sessions lists it (letters, digits and : . = + / _ -)',
    ),
    description: 'A `sessionId` from GET /sessions.',
  }),
})
export const SessionResponse = t.Object({
  sessionId: t.String(),
  type: t.String({
    description: 'TOKEN: an app’s sign-in (a refresh token); SSO: a managed-login browser session.',
    examples: ['TOKEN'],
  }),
  current: Type.Boolean({ description: 'The session of the access token that asked.' }),
  clientId: t.Optional(t.String({ description: 'The app client the session belongs to.' })),
  createdAt: t.Optional(t.String({ description: 'ISO 8601.' })),
  lastActiveAt: t.Optional(t.String({ description: 'ISO 8601.' })),
  deviceType: t.Optional(t.String()),
  lastIpAddress: t.Optional(t.String()),
  lastLocation: t.Optional(t.Object({ city: t.Optional(t.String()), country: t.Optional(t.String()) })),
})
export const SessionsResponse = t.Object({ sessions: t.Array(SessionResponse) })

export type UserSession = Static<typeof SessionResponse>
