// The Node ceiling: the least a Node service under the same requirements does per request, for the
// benchmark's `--node` run (bench/run.ts). node:http, JSON parse, SECRET_HASH with Web Crypto (the
// key imported once), one Cognito call over http.request with a keep-alive agent, the answer copied
// back (bench/node-http.mjs); no framework, no validation, no log. Plain JavaScript: Node runs it as
// it is. The Node floor (bench/node-floor.ts) is this plus what every auth request must do.
import { createServer } from 'node:http'
import { cognitoCaller, listen, readText, settingsFromEnv } from './node-http.mjs'
import { createTokenVerifier, identityOf } from './token-verifier.mjs'

const { PORT, COGNITO_ENDPOINT, COGNITO_CLIENT_ID, COGNITO_CLIENT_SECRET, COGNITO_ISSUER } = settingsFromEnv()
const encoder = new TextEncoder()
const key = await crypto.subtle.importKey(
  'raw',
  encoder.encode(COGNITO_CLIENT_SECRET),
  { name: 'HMAC', hash: 'SHA-256' },
  false,
  ['sign'],
)
/** @param {string} username */
const secretHash = async (username) =>
  Buffer.from(await crypto.subtle.sign('HMAC', key, encoder.encode(username + COGNITO_CLIENT_ID))).toString('base64')

const call = cognitoCaller(COGNITO_ENDPOINT)

/** @type {Record<string, (fields: Record<string, string>) => Promise<{ status: number, text: string }>>} */
const ROUTES = {
  '/signup': async ({ email, password, nickname }) => {
    const out = await call('SignUp', {
      ClientId: COGNITO_CLIENT_ID,
      Username: email,
      Password: password,
      SecretHash: await secretHash(email ?? ''),
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'nickname', Value: nickname },
      ],
    })
    return { status: out.status === 200 ? 201 : out.status, text: out.text }
  },
  '/signin': async ({ email, password }) =>
    call('InitiateAuth', {
      ClientId: COGNITO_CLIENT_ID,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password, SECRET_HASH: await secretHash(email ?? '') },
    }),
  // Passwordless start: USER_AUTH with EMAIL_OTP preferred.
  '/signin/passwordless': async ({ email }) =>
    call('InitiateAuth', {
      ClientId: COGNITO_CLIENT_ID,
      AuthFlow: 'USER_AUTH',
      AuthParameters: { USERNAME: email, PREFERRED_CHALLENGE: 'EMAIL_OTP', SECRET_HASH: await secretHash(email ?? '') },
    }),
  // A challenge answer: Cognito's session as the client got it, the username beside it.
  '/signin/challenge': async ({ email, challengeName, session, responses }) =>
    call('RespondToAuthChallenge', {
      ClientId: COGNITO_CLIENT_ID,
      ChallengeName: challengeName,
      Session: session,
      ChallengeResponses: { ...responses, USERNAME: email, SECRET_HASH: await secretHash(email ?? '') },
    }),
  // GetTokensFromRefreshToken, as the product does with rotation on: the raw secret, no hash.
  '/token/refresh': async ({ refreshToken }) =>
    call('GetTokensFromRefreshToken', {
      RefreshToken: refreshToken,
      ClientId: COGNITO_CLIENT_ID,
      ClientSecret: COGNITO_CLIENT_SECRET,
    }),
}

// The token check (token-verifier.mjs), answering the identity as headers and body.
const tokenVerifier = createTokenVerifier(COGNITO_ISSUER, COGNITO_CLIENT_ID)
/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function checkToken(req, res) {
  try {
    const { body, headers } = identityOf(await tokenVerifier.verify((req.headers.authorization ?? '').slice(7)))
    res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(body)
  } catch {
    res.writeHead(401).end()
  }
}

const server = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('OK')
    return
  }
  if (req.url === '/token/verify') {
    void checkToken(req, res)
    return
  }
  const route = ROUTES[req.url ?? '']
  if (!route || req.method !== 'POST') {
    res.writeHead(404).end()
    return
  }
  readText(req)
    .then((text) => route(JSON.parse(text)))
    .then(
      (answer) => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.text),
      () => res.writeHead(502).end(),
    )
})
listen(server, Number(PORT))
