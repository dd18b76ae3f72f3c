// The typed client: Eden Treaty built from the exported `App` type, driving the running service.
// `tsc --noEmit` (part of `npm test`) checks the types below: the @ts-expect-error lines fail the
// type check if the schemas stop reaching the client.
import { treaty } from '@elysiajs/eden'
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Routes } from '../../src/app.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

let cognito: TestCognito
let service: RunningService
let api: ReturnType<typeof treaty<Routes>>

beforeAll(async () => {
  cognito = await testCognito()
  service = await startService(cognito.serviceEnv())
  api = treaty<Routes>(service.url)
})
afterAll(() => service?.stop())

test('sign-up, confirm and sign-in through Eden Treaty, typed end to end', async () => {
  const email = uniqueEmail('eden')
  const signedUp = await api.signup.post({ email, password: PASSWORD, nickname: 'KIMMUSIC' })
  expect(signedUp.status).toBe(201)
  const sub: string = signedUp.data!.userSub
  const confirmed: boolean = signedUp.data!.userConfirmed
  expect(sub).toMatch(/^[0-9a-f-]{36}$/)
  expect(confirmed).toBe(false)

  const code = await cognito.codeFor(email)
  const confirmation = await api.signup.confirm.post({ email, code })
  expect(confirmation.status).toBe(200)

  const signedIn = await api.signin.post({ email, password: PASSWORD })
  expect(signedIn.status).toBe(200)
  const body = signedIn.data!
  if (!('accessToken' in body)) throw new Error(`expected tokens, got the challenge ${body.challengeName}`)
  const tokenType: 'Bearer' = body.tokenType
  expect(tokenType).toBe('Bearer')

  const me = await api.me.get({ headers: { authorization: `Bearer ${body.accessToken}` } })
  expect(me.data).toEqual({ username: body.username, sub, email, emailVerified: true, nickname: 'KIMMUSIC' })
})

test('errors come back typed as problems', async () => {
  const res = await api.signin.post({ email: uniqueEmail('eden-none'), password: PASSWORD })
  expect(res.data).toBeNull()
  if (res.error?.status !== 401) throw new Error(`expected a 401, got ${res.status}`)
  const code: string = res.error.value.code
  expect(code).toBe('not_authorized')
})

test('the client type rejects what the schema rejects', () => {
  // Type-level only: never sent.
  const calls = [
    // @ts-expect-error nickname is required by SignUpBody
    () => api.signup.post({ email: 'a@example.com', password: PASSWORD }),
    // @ts-expect-error email is a string
    () => api.signin.post({ email: 42, password: PASSWORD }),
    // @ts-expect-error no such route
    () => api.signupp.post({}),
  ]
  expect(calls).toHaveLength(3)
})
