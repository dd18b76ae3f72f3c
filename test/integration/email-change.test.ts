// Changing the email end to end: the service over a socket against the local Cognito, whose pool
// keeps the current address until the new one is verified (dev/local-cognito/email-change.cjs).
// Codes are read from what the emulator "emails". Runs on Bun, Node and the binary (SERVICE_TARGET).
import { describe, expect, test } from 'bun:test'
import { expectNoSecrets, expectProblem, post, request } from '../support/http.ts'
import { signedInAccount } from '../support/accounts.ts'
import { serviceForFile } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

const file = serviceForFile()
const { seen } = file

const signIn = (email: string) => post(file.service.url, '/signin', { email, password: PASSWORD })

const signedInUser = (tag: string) => signedInAccount(file.service.url, file.cognito, { tag, seen })

describe('POST /me/email and POST /me/email/verify', () => {
  test('the old address keeps working until the code sent to the new one is verified', async () => {
    const { email, auth } = await signedInUser('mail')
    const next = uniqueEmail('mailnew')
    const changed = await post(file.service.url, '/me/email', { email: next }, auth)
    expect(changed.status).toBe(202)
    expect(changed.body.codeDelivery).toEqual({
      destination: 'm***@e***',
      deliveryMedium: 'EMAIL',
      attributeName: 'email',
    })
    const code = await file.cognito.codeFor(next)

    // Pending: the old address signs in and gets the reset code; the new one is nobody's yet.
    expect((await signIn(email)).status).toBe(200)
    expectProblem(await signIn(next), 401, 'not_authorized')
    expect((await post(file.service.url, '/password/forgot', { email })).status).toBe(202)
    expect(await file.cognito.codeFor(email, 2)).toMatch(/^\d+$/)
    expect((await request(file.service.url, 'GET', '/me', { headers: auth })).body.email).toBe(email)

    expectProblem(
      await post(file.service.url, '/me/email/verify', { code: code === '000000' ? '111111' : '000000' }, auth),
      400,
      'code_mismatch',
    )
    const verified = await post(file.service.url, '/me/email/verify', { code }, auth)
    expect(verified.status).toBe(204)

    expect((await signIn(next)).status).toBe(200)
    expectProblem(await signIn(email), 401, 'not_authorized')
    const profile = await request(file.service.url, 'GET', '/me', { headers: auth })
    expect({ email: profile.body.email, emailVerified: profile.body.emailVerified }).toEqual({
      email: next,
      emailVerified: true,
    })
  })

  test('an address another account has: 409 username_exists, and nothing changes', async () => {
    const { email, auth } = await signedInUser('mailtaker')
    const other = await signedInUser('mailtaken')
    expectProblem(await post(file.service.url, '/me/email', { email: other.email }, auth), 409, 'username_exists')
    expect((await signIn(email)).status).toBe(200)
  })

  test('a code with nothing pending: 400 code_mismatch', async () => {
    const { auth } = await signedInUser('mailnone')
    expectProblem(await post(file.service.url, '/me/email/verify', { code: '123456' }, auth), 400, 'code_mismatch')
  })

  test('bad input: 400 validation_failed, no Cognito call', async () => {
    const { auth } = await signedInUser('mailbad')
    const before = file.cognito.proxy.calls.length
    expectProblem(await post(file.service.url, '/me/email', { email: 'not-an-email' }, auth), 400, 'validation_failed')
    expectProblem(await post(file.service.url, '/me/email/verify', { code: '' }, auth), 400, 'validation_failed')
    expect(file.cognito.proxy.calls.length).toBe(before)
  })

  test('no secret, token or password in any log line', () => {
    expectNoSecrets(file.service.lines, seen)
  })
})
