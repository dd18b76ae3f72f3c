// HttpPost on node:http / node:https with a keep-alive agent: the Node entry's Cognito client. Unlike
// fetch it also bounds the TCP connect on its own (`connectTimeoutMs`), as the SDK's handler does.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { HttpPost } from '../../cognito/http-post.ts'

/**
 * @param connectTimeoutMs how long one connection attempt may take before it fails with ETIMEDOUT.
 * @param maxConnections connections open at most, idle ones included (the call limit in front of it).
 * @returns an HttpPost that keeps connections open between calls (one pool per protocol).
 */
export function createNodeHttpPost(connectTimeoutMs: number, maxConnections: number): HttpPost {
  // Every idle connection is kept, up to the limit: the agent's default keeps 256 and closes the
  // rest, so beyond 256 calls in flight each answer closed a connection and the next call opened one
  // (a TLS handshake against Cognito). LIFO keeps the warmest ones in use.
  const options = {
    keepAlive: true,
    timeout: 60_000,
    maxSockets: maxConnections,
    maxFreeSockets: maxConnections,
    scheduling: 'lifo',
  } as const
  const agents = { 'http:': new HttpAgent(options), 'https:': new HttpsAgent(options) }
  return (url, headers, body, signal) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason)
      const https = url.startsWith('https:')
      const send = https ? httpsRequest : httpRequest
      const request = send(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          agent: agents[https ? 'https:' : 'http:'],
        },
        (response: IncomingMessage) => {
          let text = ''
          response.setEncoding('utf8')
          response.on('data', (chunk: string) => {
            text += chunk
          })
          response.on('end', () => {
            const header = (name: string) => {
              const value = response.headers[name]
              return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
            }
            resolve({ status: response.statusCode ?? 0, header, text })
          })
          response.on('error', reject)
        },
      )
      // One listener, removed when the call settles, rather than node:http's `signal` option, which
      // wires several listeners per request (docs/performance.md, "On Node").
      const abort = () => request.destroy(signal.reason)
      signal.addEventListener('abort', abort, { once: true })
      request.once('close', () => signal.removeEventListener('abort', abort))
      request.on('error', reject)
      request.on('socket', (socket) => {
        if (!socket.connecting) return
        const timer = setTimeout(() => {
          const error = Object.assign(new Error(`connect timed out after ${connectTimeoutMs} ms`), {
            code: 'ETIMEDOUT',
          })
          request.destroy(error)
        }, connectTimeoutMs)
        socket.once('connect', () => clearTimeout(timer))
        socket.once('close', () => clearTimeout(timer))
      })
      request.end(body)
    })
}
