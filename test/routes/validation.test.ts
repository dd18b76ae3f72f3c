// What a refused request says, on any route (src/http/validation-problem.ts, src/http/route-methods.ts,
// src/http/body.ts): the rule each declared field broke, never its value or a name the client chose;
// the body limit in bytes; 405 with Allow on a path with a parameter. In process, stub gateway.
import { describe, expect, test } from 'bun:test'
import { expectProblem } from '../support/http.ts'
import { inProcessApp, signedInApp } from '../support/in-process-app.ts'
import { PASSWORD } from '../support/util.ts'

const EMAIL = 'kim.music@example.com'
const SECRET = 'Sup3r$ecretPassw0rd!'

describe('validation_failed says the rule', () => {
  test.each([
    [
      'a nickname too long',
      { nickname: SECRET.padEnd(2049, 'x') },
      '/nickname',
      'nickname must be at most 2048 characters',
    ],
    ['no nickname', { nickname: undefined }, '/nickname', 'nickname is missing'],
    [
      'a password with a leading space',
      { password: ` ${SECRET}` },
      '/password',
      'password must not start or end with a space, nor contain control characters',
    ],
    ['an empty password', { password: '' }, '/password', 'password must not be empty'],
    ['a number for the email', { email: 12345678 }, '/email', 'email must be a string'],
    ['not an email', { email: `${SECRET}-not-an-email` }, '/email', 'email must be an email address'],
    [
      'a line break in the nickname',
      { nickname: `a\n${SECRET}` },
      '/nickname',
      'nickname must not contain control characters',
    ],
  ])('POST /signup, %s: the field and its rule, never the value', async (_, change, field, rule) => {
    const { call, stub } = inProcessApp()
    const res = await call('POST', '/signup', { json: { email: EMAIL, password: PASSWORD, nickname: 'n', ...change } })
    expectProblem(res, 400, 'validation_failed', [SECRET])
    expect(res.body.fields).toEqual([field])
    expect(res.body.detail).toStartWith(rule)
    expect(stub.calls).toEqual([])
  })

  test('a choice outside the list names the choices', async () => {
    const res = await inProcessApp().call('POST', '/signin/passwordless', { json: { email: EMAIL, method: 'sms' } })
    expectProblem(res, 400, 'validation_failed', ['sms'])
    expect(res.body.detail).toBe('method must be one of: email_otp, passkey.')
  })

  test('a TOTP code that is not 6 digits says so', async () => {
    const { call, auth } = await signedInApp(EMAIL, PASSWORD)
    const res = await call('POST', '/me/mfa/totp/verify', { json: { code: '12a456' }, headers: auth })
    expectProblem(res, 400, 'validation_failed', ['12a456'])
    expect(res.body.detail).toBe('code must be 6 digits.')
  })
})

describe('record fields take only an object, and names the client chose are never echoed', () => {
  const challenge = (responses: unknown) =>
    inProcessApp().call('POST', '/signin/challenge', {
      json: { email: EMAIL, challengeName: 'NEW_PASSWORD_REQUIRED', session: 'AYABeC', responses },
    })

  test.each([
    ['a string', 'NEW_PASSWORD'],
    ['an array', ['NEW_PASSWORD']],
    ['an empty array', []],
    ['an answer name the pattern refuses', { 'evil<script>': 'x' }],
  ])('/signin/challenge responses as %s: 400 naming /responses only', async (_, responses) => {
    const res = await challenge(responses)
    expectProblem(res, 400, 'validation_failed', ['evil'])
    expect(res.body.fields).toEqual(['/responses'])
  })

  test('an answer that breaks its rule is reported on /responses, not under the name the client chose', async () => {
    const res = await challenge({ MY_OWN_NAME: 'a\u0000b' })
    expectProblem(res, 400, 'validation_failed', ['MY_OWN_NAME'])
    expect(res.body.fields).toEqual(['/responses'])
    expect(res.body.detail).toBe(
      'responses has an entry that must not contain control characters (line breaks, tabs, escape sequences).',
    )
  })

  test('unknown top-level fields beside a missing one are not named', async () => {
    const res = await inProcessApp().call('POST', '/signin/challenge', {
      json: { email: EMAIL, session: 'AYABeC', responses: { A: 'b' }, myUnknownField: 1 },
    })
    expectProblem(res, 400, 'validation_failed', ['myUnknownField'])
    expect(res.body.fields).toEqual(['/challengeName'])
  })

  test.each([
    ['a string', SECRET],
    ['an array', [SECRET]],
    ['an empty object', {}],
    ['an object with a made-up field name', { 'my own field': 1 }],
  ])('/me/passkeys credential as %s: 400 naming /credential only, no gateway call', async (_, credential) => {
    const { call, auth, stub } = await signedInApp(EMAIL, PASSWORD)
    const before = stub.calls.length
    const res = await call('POST', '/me/passkeys', { json: { credential }, headers: auth })
    expectProblem(res, 400, 'validation_failed', [SECRET, 'my own field'])
    expect(res.body.fields).toEqual(['/credential'])
    expect(stub.calls.length).toBe(before)
  })
})

describe('limits and methods', () => {
  test('413 payload_too_large gives the limit in bytes', async () => {
    const res = await inProcessApp().call('POST', '/signin', {
      body: JSON.stringify({ email: EMAIL, password: 'x'.repeat(17 * 1024) }),
      headers: { 'content-type': 'application/json' },
    })
    expectProblem(res, 413, 'payload_too_large')
    expect(res.body.detail).toContain('16384 bytes')
  })

  test.each([
    ['PUT', '/sessions/abc', 'DELETE'],
    ['GET', '/me/passkeys/abc', 'DELETE'],
    ['GET', '/me/passkeys/options', 'POST, DELETE'],
    ['PATCH', '/me/', 'GET, DELETE'],
  ])('%s %s: 405 with Allow: %s', async (method, path, allow) => {
    const res = await inProcessApp().call(method, path)
    expectProblem(res, 405, 'method_not_allowed')
    expect(res.headers.get('allow')).toBe(allow)
  })

  test('a path no route has, even one level under a parameter route, is 404', async () => {
    expectProblem(await inProcessApp().call('PUT', '/sessions/abc/more'), 404, 'not_found')
  })
})
