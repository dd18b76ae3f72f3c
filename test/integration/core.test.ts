// The seed's three routes over a real socket, against a real cognito-local behind the
// SECRET_HASH-verifying proxy.
import { describe, expect, test } from 'bun:test'
import { expectNoSecrets, expectProblem, post, request } from '../support/http.ts'
import { confirmedAccount, signedInAccount } from '../support/accounts.ts'
import { requireExecutable } from '../support/requirements.ts'
import { expectedRuntime, serviceForFile, serviceTarget, startService } from '../support/service.ts'
import { PASSWORD, uniqueEmail, waitFor } from '../support/util.ts'

const file = serviceForFile()
/** Every credential this file handles; none may show up in a log line. */
const { seen } = file

const signUp = (email: string, password = PASSWORD, nickname = 'KIMMUSIC') =>
  post(file.service.url, '/signup', { email, password, nickname })

describe('GET /health', () => {
  test('200 text/plain OK, without calling Cognito', async () => {
    const before = file.cognito.proxy.calls.length
    const res = await request(file.service.url, 'GET', '/health')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/plain')
    expect(res.text).toBe('OK')
    expect(file.cognito.proxy.calls.length).toBe(before)
  })
})

describe('POST /signup', () => {
  test("the seed's curl works unchanged and answers the seed's message", async () => {
    // The blog post's command, byte for byte, with only the port changed. Its email may already exist
    // in the shared pool if the suite ran before against the same data, so the pool is per run.
    requireExecutable('curl', 'curl', "Replaying the seed's curl example")
    const proc = Bun.spawn(
      [
        'curl',
        '-s',
        '-w',
        '\n%{http_code}',
        '-X',
        'POST',
        `http://localhost:${file.service.port}/signup`,
        '-H',
        'Content-Type: application/json',
        '-d',
        '{"email":"20250201test@example.com", "password":"ThisisLocalTest1234@", "nickname":"KIMMUSIC"}',
      ],
      { stdout: 'pipe' },
    )
    const out = await new Response(proc.stdout).text()
    const [body, status] = out.trimEnd().split('\n')
    expect(status).toBe('201')
    const json = JSON.parse(body!)
    expect(json.message).toBe('User signed up successfully!')
    expect(json.userSub).toMatch(/^[0-9a-f-]{36}$/)
    expect(json.userConfirmed).toBe(false)
    expect(json.codeDelivery).toEqual({
      destination: '20250201test@example.com',
      deliveryMedium: 'EMAIL',
      attributeName: 'email',
    })
  })

  test('201 with the user sub; the SECRET_HASH reached Cognito and was valid', async () => {
    const email = uniqueEmail('signup')
    const res = await signUp(email)
    expect(res.status).toBe(201)
    expect(res.headers.get('content-type')).toStartWith('application/json')
    expect(res.body).toMatchObject({ message: 'User signed up successfully!', userConfirmed: false })
    const call = file.cognito.proxy.calls.findLast((c) => c.operation === 'SignUp')!
    expect(call).toMatchObject({ clientId: file.cognito.pool.clientId, hashSent: true, hashValid: true })
  })

  test('a duplicate sign-up is 409 username_exists', async () => {
    const email = uniqueEmail('dup')
    expect((await signUp(email)).status).toBe(201)
    expectProblem(await signUp(email), 409, 'username_exists', [PASSWORD])
  })

  test('the nickname is stored on the user', async () => {
    const email = uniqueEmail('nick')
    const { tokens } = await signedInAccount(file.service.url, file.cognito, { email, nickname: '닉네임 ✓', seen })
    const attributes = await file.cognito.userAttributes(tokens.accessToken)
    expect(attributes).toMatchObject({ email, nickname: '닉네임 ✓' })
  })
})

describe('POST /signin', () => {
  test('before confirmation: 403 user_not_confirmed', async () => {
    const email = uniqueEmail('unconfirmed')
    await signUp(email)
    expectProblem(await post(file.service.url, '/signin', { email, password: PASSWORD }), 403, 'user_not_confirmed', [
      PASSWORD,
    ])
  })

  test("after confirmation: the tokens, the seed's `token` field and the Cognito username", async () => {
    const email = uniqueEmail('signin')
    const { userSub } = await confirmedAccount(file.service.url, file.cognito, { email })
    const res = await post(file.service.url, '/signin', { email, password: PASSWORD })
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = res.body
    seen.push(body.idToken, body.accessToken, body.refreshToken)
    expect(body.token).toBe(body.idToken)
    expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600, username: userSub })
    for (const jwt of [body.idToken, body.accessToken]) expect(jwt.split('.')).toHaveLength(3)
    expect(typeof body.refreshToken).toBe('string')
    const claims = JSON.parse(Buffer.from(body.idToken.split('.')[1], 'base64url').toString())
    expect(claims.email).toBe(email)
    const call = file.cognito.proxy.calls.findLast((c) => c.operation === 'InitiateAuth')!
    expect(call).toMatchObject({ hashSent: true, hashValid: true })
  })

  test('wrong password and unknown user get byte-identical 401 bodies', async () => {
    const email = uniqueEmail('enum')
    await confirmedAccount(file.service.url, file.cognito, { email })
    const wrong = await post(file.service.url, '/signin', { email, password: 'WrongPassword1!' })
    const unknown = await post(file.service.url, '/signin', { email: uniqueEmail('nobody'), password: PASSWORD })
    expectProblem(wrong, 401, 'not_authorized', ['WrongPassword1!'])
    expectProblem(unknown, 401, 'not_authorized', [PASSWORD])
    expect(wrong.text).toBe(unknown.text)
    expect(wrong.headers.get('content-type')).toBe(unknown.headers.get('content-type'))
  })
})

describe('SECRET_HASH against the verifying proxy', () => {
  test('a wrong client secret is a 500 internal_error with a generic detail, cause logged server-side', async () => {
    const wrongSecret = 'not-the-real-secret-0123456789'
    seen.push(wrongSecret)
    const bad = await startService(file.cognito.serviceEnv({ COGNITO_CLIENT_SECRET: wrongSecret }))
    try {
      const res = await post(bad.url, '/signup', { email: uniqueEmail('badsecret'), password: PASSWORD, nickname: 'n' })
      expectProblem(res, 500, 'internal_error', [wrongSecret, PASSWORD, 'secret hash'])
      expect(file.cognito.proxy.calls.findLast((c) => c.operation === 'SignUp')).toMatchObject({
        hashSent: true,
        hashValid: false,
      })
      // Log lines leave at the end of the event-loop turn, and reach us through a pipe: wait for it.
      const logged = await waitFor(() => bad.logs().find((l) => l.msg === 'request failed'), 'the failure log line')
      expect(logged).toMatchObject({ code: 'internal_error', error: { name: 'ClientSecretRefused' } })
      expect(JSON.stringify(logged)).toContain('Unable to verify secret hash')
      expectNoSecrets(bad.lines, [wrongSecret, PASSWORD])
    } finally {
      await bad.stop()
    }
  })

  test("/signout/device with a wrong client secret: RevokeToken refuses the secret, a 500 (our configuration), never the caller's 401", async () => {
    const wrongSecret = 'not-the-real-secret-revoke-0123456789'
    seen.push(wrongSecret)
    const { tokens, auth } = await signedInAccount(file.service.url, file.cognito, { tag: 'revoke-secret', seen })
    const bad = await startService(file.cognito.serviceEnv({ COGNITO_CLIENT_SECRET: wrongSecret }))
    try {
      const res = await post(bad.url, '/signout/device', { refreshToken: tokens.refreshToken }, auth)
      expectProblem(res, 500, 'internal_error', [wrongSecret, tokens.refreshToken])
      const logged = await waitFor(() => bad.logs().find((l) => l.msg === 'request failed'), 'the failure log line')
      expect(logged).toMatchObject({ code: 'internal_error', error: { name: 'ClientSecretRefused' } })
      expectNoSecrets(bad.lines, [wrongSecret, tokens.refreshToken])
    } finally {
      await bad.stop()
    }
  })

  test('a public client (no secret configured) sends no SECRET_HASH at all', async () => {
    const pub = await startService(
      file.cognito.serviceEnv({ COGNITO_CLIENT_ID: file.cognito.publicClientId, COGNITO_CLIENT_SECRET: undefined }),
    )
    try {
      const email = uniqueEmail('public')
      expect((await post(pub.url, '/signup', { email, password: PASSWORD, nickname: 'n' })).status).toBe(201)
      expect(file.cognito.proxy.calls.findLast((c) => c.operation === 'SignUp')).toMatchObject({
        clientId: file.cognito.publicClientId,
        hashSent: false,
      })
    } finally {
      await pub.stop()
    }
  })
})

describe('operations', () => {
  test(`runs on the runtime SERVICE_TARGET names (${serviceTarget()})`, () => {
    const listening = file.service.logs().find((l) => l.msg === 'listening')
    expect(String(listening?.runtime)).toStartWith(expectedRuntime())
  })

  test('X-Request-Id is echoed when well-formed, generated otherwise, and logged', async () => {
    const given = await request(file.service.url, 'GET', '/health', { headers: { 'x-request-id': 'trace-abc.123' } })
    expect(given.headers.get('x-request-id')).toBe('trace-abc.123')
    const generated = await request(file.service.url, 'GET', '/health', {
      headers: { 'x-request-id': 'bad id\twith tab' },
    })
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    await Bun.sleep(50)
    const entry = file.service.logs().find((l) => l.reqId === 'trace-abc.123')
    expect(entry).toMatchObject({ level: 'info', msg: 'request', method: 'GET', path: '/health', status: 200 })
    expect(typeof entry!.durationMs).toBe('number')
    expect(typeof entry!.ip).toBe('string')
    expect(typeof entry!.time).toBe('string')
  })

  test('a failed request keeps the base headers, and its access-log line has the problem status', async () => {
    const res = await request(file.service.url, 'POST', '/signin', {
      headers: { 'x-request-id': 'failed-req.1', 'content-type': 'application/json' },
      body: '{}',
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('x-request-id')).toBe('failed-req.1')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const entry = await waitFor(
      () => file.service.logs().find((l) => l.reqId === 'failed-req.1'),
      'the access-log line',
    )
    expect(entry).toMatchObject({ msg: 'request', path: '/signin', status: 400 })
  })

  test('one JSON log line per request, and none holds a password, token or the client secret', async () => {
    const before = file.service.logs().filter((l) => l.msg === 'request').length
    await request(file.service.url, 'GET', '/health')
    await post(file.service.url, '/signin', { email: uniqueEmail('x'), password: PASSWORD })
    await Bun.sleep(50)
    expect(file.service.logs().filter((l) => l.msg === 'request').length).toBe(before + 2)
    expect(file.service.lines.every((line) => JSON.parse(line))).toBe(true)
    expectNoSecrets(file.service.lines, seen)
  })
})
