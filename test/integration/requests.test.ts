// Requests real clients and browsers send: addresses as browsers submit them, body-less
// routes with a JSON content type, what each 401 says, and passwords passed on byte for byte. Over a
// real socket, against cognito-local behind the SECRET_HASH-verifying proxy.
import { codesOf } from '../support/openapi.ts'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import {
  bearer,
  connect,
  expectNoSecrets,
  expectProblem,
  post,
  rawRequest,
  request,
  type JsonResponse,
} from '../support/http.ts'
import { startService, type RunningService } from '../support/service.ts'
import { PASSWORD, uniqueEmail } from '../support/util.ts'

let cognito: TestCognito
let service: RunningService
const NEW_PASSWORD = 'AnotherLocalTest5678!'
const seen: string[] = [PASSWORD, NEW_PASSWORD]

beforeAll(async () => {
  cognito = await testCognito()
  seen.push(cognito.pool.clientSecret)
  service = await startService(cognito.serviceEnv())
})
afterAll(() => service?.stop())

const remember = (res: JsonResponse) => {
  for (const key of ['idToken', 'accessToken', 'refreshToken', 'session'])
    if (typeof res.body?.[key] === 'string') seen.push(res.body[key])
  return res
}
const signIn = async (email: string, password = PASSWORD) =>
  remember(await post(service.url, '/signin', { email, password }))

let counter = 0
/** `local` made unique for this run, at `domain`. */
const address = (local: string, domain: string) =>
  `${local}.${Date.now().toString(36)}${(counter++).toString(36)}@${domain}`

/** Signs up and confirms through the routes, with the address as given; answers the sign-up's userSub. */
async function confirmedAccount(email: string, ascii = email, password = PASSWORD): Promise<string> {
  const signedUp = await post(service.url, '/signup', { email, password, nickname: 'Requests' })
  expect(signedUp.status).toBe(201)
  const confirmed = await post(service.url, '/signup/confirm', { email, code: await cognito.codeFor(ascii) })
  expect(confirmed.status).toBe(200)
  return signedUp.body.userSub
}

describe('email addresses', () => {
  test.each([
    ['sales&ops', 'example.com'],
    ['first=last', 'example.com'],
    ["o'brien!#$%*+/?^_`{|}~-", 'example.com'],
    ['ivan', 'example.xn--p1ai'],
  ])('%s@%s: every route answers as for any address, and Cognito stores it as sent', async (local, domain) => {
    const email = address(local, domain)
    const sub = await confirmedAccount(email)
    const tokens = await signIn(email)
    expect(tokens.status).toBe(200)
    expect(tokens.body.username).toBe(sub)
    expect((await request(service.url, 'GET', '/me', { headers: bearer(tokens.body.accessToken) })).body.email).toBe(
      email,
    )
    expect((await post(service.url, '/signup/resend', { email })).status).toBe(200)
    expect((await post(service.url, '/password/forgot', { email })).status).toBe(202)
  })

  test('a Unicode domain is its ASCII form on every route: sign-up, resend, confirm, sign-in, forgot and reset reach one account', async () => {
    const unicode = address('ivan', 'пример.рф')
    const ascii = unicode.replace('пример.рф', 'xn--e1afmkfd.xn--p1ai')
    const signedUp = await post(service.url, '/signup', { email: unicode, password: PASSWORD, nickname: 'Ivan' })
    expect(signedUp.status).toBe(201)
    // The same account whichever form is typed: a second sign-up is a duplicate.
    expectProblem(
      await post(service.url, '/signup', { email: ascii, password: PASSWORD, nickname: 'again' }),
      409,
      'username_exists',
    )
    const resent = await post(service.url, '/signup/resend', { email: unicode })
    expect(resent.body.codeDelivery).toEqual({
      destination: 'i***@x***',
      deliveryMedium: 'EMAIL',
      attributeName: 'email',
    })
    // Code 1 from the sign-up, 2 from the resend: the resend reached the account.
    expect(
      (await post(service.url, '/signup/confirm', { email: unicode, code: await cognito.codeFor(ascii, 2) })).status,
    ).toBe(200)
    for (const email of [unicode, ascii]) {
      const res = await signIn(email)
      expect({ email, status: res.status, username: res.body.username }).toEqual({
        email,
        status: 200,
        username: signedUp.body.userSub,
      })
    }
    const profile = await request(service.url, 'GET', '/me', {
      headers: bearer((await signIn(unicode)).body.accessToken),
    })
    expect(profile.body.email).toBe(ascii)

    expect((await post(service.url, '/password/forgot', { email: unicode })).status).toBe(202)
    const code = await cognito.codeFor(ascii, 3)
    expect((await post(service.url, '/password/reset', { email: unicode, code, password: NEW_PASSWORD })).status).toBe(
      200,
    )
    expect((await signIn(ascii, NEW_PASSWORD)).status).toBe(200)
  })

  test('a Unicode domain on /signin/challenge answers the challenge of the account in ASCII form', async () => {
    const unicode = address('invited', 'пример.рф')
    const ascii = unicode.replace('пример.рф', 'xn--e1afmkfd.xn--p1ai')
    const temporary = 'TempLocalTest0000!'
    seen.push(temporary)
    await cognito.invite(ascii, temporary)
    const challenged = await signIn(unicode, temporary)
    expect(challenged.body.challengeName).toBe('NEW_PASSWORD_REQUIRED')
    const answered = remember(
      await post(service.url, '/signin/challenge', {
        email: unicode,
        challengeName: 'NEW_PASSWORD_REQUIRED',
        session: challenged.body.session,
        responses: { NEW_PASSWORD },
      }),
    )
    expect(answered.status).toBe(200)
    expect(cognito.proxy.calls.findLast((c) => c.operation === 'RespondToAuthChallenge')).toMatchObject({
      hashSent: true,
      hashValid: true,
    })
    expect((await signIn(ascii, NEW_PASSWORD)).status).toBe(200)
  })

  const EMAIL_ROUTES: Array<[string, (email: string) => Record<string, unknown>]> = [
    ['/signup', (email) => ({ email, password: PASSWORD, nickname: 'n' })],
    ['/signup/confirm', (email) => ({ email, code: '123456' })],
    ['/signup/resend', (email) => ({ email })],
    ['/signin', (email) => ({ email, password: PASSWORD })],
    [
      '/signin/challenge',
      (email) => ({ email, challengeName: 'NEW_PASSWORD_REQUIRED', session: 'AYABeC', responses: { NEW_PASSWORD } }),
    ],
    ['/password/forgot', (email) => ({ email })],
    ['/password/reset', (email) => ({ email, code: '123456', password: NEW_PASSWORD })],
  ]

  test.each(EMAIL_ROUTES)(
    '%s: a non-ASCII local part is a 400 that says mail to it cannot be delivered, with no call to Cognito',
    async (path, body) => {
      const before = cognito.proxy.calls.length
      const res = await post(service.url, path, body('jö@example.com'))
      expectProblem(res, 400, 'validation_failed', [PASSWORD, NEW_PASSWORD])
      expect(res.body.fields).toEqual(['/email'])
      expect(res.body.detail).toContain('cannot be delivered')
      expect(res.body.detail).toContain('Amazon SES')
      expect(cognito.proxy.calls.length).toBe(before)
    },
  )

  test.each([
    ['no @', 'ivan.example.com'],
    ['a space', 'iv an@example.com'],
    ['a control character', 'ivan\u0007@example.com'],
    ['a newline', 'ivan@example.com\n'],
    ['over 254 characters', `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.com`],
    ['a local part over 64 characters', `${'a'.repeat(65)}@example.com`],
    // 135 characters as typed, 283 in ASCII form.
    [
      'a Unicode domain over 254 characters in ASCII form',
      `${'a'.repeat(64)}@${Array(4).fill('日本語漢字東京大阪名古屋福岡札幌').join('.')}.jp`,
    ],
  ])('still refused, on every route: %s', async (_what, email) => {
    const before = cognito.proxy.calls.length
    for (const [path, body] of EMAIL_ROUTES) {
      const res = await post(service.url, path, body(email))
      expectProblem(res, 400, 'validation_failed', [PASSWORD, NEW_PASSWORD])
      expect({ path, fields: res.body.fields }).toEqual({ path, fields: ['/email'] })
    }
    expect(cognito.proxy.calls.length).toBe(before)
  })
})

describe('routes that take no body', () => {
  const JSON_TYPE = { 'content-type': 'application/json' }
  const BAD_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'

  test.each([
    ['an empty JSON body', JSON_TYPE, ''],
    ['an unreadable JSON body', JSON_TYPE, '{"oops'],
    ['a text body', { 'content-type': 'text/plain' }, 'hello'],
  ])('POST /signout with %s gets the bearer check’s answer', async (_what, headers, body) => {
    const res = await request(service.url, 'POST', '/signout', { headers: { ...headers, ...bearer(BAD_TOKEN) }, body })
    expectProblem(res, 401, 'invalid_token')
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
    const none = await request(service.url, 'POST', '/signout', { headers, body })
    expectProblem(none, 401, 'missing_token')
  })

  test('POST /signout with a good token, Content-Type: application/json and an empty body: 204, and the token is dead', async () => {
    const email = uniqueEmail('signout-json')
    await confirmedAccount(email)
    const { accessToken } = (await signIn(email)).body
    const res = await request(service.url, 'POST', '/signout', {
      headers: { ...JSON_TYPE, ...bearer(accessToken) },
      body: '',
    })
    expect(res.status).toBe(204)
    expectProblem(await request(service.url, 'GET', '/me', { headers: bearer(accessToken) }), 401, 'invalid_token')
  })

  test('GET /me and GET /health with a JSON content type and a body (raw, fetch sends none on GET) ignore it', async () => {
    const conn = await connect(service.port)
    try {
      const body = '{"oops'
      const headers = { ...JSON_TYPE, 'content-length': String(body.length) }
      const me = await conn.exchange(rawRequest('GET', '/me', { ...headers, ...bearer(BAD_TOKEN) }) + body)
      expect([me.status, JSON.parse(me.body).code]).toEqual([401, 'invalid_token'])
      // The same connection still works: the ignored body was consumed, not read as the next request.
      const health = await conn.exchange(rawRequest('GET', '/health', headers) + body)
      expect([health.status, health.body]).toEqual([200, 'OK'])
    } finally {
      conn.close()
    }
  })

  test('a route with a body still refuses an empty JSON body', async () => {
    expectProblem(
      await request(service.url, 'POST', '/signin', { headers: JSON_TYPE, body: '' }),
      400,
      'malformed_json',
    )
  })
})

describe('what a 401 means', () => {
  test('/signin: a wrong password is 401 with WWW-Authenticate: SignIn', async () => {
    const email = uniqueEmail('challenge-signin')
    await confirmedAccount(email)
    const res = await signIn(email, 'WrongPassword1!')
    expectProblem(res, 401, 'not_authorized', ['WrongPassword1!'])
    expect(res.headers.get('www-authenticate')).toBe('SignIn')
  })

  test('/signin/challenge: a session this service did not hand out is not a 401 but 400 session_expired', async () => {
    const res = await post(service.url, '/signin/challenge', {
      email: uniqueEmail('challenge'),
      challengeName: 'NEW_PASSWORD_REQUIRED',
      session: 'AYABeCnotasession',
      responses: { NEW_PASSWORD },
    })
    expectProblem(res, 400, 'session_expired', [NEW_PASSWORD])
    expect(res.headers.get('www-authenticate')).toBeNull()
  })

  test('/token/refresh: a refresh token that does not work is 401 with WWW-Authenticate: Bearer error="invalid_token"', async () => {
    const res = await post(service.url, '/token/refresh', {
      refreshToken: 'eyJhbGciOiJIUzI1NiJ9.e30.bm9wZQ',
      username: 'someone',
    })
    expectProblem(res, 401, 'invalid_token')
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
  })

  test('a bearer route sent the ID token (`token`, first in the sign-in answer): 401 invalid_token whose detail asks for the accessToken', async () => {
    const email = uniqueEmail('idtoken')
    await confirmedAccount(email)
    const { token, accessToken } = (await signIn(email)).body
    const res = await request(service.url, 'GET', '/me', { headers: bearer(token) })
    expectProblem(res, 401, 'invalid_token', [token])
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
    expect(res.body.detail).toContain('ID token')
    expect(res.body.detail).toContain('accessToken')
    // A forged or dead token keeps the generic detail: only a verified ID token is named as one.
    const forged = await request(service.url, 'GET', '/me', { headers: bearer(`${token.slice(0, -4)}AAAA`) })
    expectProblem(forged, 401, 'invalid_token')
    expect(forged.body.detail).not.toContain('ID token')
    expect((await request(service.url, 'GET', '/me', { headers: bearer(accessToken) })).status).toBe(200)
  })

  test('/password/change with a good token and a wrong previous password is 400 previous_password_mismatch, and the token still works', async () => {
    const email = uniqueEmail('change-wrong')
    await confirmedAccount(email)
    const { accessToken } = (await signIn(email)).body
    const res = await post(
      service.url,
      '/password/change',
      { previousPassword: 'NotTheRightOne1!', proposedPassword: NEW_PASSWORD },
      bearer(accessToken),
    )
    expectProblem(res, 400, 'previous_password_mismatch', ['NotTheRightOne1!', NEW_PASSWORD])
    expect(res.headers.get('www-authenticate')).toBeNull()
    expect(res.body.detail.toLowerCase()).not.toContain('email')
    expect((await request(service.url, 'GET', '/me', { headers: bearer(accessToken) })).status).toBe(200)
    expect((await signIn(email)).status).toBe(200)
  })
})

describe('passwords', () => {
  // "Passwört" with ö precomposed (NFC: U+00F6) and decomposed (NFD: o + U+0308): the same text to a
  // reader, different bytes. Cognito compares bytes; so must everything on the way to it.
  const NFC = 'Passw\u00f6rt-Local1234'
  const NFD = 'Passwo\u0308rt-Local1234'
  seen.push(NFC, NFD)

  test('a password is passed on byte for byte, never normalised: NFD does not sign in an NFC password, NFC does', async () => {
    expect(NFC.normalize('NFD')).toBe(NFD)
    expect(NFC).not.toBe(NFD)
    const email = uniqueEmail('nfc')
    await confirmedAccount(email, email, NFC)
    expectProblem(await signIn(email, NFD), 401, 'not_authorized', [NFC, NFD])
    expect((await signIn(email, NFC)).status).toBe(200)
  })

  test('the other way round: an NFD password signs in with NFD only', async () => {
    const email = uniqueEmail('nfd')
    await confirmedAccount(email, email, NFD)
    expectProblem(await signIn(email, NFC), 401, 'not_authorized', [NFC, NFD])
    expect((await signIn(email, NFD)).status).toBe(200)
  })
})

describe('the OpenAPI document says the same', () => {
  test('/password/change: a wrong previous password is a 400 code; its 401 is about the token only', async () => {
    const document = (await request(service.url, 'GET', '/swagger/json')).body
    const responses = document.paths['/password/change'].post.responses
    expect(codesOf(responses['400'].content['application/problem+json'].schema)).toContain('previous_password_mismatch')
    expect(codesOf(responses['401'].content['application/problem+json'].schema).sort()).toEqual([
      'invalid_token',
      'missing_token',
    ])
  })

  test('every route that takes an email documents the one Email schema', async () => {
    const document = (await request(service.url, 'GET', '/swagger/json')).body
    const emails = Object.entries(
      document.paths as Record<
        string,
        { post?: { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } } }
      >,
    )
      .map(
        ([path, item]) => [path, item.post?.requestBody?.content['application/json']?.schema.properties.email] as const,
      )
      .filter(([, email]) => email !== undefined)
    expect(emails.map(([path]) => path).sort()).toEqual([
      '/me/email',
      '/password/forgot',
      '/password/reset',
      '/signin',
      '/signin/challenge',
      '/signin/mfa-setup',
      '/signin/mfa-setup/verify',
      '/signin/passwordless',
      '/signup',
      '/signup/confirm',
      '/signup/resend',
    ])
    for (const [path, email] of emails) {
      expect({ path, email }).toEqual({ path, email: emails[0]![1] })
      expect(email).toMatchObject({ type: 'string', format: 'email', maxLength: 254 })
    }
  })
})

test('no password, token or secret from this file reached a log line', async () => {
  await Bun.sleep(50)
  expectNoSecrets(service.lines, seen)
})
