// A web-standard handler, (Request) => Promise<Response>, served by node:http with what Bun.serve
// gives the Bun entry: an idle timeout, a server-level body limit, the peer address of a request,
// and a stop that lets in-flight requests finish. The app itself runs unchanged: the same
// Elysia handler, the same Request and Response objects as on Bun.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { finished } from 'node:stream/promises'
import type { ServeOptions, Server } from '../service.ts'

export type Handler = (request: Request) => Promise<Response>

export function serveWithNode(handle: Handler, { port, idleTimeoutSeconds, maxRequestBodyBytes }: ServeOptions): Promise<Server> {
  const peers = new WeakMap<Request, string>()
  let stopping = false

  const tooLarge = (req: IncomingMessage) => Number(req.headers['content-length'] ?? 0) > maxRequestBodyBytes
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    if (tooLarge(req)) return refuse(res, 413)
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : requestBody(req, maxRequestBodyBytes)
    let request: Request
    try {
      request = toRequest(req, res, body?.stream)
    } catch {
      return refuse(res, 400)
    }
    if (req.socket.remoteAddress) peers.set(request, req.socket.remoteAddress)
    const response = await handle(request)
    // An answer given before the whole body arrived (a 413 at 16 KiB, a 415) would leave unread data
    // on the connection; closing it then makes the kernel send a reset, which can destroy the answer
    // on its way. So the rest is read first, and dropped (bounded by the server limit).
    if (body && !req.complete) await body.discardRest()
    // While draining, every answer closes its connection, so the drain ends with the last request.
    await writeResponse(response, res, stopping)
  }
  // The app renders its own errors; a failure that still gets here must not take the process down.
  const answerOrFail = (req: IncomingMessage, res: ServerResponse) =>
    void answer(req, res).catch(() => (res.headersSent ? res.destroy() : refuse(res, 500)))
  const server = createServer(answerOrFail)
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
        requestIp: (request) => peers.get(request),
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

function toRequest(req: IncomingMessage, res: ServerResponse, body: ReadableStream<Uint8Array> | undefined): Request {
  const headers = new Headers()
  const raw = req.rawHeaders
  for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!)
  // The origin-form target is appended as is (not resolved), so a path like //x stays a path.
  const url = req.url?.startsWith('/') ? `http://${req.headers.host ?? 'localhost'}${req.url}` : (req.url ?? '/')
  // The client going away aborts request.signal, as on Bun.
  const aborted = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) aborted.abort()
  })
  return new Request(url, { method: req.method, headers, signal: aborted.signal, ...(body ? { body, duplex: 'half' } : {}) } as RequestInit)
}

/**
 * The body as a web stream, read from the socket only once the app asks for it, and a way to drop
 * what the app left unread. Past `limit` bytes (a chunked body declares no length) the connection is cut.
 */
function requestBody(req: IncomingMessage, limit: number) {
  let received = 0
  let reading = false
  let settled = false
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined
  const settle = (end: (c: ReadableStreamDefaultController<Uint8Array>) => void) => {
    if (settled) return
    settled = true
    if (controller) end(controller)
  }
  const read = () => {
    if (!reading) {
      reading = true
      req.on('data', (chunk: Buffer) => {
        received += chunk.length
        if (received > limit) return req.destroy(new Error(`request body over ${limit} bytes`))
        if (settled || !controller) return
        controller.enqueue(new Uint8Array(chunk))
        if ((controller.desiredSize ?? 0) <= 0) req.pause()
      })
      req.once('end', () => settle((c) => c.close()))
      req.once('error', (error) => settle((c) => c.error(error)))
      req.once('close', () => settle((c) => c.error(new Error('request body cut short'))))
    }
    req.resume()
  }
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c
    },
    pull: read,
    cancel() {
      settled = true
      read()
    },
  })
  return {
    stream,
    /** Reads and drops the rest of the body; resolves once it has all arrived (or the connection is gone). */
    discardRest(): Promise<void> {
      settled = true
      read()
      return finished(req).catch(() => undefined)
    },
  }
}

// Answers are read whole and sent with a Content-Length, as Bun sends them: this service's bodies
// are small and complete (JSON, the Swagger UI assets); it never streams.
async function writeResponse(response: Response, res: ServerResponse, closeConnection: boolean): Promise<void> {
  const body = response.body === null ? undefined : Buffer.from(await response.arrayBuffer())
  const headers: string[] = closeConnection ? ['connection', 'close'] : []
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers.push(name, value)
  })
  for (const cookie of response.headers.getSetCookie()) headers.push('set-cookie', cookie)
  if (!response.headers.has('content-length')) headers.push('content-length', String(body?.length ?? 0))
  res.writeHead(response.status, headers).end(body)
}
