// Answers on Node without a web stream per answer. Node's Response (undici's) wraps every body in a
// ReadableStream when it is built, and reading it back for node:http goes through that stream
// again (its cost per answer: docs/performance.md, "On Node"). The Response installed here keeps a
// string or byte body as it was given and hands it to node:http as it is; everything else about it
// (status, headers, their checks) is Node's own Response.
//
// The technique, a global Response whose plain bodies skip the stream and which node:http writes
// directly, is @hono/node-server's (getRequestListener with overrideGlobalObjects).
import type { ServerResponse } from 'node:http'
import { OutgoingHeaders } from './node-headers.ts'

const PlatformResponse = globalThis.Response
type Source = string | Uint8Array
type BodyInit = ConstructorParameters<typeof Response>[0]
/** Response's members as accessors and methods (the platform types declare them as properties, which a subclass cannot override). */
type Overridden = 'body' | 'bodyUsed' | 'text' | 'json' | 'arrayBuffer' | 'bytes' | 'blob' | 'formData' | 'clone'
interface ResponseMembers extends Omit<Response, Overridden> {
  readonly body: ReadableStream<Uint8Array> | null
  readonly bodyUsed: boolean
  text(): Promise<string>
  json(): Promise<unknown>
  arrayBuffer(): Promise<ArrayBuffer>
  bytes(): Promise<Uint8Array>
  blob(): ReturnType<Response['blob']>
  formData(): ReturnType<Response['formData']>
  clone(): Response
}
const NativeResponse = PlatformResponse as unknown as new (body?: BodyInit, init?: ResponseInit) => ResponseMembers

// The streams `body` made from a known source: a Response built from one of them (Elysia copies an
// answer into a new Response from `response.body` to merge headers) takes the source, not the stream.
const sourceOfStream = new WeakMap<ReadableStream, Source>()
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304])
const unusable = () => Promise.reject(new TypeError('Body is unusable: Body has already been read'))

/** A headers record as the app builds them (a plain object), not a Headers or a list of pairs. */
const isPlainRecord = (headers: unknown): headers is Record<string, unknown> => {
  if (typeof headers !== 'object' || headers === null) return false
  const prototype = Object.getPrototypeOf(headers)
  return prototype === Object.prototype || prototype === null
}

const bytesOf = (source: Source): Uint8Array => (typeof source === 'string' ? Buffer.from(source) : source)

function streamOf(source: Source): ReadableStream<Uint8Array> {
  const stream = new ReadableStream<Uint8Array>(
    {
      // The first read: from here on it is a stream being read, not a source to take.
      pull(controller) {
        sourceOfStream.delete(stream)
        controller.enqueue(bytesOf(source))
        controller.close()
      },
    },
    { highWaterMark: 0 },
  )
  sourceOfStream.set(stream, source)
  return stream
}

/**
 * Node's Response, but a string or Uint8Array body (or a stream another LeanResponse made from
 * one) is kept as given rather than put into a web stream, and with such a body a plain headers
 * record (what Elysia passes) is kept as an OutgoingHeaders rather than converted into Node's.
 * Other bodies and headers are Node's as usual.
 */
export class LeanResponse extends NativeResponse {
  #source: Source | undefined
  #headers: OutgoingHeaders | undefined
  #stream: ReadableStream<Uint8Array> | undefined
  #used = false

  constructor(body?: BodyInit, init?: ResponseInit) {
    const source =
      typeof body === 'string' || body instanceof Uint8Array
        ? body
        : body instanceof ReadableStream && !body.locked
          ? sourceOfStream.get(body)
          : undefined
    const headers = source !== undefined && isPlainRecord(init?.headers) ? OutgoingHeaders.of(init.headers) : undefined
    super(
      source === undefined ? body : null,
      headers === undefined ? init : { status: init?.status, statusText: init?.statusText },
    )
    if (source === undefined) return
    this.#headers = headers
    // As Fetch's constructor does with a body (https://fetch.spec.whatwg.org/#initialize-a-response).
    if (NULL_BODY_STATUS.has(this.status))
      throw new TypeError(`Response constructor: Invalid response status code ${this.status}`)
    if (typeof source === 'string' && !this.headers.has('content-type'))
      this.headers.set('content-type', 'text/plain;charset=UTF-8')
    this.#source = source
  }

  /** The body as given (string or bytes), or undefined when Node's Response holds it. */
  static sourceOf(response: Response): Source | undefined {
    return response instanceof LeanResponse ? response.#source : undefined
  }

  override get headers(): Headers {
    return (this.#headers as Headers | undefined) ?? super.headers
  }
  override get body(): ReadableStream<Uint8Array> | null {
    if (this.#source === undefined) return super.body
    this.#stream ??= streamOf(this.#source)
    return this.#stream
  }
  override get bodyUsed(): boolean {
    return this.#source === undefined ? super.bodyUsed : this.#used || this.#stream?.locked === true
  }

  #take(): Source | undefined {
    if (this.#used || this.#stream?.locked) return undefined
    this.#used = true
    return this.#source
  }
  override text(): Promise<string> {
    if (this.#source === undefined) return super.text()
    const source = this.#take()
    if (source === undefined) return unusable()
    return Promise.resolve(typeof source === 'string' ? source : Buffer.from(source).toString('utf8'))
  }
  override json(): Promise<unknown> {
    return this.#source === undefined ? super.json() : this.text().then(JSON.parse)
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    if (this.#source === undefined) return super.arrayBuffer()
    const source = this.#take()
    if (source === undefined) return unusable()
    const bytes = bytesOf(source)
    return Promise.resolve(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer)
  }
  override bytes(): Promise<Uint8Array> {
    return this.#source === undefined ? super.bytes() : this.arrayBuffer().then((buffer) => new Uint8Array(buffer))
  }
  override blob(): ReturnType<Response['blob']> {
    if (this.#source === undefined) return super.blob()
    const source = this.#take()
    if (source === undefined) return unusable()
    return new PlatformResponse(source, { headers: this.headers }).blob()
  }
  override formData(): ReturnType<Response['formData']> {
    if (this.#source === undefined) return super.formData()
    const source = this.#take()
    if (source === undefined) return unusable()
    return new PlatformResponse(source, { headers: this.headers }).formData()
  }
  override clone(): Response {
    if (this.#source === undefined) return super.clone()
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.')
    return new LeanResponse(this.#source, this) as unknown as Response
  }
}

/**
 * Makes every `new Response(...)` in the process a LeanResponse (Elysia builds its answers with the
 * global). Responses made before, and those Node makes itself (Response.json, fetch), stay Node's;
 * writeResponse takes both.
 */
export function installLeanResponse(): void {
  globalThis.Response = LeanResponse as unknown as typeof Response
}

const NO_BODY = new Set([204, 304])

/**
 * Writes `response` to `res` whole, with a Content-Length, as Bun sends this service's answers: its
 * bodies are small and complete (JSON, the Swagger UI assets); it never streams. Set-Cookie stays
 * one field per cookie. `closeConnection` adds `Connection: close`. A string body goes to node:http
 * as it is (node:http encodes it, in the same write as the head).
 */
export async function writeResponse(response: Response, res: ServerResponse, closeConnection: boolean): Promise<void> {
  const source = LeanResponse.sourceOf(response)
  const body =
    source !== undefined ? source : response.body === null ? undefined : Buffer.from(await response.arrayBuffer())
  const kept = OutgoingHeaders.fieldsOf(response.headers)
  const fields = kept === undefined ? platformFieldsOf(response.headers) : [...kept]
  if (closeConnection) fields.push('connection', 'close')
  // A 204 or 304 must carry no Content-Length (RFC 9110); node:http sends neither length nor body for them.
  if (!NO_BODY.has(response.status) && !hasField(fields, 'content-length'))
    fields.push(
      'content-length',
      String(body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength),
    )
  res.writeHead(response.status, fields).end(body)
}

/** The platform's Headers as a flat [name, value, ...] list, one Set-Cookie field per cookie. */
function platformFieldsOf(headers: Headers): string[] {
  const fields: string[] = []
  let cookies = false
  headers.forEach((value, name) => {
    if (name === 'set-cookie') cookies = true
    else fields.push(name, value)
  })
  if (cookies) for (const cookie of headers.getSetCookie()) fields.push('set-cookie', cookie)
  return fields
}

/** Whether a flat [lowercase name, value, ...] list has a field named `name` (lowercase). */
function hasField(fields: readonly string[], name: string): boolean {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return true
  return false
}
