// The ceiling: what the three routes cost with no framework, no SDK, no validation and no logging.
// A raw Bun.serve, the HMAC key imported once, one hand-built fetch() to the stub per call, its
// answer copied back. The product is measured against this.
export {} // a module: top-level await below

const { PORT = '0', COGNITO_ENDPOINT, COGNITO_CLIENT_ID = '', COGNITO_CLIENT_SECRET = '' } = process.env
const encoder = new TextEncoder()
const key = await crypto.subtle.importKey('raw', encoder.encode(COGNITO_CLIENT_SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
const secretHash = async (username: string) =>
  Buffer.from(await crypto.subtle.sign('HMAC', key, encoder.encode(username + COGNITO_CLIENT_ID))).toString('base64')

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
    '/health': new Response('OK'),
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
          AuthParameters: { USERNAME: email, PASSWORD: password, SECRET_HASH: await secretHash(email!) },
        })
        return copy(upstream, 200)
      },
    },
  },
})
process.stdout.write(`${JSON.stringify({ msg: 'listening', port: server.port })}\n`)
