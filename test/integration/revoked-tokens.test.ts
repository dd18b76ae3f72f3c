// A revoked access token is refused on every bearer route by Cognito itself, not only by the revocation
// list of the task that revoked it: two service instances share the local Cognito, the first revokes
// (a device's sign-out, a session revoked from another device, a global sign-out) and the second,
// which has no entry in its list, must still answer 401 on routes whose only check after the token's
// signature is Cognito's (the open-dpp #954 and motuz #223 reports: a signed-out token still listed
// passkeys and changed the email).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { signedInAccount, type SignedInAccount } from '../support/accounts.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { bearer, expectNoSecrets, expectProblem, post, request, type JsonResponse } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

let cognito: TestCognito
/** Where the token is revoked. */
let revoking: RunningService
/** Another task: its revocation list never heard of it. */
let other: RunningService
const seen: string[] = [PASSWORD]

beforeAll(async () => {
  cognito = await testCognito()
  seen.push(cognito.pool.clientSecret)
  ;[revoking, other] = await Promise.all([startService(cognito.serviceEnv()), startService(cognito.serviceEnv())])
})
afterAll(async () => {
  await Promise.all([revoking?.stop(), other?.stop()])
})

/** The routes of the reports, each as the signed-in user would call it on `service`. */
const ROUTES: Array<[string, (service: RunningService, token: string) => Promise<JsonResponse>]> = [
  ['GET /me/passkeys', (s, token) => request(s.url, 'GET', '/me/passkeys', { headers: bearer(token) })],
  ['GET /me/auth-factors', (s, token) => request(s.url, 'GET', '/me/auth-factors', { headers: bearer(token) })],
  [
    'POST /me/passkeys/options',
    (s, token) => request(s.url, 'POST', '/me/passkeys/options', { headers: bearer(token) }),
  ],
  // A current code in the body, for a version of the route that asks for one; ignored otherwise.
  [
    'DELETE /me/mfa/totp',
    (s, token) =>
      request(s.url, 'DELETE', '/me/mfa/totp', {
        json: { password: 'ThisisLocalTest1234@', code: '123456' },
        headers: bearer(token),
      }),
  ],
  ['POST /me/email', (s, token) => post(s.url, '/me/email', { email: uniqueEmail('revoked-new') }, bearer(token))],
]

/** Two sign-ins of one account: `device` is the one revoked, `keeper` another device of the user. */
async function twoDevices(
  tag: string,
): Promise<{ device: SignedInAccount['tokens']; keeper: SignedInAccount['tokens'] }> {
  const { email, tokens: device } = await signedInAccount(revoking.url, cognito, { tag, seen })
  const keeper = (await post(revoking.url, '/signin', { email, password: PASSWORD })).body
  seen.push(keeper.idToken, keeper.accessToken, keeper.refreshToken)
  return { device, keeper }
}

/** Every route of the reports on the other instance: 401 invalid_token, each refusal Cognito's. */
async function expectRefusedByCognito(token: string) {
  for (const [name, call] of ROUTES) {
    const before = cognito.proxy.calls.length
    const res = await call(other, token)
    expectProblem(res, 401, 'invalid_token', [token])
    expect({ name, calledCognito: cognito.proxy.calls.length > before }).toEqual({ name, calledCognito: true })
  }
}

describe('a revoked access token on another instance', () => {
  test('works there before it is revoked', async () => {
    const { device } = await twoDevices('revoked-before')
    expect((await ROUTES[1]![1](other, device.accessToken)).status).toBe(200)
    expect((await ROUTES[0]![1](other, device.accessToken)).status).toBe(200)
  })

  test('after POST /signout/device: 401 on every route, asked of Cognito', async () => {
    const { device, keeper } = await twoDevices('revoked-device')
    const out = await post(
      revoking.url,
      '/signout/device',
      { refreshToken: device.refreshToken },
      bearer(device.accessToken),
    )
    expect(out.status).toBe(204)
    await expectRefusedByCognito(device.accessToken)
    expect((await ROUTES[1]![1](other, keeper.accessToken)).status).toBe(200)
  })

  test('after DELETE /sessions/{id} from another device: 401 on every route, asked of Cognito', async () => {
    const { device, keeper } = await twoDevices('revoked-session')
    const listed = await request(revoking.url, 'GET', '/sessions', { headers: bearer(keeper.accessToken) })
    expect(listed.status).toBe(200)
    const sessions = listed.body.sessions as Array<{ sessionId: string; current: boolean }>
    const target = sessions.find((s) => !s.current)
    expect(target).toBeDefined()
    const out = await request(revoking.url, 'DELETE', `/sessions/${encodeURIComponent(target!.sessionId)}`, {
      headers: bearer(keeper.accessToken),
    })
    expect(out.status).toBe(204)
    await expectRefusedByCognito(device.accessToken)
  })

  test('after a global sign-out (POST /signout): 401 on every route, asked of Cognito', async () => {
    const { device } = await twoDevices('revoked-global')
    const out = await request(revoking.url, 'POST', '/signout', { headers: bearer(device.accessToken) })
    expect(out.status).toBe(204)
    await expectRefusedByCognito(device.accessToken)
  })

  test('no token from this file reached a log line', () => {
    expectNoSecrets([...revoking.lines, ...other.lines], seen)
  })
})
