// What the routes declare in their own options (src/policies/): the rate group and the auth event of
// each route, read back from the built routes, and the index the app looks them up in per request.
import { describe, expect, test } from 'bun:test'
import { createApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { createLogger } from '../../src/logging.ts'
import { declarationsOf, indexRoutes } from '../../src/policies/route-index.ts'
import { bearer, expectProblem } from '../support/http.ts'
import { inProcessApp } from '../support/in-process-app.ts'
import { createStubGateway } from '../support/stub-gateway.ts'
import { PASSWORD } from '../support/util.ts'

const RATE_GROUPS = {
  'POST /signin': 'signin',
  'POST /signin/challenge': 'signin',
  'POST /signup': 'signup',
  'POST /signup/resend': 'email',
  'POST /password/forgot': 'email',
  'POST /signup/confirm': 'verify',
  'POST /password/reset': 'verify',
  'POST /signin/mfa-setup': 'signin',
  'POST /signin/mfa-setup/verify': 'signin',
  'POST /me/mfa/totp/verify': 'verify',
  'DELETE /me/mfa/totp': 'verify',
  'DELETE /me/passkeys/:credentialId': 'verify',
  'POST /me/email/verify': 'verify',
  'POST /me/email': 'email',
  'POST /signin/passwordless': 'email',
}

const AUTH_EVENTS = {
  'POST /signup': 'sign_up',
  'POST /signup/confirm': 'sign_up_confirmed',
  'POST /signup/resend': 'confirmation_code_sent',
  'POST /signin': 'sign_in',
  'POST /signin/challenge': 'challenge_answered',
  'POST /token/refresh': 'token_refreshed',
  'POST /signout': 'signed_out',
  'POST /password/change': 'password_changed',
  'POST /password/forgot': 'password_reset_requested',
  'POST /password/reset': 'password_reset',
  'POST /signin/mfa-setup': 'mfa_setup_started',
  'POST /signin/mfa-setup/verify': 'mfa_setup_completed',
  'POST /me/mfa/totp': 'factor_enrolment_started',
  'POST /me/mfa/totp/verify': 'factor_added',
  'DELETE /me/mfa/totp': 'factor_removed',
  'POST /me/email': 'email_change_requested',
  'POST /me/email/verify': 'email_changed',
  'POST /signin/passwordless': 'passwordless_sign_in_started',
  'POST /me/passkeys/options': 'factor_enrolment_started',
  'POST /me/passkeys': 'factor_added',
  'DELETE /me/passkeys/:credentialId': 'factor_removed',
  'PUT /me/passkeys/mfa': 'passkey_mfa_changed',
  'POST /signout/device': 'signed_out_device',
  'DELETE /sessions/:sessionId': 'session_revoked',
  'DELETE /me': 'account_deleted',
}

// The routes that declare `recent`, each with a body it accepts.
const RECENT_ROUTES: Record<string, object | undefined> = {
  'DELETE /me': undefined,
  'POST /me/mfa/totp': undefined,
  'POST /me/email': { email: 'new.policies@example.com' },
  'POST /me/passkeys/options': undefined,
  'POST /me/passkeys': { credential: { id: 'q1w2e3' } },
  'DELETE /me/passkeys/q1w2e3': undefined,
  'PUT /me/passkeys/mfa': { enabled: true },
}

const builtRoutes = async () => {
  const stub = createStubGateway()
  const app = createApp({
    config: parseConfig({
      COGNITO_USER_POOL_ID: 'local_routes',
      COGNITO_CLIENT_ID: 'routesclient',
      COGNITO_ISSUER: 'http://cognito.invalid/local_routes',
    }),
    gateway: stub.gateway,
    verifyAccessToken: stub.verifyAccessToken,
    logger: createLogger({ level: 'error', write: () => {} }),
  })
  return (await app.routes).routes
}

/** "METHOD /pattern" -> the value of one declaration, for every route that makes it. */
const declared = async (key: 'rateGroup' | 'authEvent') =>
  Object.fromEntries(
    (await builtRoutes()).flatMap((route) => {
      const value = declarationsOf(route)[key]
      return value === undefined ? [] : [[`${route.method} ${route.path}`, value]]
    }),
  )

describe('route declarations', () => {
  test('the rate groups the routes declare', async () => {
    expect(await declared('rateGroup')).toEqual(RATE_GROUPS)
  })

  test('the auth events the routes declare', async () => {
    expect(await declared('authEvent')).toEqual(AUTH_EVENTS)
  })

  test('the index the app limits by finds each declared group by method and pattern, and nothing else', async () => {
    const index = indexRoutes(await builtRoutes())
    for (const [route, group] of Object.entries(RATE_GROUPS)) {
      const [method, path] = route.split(' ') as [string, string]
      expect([route, index.rateGroupOf(method, path)]).toEqual([route, group])
    }
    expect(index.rateGroupOf('GET', '/signin')).toBeUndefined()
    expect(index.rateGroupOf('GET', '/me')).toBeUndefined()
    expect(index.authEventOf('DELETE', '/me')).toBe('account_deleted')
    expect(index.authEventOf('GET', '/me')).toBeUndefined()
  })

  test('every route that declares `recent` answers 403 to a sign-in older than RECENT_SIGN_IN_SECONDS, before the gateway', async () => {
    const app = inProcessApp({ RECENT_SIGN_IN_SECONDS: '600' })
    app.stub.addAccount('ada.policies@example.com', PASSWORD)
    const realNow = Date.now
    Date.now = () => realNow() - 601_000
    let old: Awaited<ReturnType<typeof app.stub.signIn>>
    try {
      old = await app.stub.signIn('ada.policies@example.com', PASSWORD)
    } finally {
      Date.now = realNow
    }
    const before = app.stub.calls.length
    for (const [route, json] of Object.entries(RECENT_ROUTES)) {
      const [method, path] = route.split(' ') as [string, string]
      const res = await app.call(method, path, { headers: bearer(old.accessToken), ...(json ? { json } : {}) })
      expectProblem(res, 403, 'reauthentication_required')
    }
    expect(app.stub.calls.length).toBe(before)
  })
})
