// Challenge sessions as Cognito keeps them: InitiateAuth and RespondToAuthChallenge hand out a
// `Session` for the user they challenge, and RespondToAuthChallenge accepts only a session it issued,
// for that user and app client, until it expires, and once answered never again. Cognito API
// reference, InitiateAuth / RespondToAuthChallenge `Session`: "the session ... is valid for the
// duration set in AuthSessionValidity"; CreateUserPoolClient `AuthSessionValidity`: 3 to 15
// minutes, default 3.
'use strict'

const DEFAULT_VALIDITY_MINUTES = 3

/**
 * @param {{ now?: () => number }} options `now` in ms (tests move time forward).
 * @returns {{
 *   issue(session: string, entry: { username: string, clientId: string, validityMinutes?: number }): void,
 *   find(session: string, clientId: string): { username: string, clientId: string, expiresAt: number } | undefined,
 *   consume(session: string): void,
 * }}
 */
function createSessionStore({ now = Date.now } = {}) {
  const sessions = new Map()
  const forgetExpired = () => {
    const at = now()
    for (const [key, entry] of sessions) if (entry.expiresAt <= at) sessions.delete(key)
  }
  return {
    issue(session, { username, clientId, validityMinutes = DEFAULT_VALIDITY_MINUTES }) {
      forgetExpired()
      sessions.set(session, { username, clientId, expiresAt: now() + validityMinutes * 60_000 })
    },
    find(session, clientId) {
      forgetExpired()
      const entry = sessions.get(session)
      return entry && entry.clientId === clientId ? entry : undefined
    },
    consume(session) {
      sessions.delete(session)
    },
  }
}

module.exports = { createSessionStore, DEFAULT_VALIDITY_MINUTES }
