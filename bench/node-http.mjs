// What the benchmark's Node targets share (bench/node-ceiling.mjs, bench/node-floor.ts): one Cognito
// call over node:http with a keep-alive agent, a request's body read whole, the settings the
// benchmark passes in the environment, and the server's start with its `listening` line. Plain JavaScript: Node runs the ceiling as it is.
import { Agent, request } from 'node:http'

/** The settings the benchmark gives every target (bench/harness.ts, productEnv), empty when unset. */
export function settingsFromEnv() {
  const {
    PORT = '0',
    COGNITO_ENDPOINT = '',
    COGNITO_CLIENT_ID = '',
    COGNITO_CLIENT_SECRET = '',
    COGNITO_ISSUER = '',
  } = process.env
  return { PORT, COGNITO_ENDPOINT, COGNITO_CLIENT_ID, COGNITO_CLIENT_SECRET, COGNITO_ISSUER }
}

/**
 * The Cognito caller for `endpoint`, over one keep-alive agent: `call(operation, input, signal?)`
 * sends `input` as JSON 1.1 and resolves with Cognito's status and body; it rejects when the
 * connection fails or `signal` aborts the call.
 * @param {string} endpoint
 * @returns {(operation: string, input: unknown, signal?: AbortSignal) => Promise<{ status: number, text: string }>}
 */
export function cognitoCaller(endpoint) {
  const agent = new Agent({ keepAlive: true })
  return (operation, input, signal) =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify(input)
      const upstream = request(
        `${endpoint}/`,
        {
          method: 'POST',
          agent,
          signal,
          headers: {
            'content-type': 'application/x-amz-json-1.1',
            'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (chunk) => {
            text += chunk
          })
          res.on('end', () => resolve({ status: res.statusCode ?? 502, text }))
          res.on('error', reject)
        },
      )
      upstream.on('error', reject)
      upstream.end(body)
    })
}

/**
 * A request's body as text, once it has all come.
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<string>}
 */
export const readText = (req) =>
  new Promise((resolve, reject) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk) => {
      text += chunk
    })
    req.on('end', () => resolve(text))
    req.on('error', reject)
  })

/**
 * Starts `server` on `port` (0: a free one), connections kept alive past the ALB's 60 s idle
 * timeout, and writes the `listening` line with the port the benchmark waits for.
 * @param {import('node:http').Server} server
 * @param {number} port
 */
export function listen(server, port) {
  server.keepAliveTimeout = 65_000
  server.listen(port, () => {
    const address = server.address()
    process.stdout.write(
      `${JSON.stringify({ msg: 'listening', port: typeof address === 'object' ? address?.port : port })}\n`,
    )
  })
}
