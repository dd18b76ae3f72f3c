// Rotating the app client's secret without downtime: Cognito keeps two secrets active
// (AddUserPoolClientSecret), and during a rolling deploy tasks on the old and on the new secret serve
// side by side, so a challenge started on one is answered on the other (docs/deployment.md).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createAppClient, type AppClient } from '../support/app-clients.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { callEmulator } from '../support/emulator-calls.ts'
import { expectProblem, post } from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { uniqueEmail, waitFor } from '../support/util.ts'

const TEMPORARY = 'TempLocalTest0000!'
const NEW_PASSWORD = 'AnotherLocalTest5678!'
const NEW_SECRET = `rotated${crypto.randomUUID().replaceAll('-', '')}`
const UNKNOWN_SECRET = `neveradded${crypto.randomUUID().replaceAll('-', '')}`

let cognito: TestCognito
let client: AppClient
/**
 * Tasks by the secrets they sign and open with; `onUnknown` signs with a secret the app client does
 * not have (step 1 of the rotation skipped).
 */
let tasks: Record<'onOld' | 'onNew' | 'onNewAlone' | 'onUnknown', RunningService>

beforeAll(async () => {
  cognito = await testCognito()
  client = await createAppClient(cognito, {})
  const added = await callEmulator(cognito.emulator.endpoint, 'AddUserPoolClientSecret', {
    UserPoolId: cognito.pool.userPoolId,
    ClientId: client.clientId,
    ClientSecret: NEW_SECRET,
  })
  expect(added.status).toBe(200)
  cognito.proxy.addClient(client.clientId, NEW_SECRET)
  const env = (secrets: Record<string, string>) =>
    cognito.serviceEnv({ COGNITO_CLIENT_ID: client.clientId, ...secrets })
  const [onOld, onNew, onNewAlone, onUnknown] = await Promise.all([
    startService(env({ COGNITO_CLIENT_SECRET: client.clientSecret })),
    startService(env({ COGNITO_CLIENT_SECRET: NEW_SECRET, COGNITO_CLIENT_SECRET_PREVIOUS: client.clientSecret })),
    startService(env({ COGNITO_CLIENT_SECRET: NEW_SECRET })),
    startService(env({ COGNITO_CLIENT_SECRET: UNKNOWN_SECRET, COGNITO_CLIENT_SECRET_PREVIOUS: client.clientSecret })),
  ])
  tasks = { onOld: onOld!, onNew: onNew!, onNewAlone: onNewAlone!, onUnknown: onUnknown! }
})
afterAll(async () => {
  await Promise.all(Object.values(tasks ?? {}).map((task) => task.stop()))
})

const answer = (on: RunningService, email: string, session: string) =>
  post(on.url, '/signin/challenge', {
    email,
    challengeName: 'NEW_PASSWORD_REQUIRED',
    session,
    responses: { NEW_PASSWORD },
  })

describe('a client-secret rotation', () => {
  test('a challenge started on a task with the old secret is answered on one with the new', async () => {
    const email = uniqueEmail('rotation')
    await cognito.invite(email, TEMPORARY)
    const started = await post(tasks.onOld.url, '/signin', { email, password: TEMPORARY })
    expect(started.body.challengeName).toBe('NEW_PASSWORD_REQUIRED')
    const session = started.body.session as string
    // Without the previous secret the new task cannot open it (and asks Cognito nothing).
    const before = cognito.proxy.calls.length
    expectProblem(await answer(tasks.onNewAlone, email, session), 400, 'session_expired')
    expect(cognito.proxy.calls.slice(before)).toEqual([])
    // With it, the answer goes through, its SECRET_HASH under the new secret.
    const answered = await answer(tasks.onNew, email, session)
    expect(answered.status).toBe(200)
    expect(answered.body.tokenType).toBe('Bearer')
    expect(cognito.proxy.calls.findLast((c) => c.operation === 'RespondToAuthChallenge')).toMatchObject({
      hashSent: true,
      hashValid: true,
    })
  })

  test('both secrets sign in while both are active', async () => {
    const email = uniqueEmail('rotation')
    await cognito.invite(email, TEMPORARY)
    const started = await post(tasks.onNew.url, '/signin', { email, password: TEMPORARY })
    expect((await answer(tasks.onNew, email, started.body.session as string)).status).toBe(200)
    for (const on of [tasks.onOld, tasks.onNew, tasks.onNewAlone])
      expect((await post(on.url, '/signin', { email, password: NEW_PASSWORD })).status).toBe(200)
  })

  test('a secret the app client lacks: the answer is a 500 and an error line naming the refused secret, not a wrong code', async () => {
    const email = uniqueEmail('rotation')
    await cognito.invite(email, TEMPORARY)
    const started = await post(tasks.onOld.url, '/signin', { email, password: TEMPORARY })
    const answered = await answer(tasks.onUnknown, email, started.body.session as string)
    expectProblem(answered, 500, 'internal_error')
    await waitFor(() => tasks.onUnknown.logs().find((line) => line.msg === 'request failed'), 'the error line')
    expect(tasks.onUnknown.logs().find((line) => line.msg === 'request failed')).toMatchObject({
      code: 'internal_error',
      error: { name: 'ClientSecretRefused' },
    })
  })
})
