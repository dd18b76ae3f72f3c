// Removing a passkey while the app is on (its passkeys are then second factors; PUT /me/passkeys/mfa
// makes them count): the other factor proves the owner, as for DELETE /me/mfa/totp (the password and a current code from the app), so a
// stolen session cannot take a second factor away. Against the local Cognito, with a pool whose
// passkeys may count as MFA, and a software authenticator. Runs on Bun, Node and the binary (SERVICE_TARGET).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { generateSync } from 'otplib'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { createPoolWithMfa, emulatorClient, poolServiceEnv, totpCode } from '../support/emulator-calls.ts'
import { bearer, expectProblem, post, request } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { startSoftwareAuthenticator, type SoftwareAuthenticator } from '../support/software-authenticator.ts'
import { PASSWORD } from '../support/util.ts'

const ORIGIN = 'http://localhost:8080'
let cognito: TestCognito
let service: RunningService
let authenticator: SoftwareAuthenticator
let users: ReturnType<typeof emulatorClient>

beforeAll(async () => {
  cognito = await testCognito()
  const pool = await createPoolWithMfa(cognito, 'OPTIONAL', true, 'MULTI_FACTOR_WITH_USER_VERIFICATION')
  users = emulatorClient(cognito, pool)
  service = await startService(cognito.serviceEnv(poolServiceEnv(cognito, pool)))
  authenticator = startSoftwareAuthenticator()
})
afterAll(async () => {
  authenticator.stop()
  await service.stop()
})

/** The code of the next 30-second step: accepted now too, and not the one that turned the app on. */
const nextCodeFor = (secret: string) => generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 })

/** A signed-in user with a passkey (`id`) and, unless `app` is false, the authenticator app on (`secret`). */
async function userWithTotpAndPasskeys(tag: string, app = true) {
  const auth = bearer((await users.signedInUser(tag)).accessToken)
  let secretCode = ''
  if (app) {
    secretCode = (await post(service.url, '/me/mfa/totp', {}, auth)).body.secretCode
    expect((await post(service.url, '/me/mfa/totp/verify', { code: totpCode(secretCode) }, auth)).status).toBe(204)
  }
  const options = (await post(service.url, '/me/passkeys/options', {}, auth)).body.options
  const added = await post(
    service.url,
    '/me/passkeys',
    { credential: await authenticator.create(ORIGIN, options) },
    auth,
  )
  expect(added.status).toBe(201)
  const id: string = added.body.passkeys[0].credentialId
  const passkeyMfa = (enabled: boolean) =>
    request(service.url, 'PUT', '/me/passkeys/mfa', { headers: auth, json: { enabled } })
  const remove = (id: string, json?: unknown) =>
    request(service.url, 'DELETE', `/me/passkeys/${id}`, { headers: auth, ...(json ? { json } : {}) })
  /** DELETE with a JSON content type and `body` sent as it is: none by default. */
  const removeRaw = (id: string, body?: string) =>
    request(service.url, 'DELETE', `/me/passkeys/${id}`, {
      headers: { ...auth, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body }),
    })
  const listed = async () =>
    (
      (await request(service.url, 'GET', '/me/passkeys', { headers: auth })).body.passkeys as { credentialId: string }[]
    ).map((p) => p.credentialId)
  return { auth, secret: secretCode, id, passkeyMfa, remove, removeRaw, listed }
}

describe('DELETE /me/passkeys/:credentialId while passkeys count as MFA', () => {
  test('without the other factor 403 factor_proof_required; a wrong code 400 code_mismatch; both factors 204', async () => {
    const user = await userWithTotpAndPasskeys('pkdel')
    expect((await user.passkeyMfa(true)).status).toBe(204)
    expectProblem(await user.remove(user.id), 403, 'factor_proof_required')
    // No body with a JSON content type (as many clients send on every request) is no proof too, not unreadable.
    expectProblem(await user.removeRaw(user.id), 403, 'factor_proof_required')
    // A body that is not the proof is refused as such, never taken for no body.
    for (const body of ['null', '{}', JSON.stringify(PASSWORD)])
      expectProblem(await user.removeRaw(user.id, body), 400, 'validation_failed')
    const wrong = nextCodeFor(user.secret) === '000000' ? '111111' : '000000'
    expectProblem(await user.remove(user.id, { password: PASSWORD, code: wrong }), 400, 'code_mismatch')
    expectProblem(await user.remove(user.id, { password: PASSWORD }), 400, 'validation_failed')
    expect(await user.listed()).toEqual([user.id])
    expect((await user.remove(user.id, { password: PASSWORD, code: nextCodeFor(user.secret) })).status).toBe(204)
    expect(await user.listed()).toEqual([])
    // The caller's own session is untouched by the proof's.
    expect((await request(service.url, 'GET', '/me', { headers: user.auth })).status).toBe(200)
  })

  test('with the app on but the passkey setting off, the proof is still asked (Cognito does not say which)', async () => {
    // GetUser's documented MFA list has no passkey entry, and a user with the app on signs in with a
    // passkey only as a second factor: the app decides, never a guessed entry.
    const user = await userWithTotpAndPasskeys('pkdel-off')
    expect((await user.passkeyMfa(true)).status).toBe(204)
    expect((await user.passkeyMfa(false)).status).toBe(204)
    expectProblem(await user.removeRaw(user.id), 403, 'factor_proof_required')
    expect((await user.remove(user.id, { password: PASSWORD, code: nextCodeFor(user.secret) })).status).toBe(204)
    expect(await user.listed()).toEqual([])
  })

  test('without the app, a passkey is a first factor only: removed with a recent sign-in, no body', async () => {
    const user = await userWithTotpAndPasskeys('pkdel-noapp', false)
    expect((await user.removeRaw(user.id)).status).toBe(204)
    expect(await user.listed()).toEqual([])
  })
})
