// The `session` a client holds between /signin and /signin/challenge. A challenge answer must name
// the user by the actual username (USER_ID_FOR_SRP, a UUID when email is the sign-in alias), never
// the email, and its SECRET_HASH is computed over that name (RespondToAuthChallenge,
// ChallengeResponses: "The value of the USERNAME attribute must be the user's actual username, not
// an alias"). The service runs as several tasks with no sticky sessions, so the name travels with
// the client: the session handed out is Cognito's, prefixed with the username it belongs to.
// Cognito binds its session to that user, so a client that edits the prefix only gets a refusal.

const PREFIX = 'u1.'

/**
 * The session value for the client: `u1.<base64url(username)>.<Cognito's session>`.
 * @param username the actual Cognito username the challenge is for.
 * @param session Cognito's opaque `Session` (20 to 2048 characters).
 */
export function clientSession(username: string, session: string): string {
  return `${PREFIX}${Buffer.from(username, 'utf8').toString('base64url')}.${session}`
}

/**
 * Cognito's session and the username to answer with, from what the client sent back. A session
 * without our prefix (one handed out before it existed) falls back to `fallbackUsername`, the
 * email, which is right for pools whose usernames are the email.
 */
export function cognitoSession(clientValue: string, fallbackUsername: string): { username: string; session: string } {
  if (clientValue.startsWith(PREFIX)) {
    const end = clientValue.indexOf('.', PREFIX.length)
    const username = end === -1 ? '' : Buffer.from(clientValue.slice(PREFIX.length, end), 'base64url').toString('utf8')
    if (username !== '') return { username, session: clientValue.slice(end + 1) }
  }
  return { username: fallbackUsername, session: clientValue }
}
