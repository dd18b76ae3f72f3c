// The Node floor: the Node ceiling (bench/node-ceiling.mjs: node:http, one Cognito call over
// http.request with a keep-alive agent) plus what every auth request must do, the same duties as the
// Bun floor's and by the same code (bench/floor.ts): the security headers, request id and access
// line on every answer; on the Cognito routes the body check, the deadline, the metrics, mapping
// Cognito's answer and the auth event. It imports the product's TypeScript, so the benchmark bundles
// it for Node as the product is bundled (bench/run.ts) and runs it with the product's `node`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createSecretHasher } from '../src/cognito/secret-hash.ts'
import { createFloor, type FloorAnswer, type FloorRequest } from './floor.ts'
import { cognitoCaller, listen, readText, settingsFromEnv } from './node-http.mjs'
import { createTokenVerifier, identityOf } from './token-verifier.mjs'

const { PORT, COGNITO_ENDPOINT, COGNITO_CLIENT_ID, COGNITO_CLIENT_SECRET, COGNITO_ISSUER } = settingsFromEnv()
const secretHash = await createSecretHasher(COGNITO_CLIENT_ID, COGNITO_CLIENT_SECRET)
if (!secretHash) throw new Error('the floor needs COGNITO_CLIENT_SECRET')

const floor = createFloor({
  clientId: COGNITO_CLIENT_ID,
  clientSecret: COGNITO_CLIENT_SECRET,
  secretHash,
  call: cognitoCaller(COGNITO_ENDPOINT),
})
const routes = new Map(floor.routes.map((route) => [route.path, route]))

const write = (res: ServerResponse, answer: FloorAnswer) =>
  res.writeHead(answer.status, answer.headers).end(answer.body)

// The token check (bench/token-verifier.mjs), answering the identity as headers and body.
const tokenVerifier = createTokenVerifier(COGNITO_ISSUER, COGNITO_CLIENT_ID)
async function checkToken(req: IncomingMessage, res: ServerResponse, request: FloorRequest, startedAt: number) {
  try {
    const { body, headers } = identityOf(await tokenVerifier.verify((req.headers.authorization ?? '').slice(7)))
    write(res, floor.answer(request, startedAt, 200, 'application/json', body, headers))
  } catch {
    write(res, floor.answer(request, startedAt, 401, 'text/plain', ''))
  }
}

const server = createServer((req, res) => {
  const startedAt = performance.now()
  const forwardedFor = req.headers['x-forwarded-for']
  const request = {
    method: req.method ?? 'GET',
    path: req.url ?? '',
    ip: typeof forwardedFor === 'string' ? forwardedFor : null,
  }
  const route = request.method === 'POST' ? routes.get(request.path) : undefined
  if (route)
    void floor
      .cognito(route, request.ip, async () => JSON.parse(await readText(req)))
      .then((answer) => write(res, answer))
  else if (request.path === '/health')
    write(res, floor.answer(request, startedAt, 200, 'text/plain; charset=utf-8', 'OK'))
  else if (request.path === '/token/verify') void checkToken(req, res, request, startedAt)
  else write(res, floor.answer(request, startedAt, 404, 'text/plain', ''))
})
listen(server, Number(PORT))
