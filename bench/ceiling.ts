// The ceiling: what the routes cost with no framework, no SDK, no validation and no logging.
// A raw Bun.serve, SECRET_HASH with Web Crypto and the key imported once, one hand-built fetch() to
// the stub per call, its answer copied back. The product is measured against this. The HMAC is Web
// Crypto's, as the product's must be (one standard API on every runtime): the least any service
// under the same requirement must do, so the ratio measures our overhead, not the requirement's.
//
// CEILING_FLOOR=1 (the benchmark's `floor` target, bench/run.ts) adds what every request must do,
// still without a framework (bench/floor.ts): on every answer the security headers and request id
// and one access-log line; on the Cognito routes also the body's check, an answer built from
// declared fields only, the per-call deadline, the metrics, mapping Cognito's answer and the
// auth-event line. Between the ceiling and this "floor" is the cost of the requirements; between
// the floor and the product, ours.
import { createSecretHasher } from '../src/cognito/secret-hash.ts'
import { createFloor, type FloorAnswer } from './floor.ts'
import { createTokenVerifier, identityOf } from './token-verifier.mjs'

const {
  PORT = '0',
  COGNITO_ENDPOINT,
  COGNITO_CLIENT_ID = '',
  COGNITO_CLIENT_SECRET = '',
  COGNITO_ISSUER = '',
  CEILING_FLOOR,
} = process.env
const hasher = await createSecretHasher(COGNITO_CLIENT_ID, COGNITO_CLIENT_SECRET)
if (!hasher) throw new Error('the ceiling needs COGNITO_CLIENT_SECRET')
const secretHash = hasher

const call = (operation: string, body: unknown, signal?: AbortSignal) =>
  fetch(`${COGNITO_ENDPOINT}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(body),
    signal,
  })

const floor =
  CEILING_FLOOR === '1'
    ? createFloor({
        clientId: COGNITO_CLIENT_ID,
        clientSecret: COGNITO_CLIENT_SECRET,
        secretHash,
        call: async (operation, input, signal) => {
          const upstream = await call(operation, input, signal)
          return { status: upstream.status, text: await upstream.text() }
        },
      })
    : undefined
const respond = (floorAnswer: FloorAnswer) =>
  new Response(floorAnswer.body, { status: floorAnswer.status, headers: floorAnswer.headers })

// The floor's per-answer work: the product's headers and its access-log line (bench/floor.ts).
function answer(request: Request, startedAt: number, body: string, status: number, type: string): Response {
  if (!floor) return new Response(body, { status, headers: { 'content-type': type } })
  const ip = request.headers.get('x-forwarded-for')
  return respond(
    floor.answer({ method: request.method, path: new URL(request.url).pathname, ip }, startedAt, status, type, body),
  )
}

// The ceiling's Cognito routes: the answer's bytes copied back (the floor has its own, bench/floor.ts).
const copy = async (upstream: Response, okStatus: number) =>
  new Response(await upstream.arrayBuffer(), {
    status: upstream.ok ? okStatus : upstream.status,
    headers: { 'content-type': 'application/json' },
  })

// The token check (bench/token-verifier.mjs), answering the identity as headers and body.
const tokenVerifier = createTokenVerifier(COGNITO_ISSUER, COGNITO_CLIENT_ID)
async function checkToken(request: Request): Promise<Response> {
  const startedAt = floor ? performance.now() : 0
  const authorization = request.headers.get('authorization') ?? ''
  try {
    const { body, headers } = identityOf(await tokenVerifier.verify(authorization.slice(7)))
    const response = answer(request, startedAt, body, 200, 'application/json')
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value)
    return response
  } catch {
    return answer(request, startedAt, '', 401, 'text/plain')
  }
}

// The floor's Cognito routes in place of the ceiling's.
const floorCognitoRoutes = floor
  ? Object.fromEntries(
      floor.routes.map((route) => [
        route.path,
        {
          POST: async (request: Request) =>
            respond(await floor.cognito(route, request.headers.get('x-forwarded-for'), () => request.json())),
        },
      ]),
    )
  : {}

const server = Bun.serve({
  port: Number(PORT),
  routes: {
    // A handler, not a static Response: Bun answers static routes natively without running any
    // JavaScript, which no service that logs its requests can do.
    '/health': (request) =>
      floor ? answer(request, performance.now(), 'OK', 200, 'text/plain; charset=utf-8') : new Response('OK'),
    '/token/verify': checkToken,
    '/signup': {
      async POST(request) {
        const { email, password, nickname } = (await request.json()) as Record<string, string>
        const upstream = await call('SignUp', {
          ClientId: COGNITO_CLIENT_ID,
          Username: email,
          Password: password,
          SecretHash: await secretHash(email!),
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'nickname', Value: nickname },
          ],
        })
        return copy(upstream, 201)
      },
    },
    '/signin': {
      async POST(request) {
        const { email, password } = (await request.json()) as Record<string, string>
        const upstream = await call('InitiateAuth', {
          ClientId: COGNITO_CLIENT_ID,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: {
            USERNAME: email,
            PASSWORD: password,
            SECRET_HASH: await secretHash(email!),
          },
        })
        return copy(upstream, 200)
      },
    },
    // Passwordless start: USER_AUTH with EMAIL_OTP preferred, the challenge copied back.
    '/signin/passwordless': {
      async POST(request) {
        const { email } = (await request.json()) as Record<string, string>
        const upstream = await call('InitiateAuth', {
          ClientId: COGNITO_CLIENT_ID,
          AuthFlow: 'USER_AUTH',
          AuthParameters: { USERNAME: email, PREFERRED_CHALLENGE: 'EMAIL_OTP', SECRET_HASH: await secretHash(email!) },
        })
        return copy(upstream, 200)
      },
    },
    // A challenge answer: Cognito's session as the client got it, the username beside it.
    '/signin/challenge': {
      async POST(request) {
        const { email, challengeName, session, responses } = (await request.json()) as {
          email: string
          challengeName: string
          session: string
          responses: Record<string, string>
        }
        const upstream = await call('RespondToAuthChallenge', {
          ClientId: COGNITO_CLIENT_ID,
          ChallengeName: challengeName,
          Session: session,
          ChallengeResponses: { ...responses, USERNAME: email, SECRET_HASH: await secretHash(email) },
        })
        return copy(upstream, 200)
      },
    },
    // GetTokensFromRefreshToken, as the product does with rotation on: the raw secret, no hash.
    '/token/refresh': {
      async POST(request) {
        const { refreshToken } = (await request.json()) as Record<string, string>
        const upstream = await call('GetTokensFromRefreshToken', {
          RefreshToken: refreshToken,
          ClientId: COGNITO_CLIENT_ID,
          ClientSecret: COGNITO_CLIENT_SECRET,
        })
        return copy(upstream, 200)
      },
    },
    ...floorCognitoRoutes,
  },
})
process.stdout.write(`${JSON.stringify({ msg: 'listening', port: server.port })}\n`)
