// The ceiling: what the three routes cost with no framework, no SDK, no validation and no logging.
// A raw Bun.serve, the HMAC key imported once, one hand-built fetch() to the stub per call, its
// answer copied back. The product is measured against this.
// The HMAC is the cheapest Bun offers (node:crypto, synchronous). The product must use Web Crypto
// (one standard API on Bun and Node), whose asynchronous HMAC is several times dearer on Bun: that
// difference is counted against the product in the ratios.
import { createHmac, createSecretKey } from 'node:crypto'

const { PORT = '0', COGNITO_ENDPOINT, COGNITO_CLIENT_ID = '', COGNITO_CLIENT_SECRET = '' } = process.env
const key = createSecretKey(Buffer.from(COGNITO_CLIENT_SECRET, 'utf8'))
const secretHash = (username: string) => createHmac('sha256', key).update(username + COGNITO_CLIENT_ID, 'utf8').digest('base64')

const call = (operation: string, body: unknown) =>
  fetch(`${COGNITO_ENDPOINT}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${operation}` },
    body: JSON.stringify(body),
  })

const copy = async (upstream: Response, okStatus: number) =>
  new Response(await upstream.arrayBuffer(), { status: upstream.ok ? okStatus : upstream.status, headers: { 'content-type': 'application/json' } })

const server = Bun.serve({
  port: Number(PORT),
  routes: {
    // A handler, not a static Response: Bun answers static routes natively without running any
    // JavaScript, which no service that logs its requests can do.
    '/health': () => new Response('OK'),
    '/signup': {
      async POST(request) {
        const { email, password, nickname } = (await request.json()) as Record<string, string>
        const upstream = await call('SignUp', {
          ClientId: COGNITO_CLIENT_ID,
          Username: email,
          Password: password,
          SecretHash: secretHash(email!),
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
          AuthParameters: { USERNAME: email, PASSWORD: password, SECRET_HASH: secretHash(email!) },
        })
        return copy(upstream, 200)
      },
    },
  },
})
process.stdout.write(`${JSON.stringify({ msg: 'listening', port: server.port })}\n`)
