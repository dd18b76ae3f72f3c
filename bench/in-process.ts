// What the service's own work costs per request, with no socket: the product's createApp(...).handle
// over its real gateway, against an in-process ceiling doing the least the same answer needs. Cognito
// is a canned answer behind the HttpPost seam (src/cognito/http-post.ts), so the product's whole
// path runs: validation, SECRET_HASH with Web Crypto, the JSON client, its deadline and metrics,
// mapping the answer, the access line and the auth event (built as in production, then dropped).
//   bun bench/in-process.ts [--requests N] [--rounds R] [--src DIR]
// Pin it to one CPU for steadier figures: `taskset -c 0 bun bench/in-process.ts`.
// 64 requests are in flight at once, as wrk's 64 connections keep them; the figure is the process's
// CPU time (every thread: Web Crypto signs off the JavaScript thread) per request, the least of R
// interleaved rounds (someone else's burst only ever adds time).
// --src: another checkout's src/ (e.g. an older commit's, unpacked with `git archive`), to compare
// before and after a change; it must export what this one does (createApp, createGateway…).
import { resolve } from 'node:path'
import type { HttpPost } from '../src/cognito/http-post.ts'
import { createSecretHasher } from '../src/cognito/secret-hash.ts'
import { CLIENT_ID, CLIENT_SECRET, numberOption, ROOT, USER_POOL_ID } from './harness.ts'

const args = process.argv.slice(2)
const requests = numberOption(args, '--requests') ?? 10_000
const rounds = numberOption(args, '--rounds') ?? 7
const srcAt = args.indexOf('--src')
const src = srcAt === -1 ? resolve(ROOT, 'src') : resolve(args[srcAt + 1]!)
const IN_FLIGHT = 64

const { createApp } = await import(`${src}/app.ts`)
const { parseConfig } = await import(`${src}/config.ts`)
const { createLogger } = await import(`${src}/logging.ts`)
const { createGateway } = await import(`${src}/cognito/gateway.ts`)
const { createMetrics } = await import(`${src}/observability/metrics.ts`)

// Cognito's answers, shaped and sized like real ones: three tokens of about 1 KB, 1 KB and 1.7 KB.
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const jwt = (claims: object) =>
  `${base64url({ kid: 'bench', alg: 'RS256' })}.${base64url(claims)}.${Buffer.alloc(256, 7).toString('base64url')}`
const sub = crypto.randomUUID()
const common = { sub, iss: `https://cognito-idp.eu-west-1.amazonaws.com/${USER_POOL_ID}`, iat: 1, exp: 3601 }
const SIGN_IN_ANSWER = JSON.stringify({
  AuthenticationResult: {
    IdToken: jwt({ ...common, 'cognito:username': sub, email: 'bench@example.com', token_use: 'id', aud: CLIENT_ID }),
    AccessToken: jwt({ ...common, username: sub, client_id: CLIENT_ID, token_use: 'access', scope: 'aws.cognito' }),
    RefreshToken: 'r'.repeat(1700),
    ExpiresIn: 3600,
    TokenType: 'Bearer',
  },
  ChallengeParameters: {},
})
const SIGN_UP_ANSWER = JSON.stringify({
  UserSub: sub,
  UserConfirmed: false,
  CodeDeliveryDetails: { Destination: 'b***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' },
})
const cannedPost: HttpPost = async (_url, headers) => ({
  status: 200,
  header: () => null,
  text: headers['x-amz-target']!.endsWith('.SignUp') ? SIGN_UP_ANSWER : SIGN_IN_ANSWER,
})

type Handle = (request: Request) => Promise<Response>

/** The product as deployed (TRUST_PROXY, metrics on), over the canned Cognito. */
async function product(): Promise<Handle> {
  const config = parseConfig({
    COGNITO_USER_POOL_ID: USER_POOL_ID,
    COGNITO_CLIENT_ID: CLIENT_ID,
    COGNITO_CLIENT_SECRET: CLIENT_SECRET,
    COGNITO_ENDPOINT: 'http://cognito.invalid',
    RATE_LIMITS_ENABLED: 'false',
    TRUST_PROXY: 'true',
  })
  const metrics = createMetrics()
  const gateway = await createGateway(config.cognito, { post: cannedPost, metrics })
  const app = createApp({
    config,
    gateway,
    verifyAccessToken: async () => {
      throw new Error('no bearer route is measured')
    },
    // Lines are built as in production and dropped: writing them is not the app's work.
    logger: createLogger({ level: 'info', write: () => {} }),
    metrics,
  })
  // A server turns the event loop between requests, and the app builds the whole API in such a turn
  // after its first /health (src/app.ts); a loop of requests alone never would.
  await app.handle(new Request('http://bench.test/health'))
  await Bun.sleep(1)
  return app.handle
}

/** The least the same answers need (bench/ceiling.ts's work): parse, SECRET_HASH, one call, copy. */
async function ceiling(): Promise<Handle> {
  const secretHash = (await createSecretHasher(CLIENT_ID, CLIENT_SECRET))!
  const call = async (operation: string, body: unknown) =>
    (
      await cannedPost(
        '',
        { 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
        JSON.stringify(body),
        AbortSignal.abort(),
      )
    ).text
  const json = (body: string, status: number) =>
    new Response(body, { status, headers: { 'content-type': 'application/json' } })
  return async (request) => {
    const path = new URL(request.url).pathname
    if (path === '/health') return new Response('OK')
    const { email, password, nickname } = (await request.json()) as Record<string, string>
    const SecretHash = await secretHash(email!)
    if (path === '/signup')
      return json(
        await call('SignUp', {
          ClientId: CLIENT_ID,
          Username: email,
          Password: password,
          SecretHash,
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'nickname', Value: nickname },
          ],
        }),
        201,
      )
    return json(
      await call('InitiateAuth', {
        ClientId: CLIENT_ID,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: email, PASSWORD: password, SECRET_HASH: SecretHash },
      }),
      200,
    )
  }
}

let n = 0
const post = (path: string, body: () => object) => () =>
  new Request(`http://bench.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
    body: JSON.stringify(body()),
  })
const ROUTES: Record<string, () => Request> = {
  'GET /health': () => new Request('http://bench.test/health', { headers: { 'x-forwarded-for': '203.0.113.7' } }),
  'POST /signup': post('/signup', () => ({
    email: `bench-${n++}@example.com`,
    password: 'Bench-Passw0rd!',
    nickname: 'b',
  })),
  'POST /signin': post('/signin', () => ({ email: 'bench@example.com', password: 'Bench-Passw0rd!' })),
}

/** CPU µs per request over `count` requests, IN_FLIGHT at a time. */
async function cpuPerRequest(handle: Handle, make: () => Request, count: number): Promise<number> {
  const worker = async () => {
    for (let i = 0; i < count / IN_FLIGHT; i++) {
      const response = await handle(make())
      if (response.status >= 300) throw new Error(`${response.status}: ${await response.text()}`)
      await response.arrayBuffer()
    }
  }
  const before = process.cpuUsage()
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  const used = process.cpuUsage(before)
  return (used.user + used.system) / count
}

const targets = { ceiling: await ceiling(), product: await product() }
console.log(`in process, ${IN_FLIGHT} in flight, CPU µs per request, least of ${rounds} rounds of ${requests} (${src})`)
for (const [name, make] of Object.entries(ROUTES)) {
  const best = { ceiling: Infinity, product: Infinity }
  for (const handle of Object.values(targets)) await cpuPerRequest(handle, make, 2_000)
  for (let round = 0; round < rounds; round++)
    for (const [target, handle] of Object.entries(targets) as [keyof typeof best, Handle][])
      best[target] = Math.min(best[target], await cpuPerRequest(handle, make, requests))
  const ratio = best.ceiling / best.product
  console.log(
    `${name.padEnd(13)} ceiling ${best.ceiling.toFixed(1).padStart(6)}  product ${best.product.toFixed(1).padStart(6)}  ` +
      `ratio ${ratio.toFixed(2)}×  ours ${(best.product - best.ceiling).toFixed(1)} µs`,
  )
}
