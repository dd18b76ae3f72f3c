// A web-standard handler, (Request) => Promise<Response>, served by node:http with what Bun.serve
// gives the Bun entry: an idle timeout, a server-level body limit, the peer address of a request,
// and a stop that lets in-flight requests finish. The app itself runs unchanged: the same Elysia
// handler, given a web-standard Request and answering a web-standard Response, as on Bun. Both are
// leaner than Node's own (node-request.ts, node-response.ts): those cost several times the app's
// own work per request (docs/performance.md).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ServeOptions, Server } from '../server.ts'
import { leanRequestOf, peerAddressOf } from './node-request.ts'
import { installLeanResponse, writeResponse } from './node-response.ts'

export type Handler = (request: Request) => Promise<Response>

/**
 * Serves `handle` on `port` with node:http; resolves with the Server once listening, rejects with
 * the listen error (EADDRINUSE ...). Installs LeanResponse as the process's global Response, which
 * the bridge writes without a web stream.
 */
export function serveWithNode(
  handle: Handler,
  { port, idleTimeoutSeconds, maxRequestBodyBytes, maxHeaderBytes }: ServeOptions,
): Promise<Server> {
  let stopping = false
  installLeanResponse()

  const tooLarge = (req: IncomingMessage) => Number(req.headers['content-length'] ?? 0) > maxRequestBodyBytes
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    if (tooLarge(req)) return refuse(res, 413)
    const body = req.method === 'GET' || req.method === 'HEAD' ? null : await readBody(req, maxRequestBodyBytes)
    if (body === undefined) return refuse(res, 413)
    let request: Request
    try {
      request = leanRequestOf(req, body)
    } catch {
      return refuse(res, 400)
    }
    const response = await handle(request)
    // While draining, every answer closes its connection, so the drain ends with the last request.
    await writeResponse(response, res, stopping)
  }
  // The app renders its own errors; a failure that still gets here must not take the process down.
  const answerOrFail = (req: IncomingMessage, res: ServerResponse) =>
    void answer(req, res).catch(() => (res.headersSent ? res.destroy() : refuse(res, 500)))
  const server = createServer({ maxHeaderSize: maxHeaderBytes }, answerOrFail)
  // `Expect: 100-continue`: a body the server would refuse is refused before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    if (!tooLarge(req)) res.writeContinue()
    answerOrFail(req, res)
  })
  server.keepAliveTimeout = idleTimeoutSeconds * 1000
  // Node's rule: a headers timeout no longer than the keep-alive one can cut a reused connection.
  server.headersTimeout = (idleTimeoutSeconds + 1) * 1000
  server.timeout = idleTimeoutSeconds * 1000

  const closed = new Promise<void>((resolve) => server.once('close', resolve))
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, () => {
      server.off('error', reject)
      resolve({
        port: (server.address() as AddressInfo).port,
        requestIp: peerAddressOf,
        drain() {
          stopping = true
          // Stops accepting and closes idle kept-alive connections; busy ones close after their answer.
          server.close()
          return closed
        },
        close() {
          server.closeAllConnections()
          return closed
        },
      })
    })
  })
}

/** A bare status with no body, as Bun.serve answers what never reaches the app. */
function refuse(res: ServerResponse, status: number): void {
  res.writeHead(status, { connection: 'close', 'content-length': 0 }).end()
}

/**
 * The whole body (null when empty), or undefined once it passes `limit` bytes (a chunked body
 * declares no length, so it is counted). Read whole before the app runs, which is cheaper than a
 * web stream for this service's small JSON bodies, and means no answer leaves part of a body unread
 * on the connection (the client may stop sending, or the close turns into a reset that destroys the
 * answer on its way).
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let length = 0
    req.on('data', (chunk: Buffer) => {
      length += chunk.length
      if (length <= limit) return void chunks.push(chunk)
      req.removeAllListeners('data').pause()
      resolve(undefined)
    })
    req.once('end', () => resolve(length === 0 ? null : Buffer.concat(chunks, length)))
    req.once('error', reject)
  })
}
