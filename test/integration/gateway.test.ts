// The gateway over each Cognito transport: the AWS SDK and the thin JSON 1.1 client that carries
// the hot operations in production. Same calls, same answers, same errors, same retries.
// - Against cognito-local (behind the SECRET_HASH-verifying proxy): the real protocol end to end.
// - Against the benchmark's stub Cognito, for what cognito-local cannot do: throttle, fail with a
//   5xx, answer late. Refused and reset connections come from a closed port and a raw TCP server.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { startStubCognito, type StubCognito } from '../support/stub-cognito.ts'
import { createAppClient } from '../support/app-clients.ts'
import { createGatewayOverTransport, type CognitoGateway } from '../../src/cognito/gateway.ts'
import { createJsonTransport } from '../../src/cognito/json-transport.ts'
import { createNodeHttpPost } from '../../src/runtime/node/node-http-post.ts'
import { createSdkTransport } from '../../src/cognito/sdk-transport.ts'
import type { CognitoTransport } from '../../src/cognito/transport.ts'
import type { CognitoConfig } from '../../src/config.ts'
import { ProblemError } from '../../src/http/problem.ts'
import { createBunHttpPost } from '../../src/runtime/bun/bun-http-post.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { freePort, PASSWORD, uniqueEmail } from '../support/util.ts'

const TRANSPORTS: Record<string, (config: CognitoConfig) => CognitoTransport> = {
  sdk: createSdkTransport,
  json: createJsonTransport,
  // The Node entry's client; node:http runs on Bun too, so this file tests it on every target.
  'json over node:http': (config) =>
    createJsonTransport(config, createNodeHttpPost(config.connectTimeoutMs, config.maxConcurrency)),
  // The Bun entry's client, with its own keep-alive pool.
  'json over Bun sockets': (config) =>
    createJsonTransport(config, createBunHttpPost(config.connectTimeoutMs, config.maxConcurrency)),
}

const configFor = (
  endpoint: string,
  clientId: string,
  clientSecret: string | undefined,
  timeoutMs = 8000,
): CognitoConfig => ({
  userPoolId: 'local_gateway',
  clientId,
  ...(clientSecret === undefined ? {} : { clientSecret }),
  region: 'local',
  endpoint,
  issuer: `${endpoint}/local_gateway`,
  jwksUri: `${endpoint}/local_gateway/.well-known/jwks.json`,
  timeoutMs,
  connectTimeoutMs: 1000,
  maxConcurrency: 16,
  queueLimit: 64,
  refreshTokenRotation: false,
})

/** The ProblemError a gateway call failed with. */
async function problemOf(call: Promise<unknown>): Promise<ProblemError> {
  try {
    await call
  } catch (error) {
    if (error instanceof ProblemError) return error
    throw error
  }
  throw new Error('expected the call to fail')
}

let cognito: TestCognito
let stub: StubCognito
const STUB_CLIENT = 'gatewaystubclient'
const STUB_SECRET = 'gateway-stub-secret'

beforeAll(async () => {
  cognito = await testCognito()
  stub = startStubCognito({ clientId: STUB_CLIENT, clientSecret: STUB_SECRET })
})
afterAll(() => stub?.stop())

for (const [name, transport] of Object.entries(TRANSPORTS)) {
  describe(`gateway over the ${name} transport`, () => {
    const viaCognitoLocal = (secret = cognito.pool.clientSecret) =>
      createGatewayOverTransport(
        configFor(cognito.proxy.url, cognito.pool.clientId, secret),
        transport(configFor(cognito.proxy.url, cognito.pool.clientId, secret)),
      )
    const viaStub = (endpoint = stub.url, timeoutMs = 8000) => {
      const config = configFor(endpoint, STUB_CLIENT, STUB_SECRET, timeoutMs)
      return createGatewayOverTransport(config, transport(config))
    }
    const stubCalls = (operation: string) => stub.stats().byOperation[operation] ?? 0

    test('a whole session against cognito-local: sign up, confirm, sign in, profile, refresh, sign out', async () => {
      const gateway = await viaCognitoLocal()
      const email = uniqueEmail(`gw-${name}`)
      const signedUp = await gateway.signUp({ email, password: PASSWORD, nickname: 'Gate' })
      expect(signedUp.userSub).toMatch(/^[\w-]{10,}$/)
      expect(signedUp.userConfirmed).toBe(false)

      await gateway.confirmSignUp(email, await cognito.codeFor(email))
      const signedIn = await gateway.signIn({ email, password: PASSWORD })
      if (!('tokens' in signedIn)) throw new Error('expected tokens')
      const { tokens } = signedIn
      expect(tokens.idToken.split('.')).toHaveLength(3)
      expect(tokens.username).toBe(signedUp.userSub)

      const profile = await gateway.getUser(tokens.accessToken)
      expect(profile).toMatchObject({ email, nickname: 'Gate', sub: signedUp.userSub })
      const refreshed = await gateway.refresh(tokens.refreshToken!, tokens.username)
      expect(refreshed.accessToken.split('.')).toHaveLength(3)

      await gateway.globalSignOut(tokens.accessToken)
      expect((await problemOf(gateway.getUser(tokens.accessToken))).code).toBe('invalid_token')
    })

    test('rotating client: GetTokensFromRefreshToken rotates, reuse is invalid_token, a wrong secret is ours (500); RevokeToken and DeleteUser', async () => {
      const client = await createAppClient(cognito, { rotation: true })
      const config = {
        ...configFor(cognito.proxy.url, client.clientId, client.clientSecret),
        refreshTokenRotation: true,
      }
      const gateway = await createGatewayOverTransport(config, transport(config))
      const email = uniqueEmail(`gw-rot-${name}`)
      await (await viaCognitoLocal()).signUp({ email, password: PASSWORD, nickname: 'Gate' })
      await cognito.confirm(email)
      const signedIn = await gateway.signIn({ email, password: PASSWORD })
      if (!('tokens' in signedIn)) throw new Error('expected tokens')
      const first = await gateway.refresh(signedIn.tokens.refreshToken!)
      expect(first.refreshToken).toBeString()
      expect((await problemOf(gateway.refresh(signedIn.tokens.refreshToken!))).code).toBe('invalid_token')

      const wrongSecret = { ...config, clientSecret: `${client.clientSecret}x` }
      const misconfigured = await createGatewayOverTransport(wrongSecret, transport(wrongSecret))
      const problem = await problemOf(misconfigured.refresh(first.refreshToken!))
      expect([problem.code, problem.status]).toEqual(['internal_error', 500])

      await gateway.revokeToken(first.refreshToken!)
      expect((await problemOf(gateway.getUser(first.accessToken))).code).toBe('invalid_token')
      expect((await problemOf(gateway.refresh(first.refreshToken!))).code).toBe('invalid_token')

      const again = await gateway.signIn({ email, password: PASSWORD })
      if (!('tokens' in again)) throw new Error('expected tokens')
      await gateway.deleteUser(again.tokens.accessToken)
      expect((await problemOf(gateway.getUser(again.tokens.accessToken))).code).toBe('invalid_token')
      expect((await problemOf(gateway.deleteUser(again.tokens.accessToken))).code).toBe('invalid_token')
    })

    test('Cognito exceptions keep their mapping: existing account 409, wrong password 401, wrong code 400', async () => {
      const gateway = await viaCognitoLocal()
      const email = uniqueEmail(`gw-${name}`)
      await gateway.signUp({ email, password: PASSWORD, nickname: 'Gate' })
      expect((await problemOf(gateway.signUp({ email, password: PASSWORD, nickname: 'Gate' }))).code).toBe(
        'username_exists',
      )
      expect((await problemOf(gateway.confirmSignUp(email, '000000'))).code).toBe('code_mismatch')
      await gateway.confirmSignUp(email, await cognito.codeFor(email))
      const wrong = await problemOf(gateway.signIn({ email, password: `${PASSWORD}x` }))
      expect([wrong.code, wrong.status]).toEqual(['not_authorized', 401])
    })

    test('a wrong client secret is our misconfiguration (500), not the caller’s fault', async () => {
      const gateway = await viaCognitoLocal('not-the-secret')
      const problem = await problemOf(gateway.signIn({ email: uniqueEmail('gw'), password: PASSWORD }))
      expect([problem.code, problem.status]).toEqual(['internal_error', 500])
    })

    test('throttling is retried once, then answered 429 with Retry-After', async () => {
      const before = stubCalls('SignUp')
      const problem = await problemOf(
        (await viaStub()).signUp({ email: 'fault-throttle@example.com', password: PASSWORD, nickname: 'T' }),
      )
      expect([problem.code, problem.status, problem.headers?.['retry-after']]).toEqual(['too_many_requests', 429, '1'])
      expect(stubCalls('SignUp') - before).toBe(2)
    })

    test('a Cognito 5xx is retried once, then answered 502', async () => {
      const before = stubCalls('InitiateAuth')
      const problem = await problemOf((await viaStub()).signIn({ email: 'fault-500@example.com', password: PASSWORD }))
      expect([problem.code, problem.status]).toEqual(['upstream_error', 502])
      expect(stubCalls('InitiateAuth') - before).toBe(2)
    })

    test('a client error is not retried', async () => {
      const before = stubCalls('InitiateAuth')
      const problem = await problemOf((await viaStub()).signIn({ email: 'nobody@example.com', password: PASSWORD }))
      expect(problem.code).toBe('not_authorized')
      expect(stubCalls('InitiateAuth') - before).toBe(1)
    })

    test('an answer later than COGNITO_TIMEOUT_MS is a 504, at the deadline', async () => {
      const started = performance.now()
      const problem = await problemOf(
        (await viaStub(stub.url, 300)).signIn({ email: 'fault-slow@example.com', password: PASSWORD }),
      )
      expect([problem.code, problem.status]).toEqual(['upstream_timeout', 504])
      expect(performance.now() - started).toBeLessThan(1200)
    })

    test('a refused connection is a 503', async () => {
      const problem = await problemOf(
        (await viaStub(`http://127.0.0.1:${await freePort()}`)).signIn({ email: 'a@example.com', password: PASSWORD }),
      )
      expect([problem.code, problem.status]).toEqual(['upstream_unavailable', 503])
    })

    test('a connection reset mid-request is a 503', async () => {
      const resetter = Bun.listen({
        hostname: '127.0.0.1',
        port: 0,
        socket: { data: (socket) => socket.terminate() },
      })
      try {
        const problem = await problemOf(
          (await viaStub(`http://127.0.0.1:${resetter.port}`)).signIn({ email: 'a@example.com', password: PASSWORD }),
        )
        expect([problem.code, problem.status]).toEqual(['upstream_unavailable', 503])
      } finally {
        resetter.stop(true)
      }
    })

    test('the stub refuses a wrong SECRET_HASH like Cognito, so the benchmark cannot pass a broken HMAC', async () => {
      const config = { ...configFor(stub.url, STUB_CLIENT, 'wrong-secret') }
      const problem = await problemOf(
        (await createGatewayOverTransport(config, transport(config))).signIn({
          email: 'bench-signin@example.com',
          password: 'x',
        }),
      )
      expect(problem.code).toBe('internal_error')
    })
  })
}

describe('the JSON transport', () => {
  test('keeps one warm connection for sequential calls (keep-alive)', async () => {
    const local = startStubCognito({ clientId: STUB_CLIENT, clientSecret: STUB_SECRET })
    try {
      const config = configFor(local.url, STUB_CLIENT, STUB_SECRET)
      const gateway: CognitoGateway = await createGatewayOverTransport(config, createJsonTransport(config))
      for (let i = 0; i < 20; i++)
        await gateway.signIn({ email: 'bench-signin@example.com', password: 'Bench-Passw0rd!' })
      expect(local.stats()).toMatchObject({ calls: 20, connections: 1 })
    } finally {
      local.stop()
    }
  })
})
