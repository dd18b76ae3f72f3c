// HttpPost on Bun's own sockets (Bun.connect) with a keep-alive pool this module owns: the Bun
// entry's Cognito client. Bun's fetch keeps only a small fixed number of idle keep-alive sockets per
// process (64 in Bun 1.4): when more calls than that finish within one turn of the JavaScript
// thread, the rest of their sockets are closed and the next calls open new ones, each a TCP and TLS
// handshake against Cognito. Under a few hundred calls in flight that was a third of all calls
// (docs/performance.md, "Connections to Cognito"). Here every idle connection stays open, up to
// `maxConnections` (the call limit in front of it never asks for more), and is reused
// last-in-first-out; one idle longer than IDLE_MS is closed.
//
// HTTP/1.1 only, as much as a JSON API needs: one request per connection at a time, the answer's
// body by Content-Length or chunked, or up to the close; `Connection: close` honoured.
import type { Socket } from 'bun'
import type { HttpPost, PostAnswer } from '../../cognito/http-post.ts'

// Below the 60 s an AWS endpoint keeps an idle connection, so the pool is the side that closes.
const IDLE_MS = 50_000
const CRLF_CRLF = Buffer.from('\r\n\r\n')

interface Exchange {
  resolve(answer: PostAnswer): void
  reject(error: unknown): void
  chunks: Buffer[]
  size: number
}

interface Connection {
  socket: Socket<Connection>
  /** The call on it now; undefined while idle. */
  exchange?: Exchange
  idleTimer?: ReturnType<typeof setTimeout>
  /** Bytes not yet written (a write the kernel took only in part). */
  pending?: Buffer
  /** Why the TLS handshake failed (an untrusted certificate), for the call's error. */
  refused?: Error
  closed: boolean
}

/** Where the pool connects: one origin, as the JSON transport has. */
interface Origin {
  hostname: string
  port: number
  tls: boolean
  path: string
  host: string
}

function originOf(url: string): Origin {
  const u = new URL(url)
  const tls = u.protocol === 'https:'
  const port = u.port === '' ? (tls ? 443 : 80) : Number(u.port)
  return { hostname: u.hostname, port, tls, path: `${u.pathname}${u.search}`, host: u.host }
}

const nodeError = (message: string, code: string) => Object.assign(new Error(message), { code })

/**
 * The answer in `data` once it is complete: status, lower-case headers and body; undefined while
 * more bytes are due. `atClose`: the connection ended, so a body without a length ends here.
 * @throws Error on a malformed answer.
 */
export function parseAnswer(data: Buffer, atClose: boolean): { answer: PostAnswer; keepAlive: boolean } | undefined {
  const end = data.indexOf(CRLF_CRLF)
  if (end === -1) {
    if (atClose) throw nodeError('connection closed before an answer', 'ECONNRESET')
    return undefined
  }
  const lines = data.toString('latin1', 0, end).split('\r\n')
  const status = Number(lines[0]!.split(' ')[1])
  if (!Number.isInteger(status)) throw nodeError('malformed HTTP status line', 'EPROTO')
  const headers = new Map<string, string>()
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i]!.indexOf(':')
    if (colon <= 0) continue
    const name = lines[i]!.slice(0, colon).trim().toLowerCase()
    const value = lines[i]!.slice(colon + 1).trim()
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value)
  }
  const bodyStart = end + 4
  const body = bodyOf(data, bodyStart, headers, atClose)
  if (body === undefined) return undefined
  const keepAlive = body.delimited && !/\bclose\b/i.test(headers.get('connection') ?? '')
  return {
    answer: { status, header: (name) => headers.get(name) ?? null, text: body.bytes.toString('utf8') },
    keepAlive,
  }
}

function bodyOf(
  data: Buffer,
  start: number,
  headers: Map<string, string>,
  atClose: boolean,
): { bytes: Buffer; delimited: boolean } | undefined {
  if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) {
    const parts: Buffer[] = []
    let at = start
    for (;;) {
      const lineEnd = data.indexOf('\r\n', at)
      if (lineEnd === -1) return atClose ? closedEarly() : undefined
      const size = Number.parseInt(data.toString('latin1', at, lineEnd), 16)
      if (!Number.isFinite(size)) throw nodeError('malformed chunk size', 'EPROTO')
      // The last chunk, then (no trailers from a JSON API) the final CRLF.
      if (size === 0) return data.length >= lineEnd + 4 ? { bytes: Buffer.concat(parts), delimited: true } : undefined
      if (data.length < lineEnd + 2 + size + 2) return atClose ? closedEarly() : undefined
      parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size))
      at = lineEnd + 2 + size + 2
    }
  }
  const length = headers.get('content-length')
  if (length !== undefined) {
    const n = Number(length)
    if (data.length - start < n) return atClose ? closedEarly() : undefined
    return { bytes: data.subarray(start, start + n), delimited: true }
  }
  return atClose ? { bytes: data.subarray(start), delimited: false } : undefined
}

const closedEarly = (): never => {
  throw nodeError('connection closed in the middle of an answer', 'ECONNRESET')
}

/**
 * @param connectTimeoutMs how long one connection attempt may take before it fails with ETIMEDOUT.
 * @param maxConnections idle connections kept open at most (the call limit: never more in use).
 * @param tls TLS options for https (Bun.connect's; the system's CAs when absent).
 * @returns an HttpPost that keeps its connections open between calls.
 */
export function createBunHttpPost(connectTimeoutMs: number, maxConnections: number, tls?: { ca?: string }): HttpPost {
  const idle: Connection[] = []
  const origins = new Map<string, Origin>()

  const finish = (connection: Connection, outcome: { answer?: PostAnswer; error?: unknown }, reuse: boolean) => {
    const exchange = connection.exchange
    connection.exchange = undefined
    if (reuse && !connection.closed && idle.length < maxConnections) {
      connection.idleTimer = setTimeout(() => connection.socket.end(), IDLE_MS)
      connection.idleTimer.unref?.()
      idle.push(connection)
    } else if (!connection.closed) connection.socket.end()
    if (outcome.error !== undefined) exchange?.reject(outcome.error)
    else if (outcome.answer) exchange?.resolve(outcome.answer)
  }

  const read = (connection: Connection, atClose: boolean) => {
    const exchange = connection.exchange
    if (!exchange) return
    try {
      const data = exchange.chunks.length === 1 ? exchange.chunks[0]! : Buffer.concat(exchange.chunks, exchange.size)
      exchange.chunks = [data]
      const parsed = parseAnswer(data, atClose)
      if (parsed) finish(connection, { answer: parsed.answer }, parsed.keepAlive)
    } catch (error) {
      finish(connection, { error }, false)
    }
  }

  const handlers = {
    data(socket: Socket<Connection>, chunk: Buffer) {
      const connection = socket.data
      const exchange = connection.exchange
      if (!exchange) return void socket.end() // bytes nobody asked for: the connection is unusable
      exchange.chunks.push(chunk)
      exchange.size += chunk.length
      read(connection, false)
    },
    drain(socket: Socket<Connection>) {
      const connection = socket.data
      if (connection.pending) write(connection, connection.pending)
    },
    close(socket: Socket<Connection>) {
      const connection = socket.data
      connection.closed = true
      clearTimeout(connection.idleTimer)
      const at = idle.indexOf(connection)
      if (at !== -1) idle.splice(at, 1)
      if (connection.refused) connection.exchange?.reject(connection.refused)
      else read(connection, true)
      connection.exchange?.reject(nodeError('connection closed', 'ECONNRESET'))
      connection.exchange = undefined
    },
    handshake(socket: Socket<Connection>, success: boolean, authorizationError: Error | null) {
      if (!success || authorizationError)
        socket.data.refused = authorizationError ?? nodeError('TLS handshake failed', 'ECONNRESET')
    },
    error(socket: Socket<Connection>, error: Error) {
      const connection = socket.data
      connection.exchange?.reject(Object.assign(error, { code: (error as { code?: string }).code ?? 'ECONNRESET' }))
      connection.exchange = undefined
    },
  }

  const write = (connection: Connection, bytes: Buffer) => {
    const written = connection.socket.write(bytes)
    connection.pending = written < bytes.length ? bytes.subarray(Math.max(0, written)) : undefined
  }

  const connect = async (origin: Origin): Promise<Connection> => {
    const connection = { closed: false } as Connection
    let timer: ReturnType<typeof setTimeout> | undefined
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(nodeError(`connect timed out after ${connectTimeoutMs} ms`, 'ETIMEDOUT')),
        connectTimeoutMs,
      )
    })
    const opening = Bun.connect<Connection>({
      hostname: origin.hostname,
      port: origin.port,
      data: connection,
      ...(origin.tls ? { tls: { serverName: origin.hostname, ...tls } } : {}),
      socket: handlers,
    })
    try {
      connection.socket = await Promise.race([opening, timedOut])
      return connection
    } catch (error) {
      void opening.then(
        (socket) => socket.end(),
        () => undefined,
      )
      // Bun names a refused connection its own way; errors.ts keys on Node's codes.
      const code = (error as { code?: string }).code
      throw Object.assign(error as Error, { code: code === 'ConnectionRefused' || !code ? 'ECONNREFUSED' : code })
    } finally {
      clearTimeout(timer)
    }
  }

  return async (url, headers, body, signal) => {
    if (signal.aborted) throw signal.reason
    let origin = origins.get(url)
    if (origin === undefined) {
      origin = originOf(url)
      origins.set(url, origin)
    }
    let head = `POST ${origin.path} HTTP/1.1\r\nhost: ${origin.host}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`
    const request = Buffer.from(`${head}\r\n${body}`)

    let connection = idle.pop()
    if (connection) clearTimeout(connection.idleTimer)
    else connection = await connect(origin)
    const using = connection
    return new Promise<PostAnswer>((resolve, reject) => {
      const abort = () => {
        using.exchange = undefined
        using.socket.end()
        reject(signal.reason)
      }
      signal.addEventListener('abort', abort, { once: true })
      using.exchange = {
        resolve: (answer) => {
          signal.removeEventListener('abort', abort)
          resolve(answer)
        },
        reject: (error) => {
          signal.removeEventListener('abort', abort)
          reject(error)
        },
        chunks: [],
        size: 0,
      }
      write(using, request)
    })
  }
}
