// A web-standard Request over a node:http request whose body is already read, built for what the app
// asks of every request (method, URL, a few headers, the body once) without what Node's own Request
// costs up front: an AbortSignal made transferable, a WebIDL conversion of every header, a web
// stream for the body (their cost per request: docs/performance.md, "On Node").
//
// The technique is @hono/node-server's lightweight Request (getRequestListener): an object whose
// prototype chain reaches Request.prototype, so `instanceof Request` holds, and which builds a real
// Request only when something asks for what it does not keep. Its own listener does not fit Elysia:
// Elysia tests `request.body` before parsing, which there builds the real Request on every POST.
import type { IncomingMessage } from 'node:http'
import { IncomingHeaders } from './node-headers.ts'

const NativeRequest = globalThis.Request

interface LeanFields {
  method: string
  /** The socket's peer address, kept here rather than in a WeakMap (one ephemeron per request for the GC). */
  peer: string | undefined
  url: string
  raw: string[]
  bytes: Buffer | null
  headers?: IncomingHeaders
  /** What `body` hands out: the stream below, made when first used. */
  body?: ReadableStream<Uint8Array>
  stream?: ReadableStream<Uint8Array>
  used?: boolean
  signal?: AbortSignal
  native?: Request
}
const FIELDS = Symbol('lean request fields')
type LeanRequest = Request & { [FIELDS]: LeanFields }

const fieldsOf = (request: Request): LeanFields => (request as LeanRequest)[FIELDS]
const unusable = () => Promise.reject(new TypeError('Body is unusable: Body has already been read'))

/** The bytes, once; a second read (or a read after the stream was taken) rejects, as Fetch's does. */
function takeBytes(fields: LeanFields): Promise<Buffer> | undefined {
  if (fields.used || fields.stream?.locked) return undefined
  fields.used = true
  return Promise.resolve(fields.bytes ?? Buffer.alloc(0))
}

/** The body as a web stream of one chunk, made once; its first read uses the body up. */
function streamOf(fields: LeanFields): ReadableStream<Uint8Array> {
  if (fields.stream === undefined) {
    const bytes = fields.bytes ?? Buffer.alloc(0)
    fields.stream = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          fields.used = true
          controller.enqueue(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length))
          controller.close()
        },
      },
      { highWaterMark: 0 },
    )
  }
  return fields.stream
}

// Elysia tests `request.body` for truth before it parses a body, which it then reads with json() or
// text(): a web stream made for that test alone is a measurable cost per request on Node
// (docs/performance.md, "On Node"). So `body` is a
// Proxy that makes the stream when anything is asked of it, and forwards everything to it. A Proxy
// rather than a stand-in object, because Node's own consumers (new Response(body), node:stream)
// read the stream's internal slots, which the Proxy also forwards.
interface StreamTarget {
  fields: LeanFields
}
const lazyStream: ProxyHandler<StreamTarget> = {
  get: (target, key) => Reflect.get(streamOf(target.fields), key),
  set: (target, key, value) => Reflect.set(streamOf(target.fields), key, value),
  has: (target, key) => Reflect.has(streamOf(target.fields), key),
  ownKeys: (target) => Reflect.ownKeys(streamOf(target.fields)),
  getOwnPropertyDescriptor: (target, key) => Reflect.getOwnPropertyDescriptor(streamOf(target.fields), key),
  defineProperty: (target, key, descriptor) => Reflect.defineProperty(streamOf(target.fields), key, descriptor),
  deleteProperty: (target, key) => Reflect.deleteProperty(streamOf(target.fields), key),
  getPrototypeOf: () => ReadableStream.prototype,
}

/** The real Request for what the lean one does not keep (cache, mode, clone, formData ...). */
function nativeOf(request: Request): Request {
  const fields = fieldsOf(request)
  fields.native ??= new NativeRequest(fields.url, {
    method: fields.method,
    headers: request.headers,
    body: fields.bytes,
    signal: request.signal,
  })
  return fields.native
}

const leanPrototype: object = Object.create(NativeRequest.prototype, {
  method: {
    get: function (this: Request) {
      return fieldsOf(this).method
    },
  },
  url: {
    get: function (this: Request) {
      return fieldsOf(this).url
    },
  },
  headers: {
    get: function (this: Request) {
      const fields = fieldsOf(this)
      fields.headers ??= new IncomingHeaders(fields.raw)
      return fields.headers
    },
  },
  // Never aborted, as the Request the bridge built before was not: the body is read before the app runs.
  signal: {
    get: function (this: Request) {
      const fields = fieldsOf(this)
      fields.signal ??= new AbortController().signal
      return fields.signal
    },
  },
  body: {
    get: function (this: Request) {
      const fields = fieldsOf(this)
      if (fields.bytes === null) return null
      fields.body ??= new Proxy<StreamTarget>({ fields }, lazyStream) as unknown as ReadableStream<Uint8Array>
      return fields.body
    },
  },
  bodyUsed: {
    get: function (this: Request) {
      const fields = fieldsOf(this)
      return fields.used === true || fields.stream?.locked === true
    },
  },
  duplex: { get: () => 'half' },
  arrayBuffer: {
    value: function (this: Request) {
      const bytes = takeBytes(fieldsOf(this))
      return bytes ? bytes.then((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.length)) : unusable()
    },
  },
  bytes: {
    value: function (this: Request) {
      const bytes = takeBytes(fieldsOf(this))
      return bytes ? bytes.then((b) => new Uint8Array(b)) : unusable()
    },
  },
  text: {
    value: function (this: Request) {
      const bytes = takeBytes(fieldsOf(this))
      return bytes ? bytes.then((b) => b.toString('utf8')) : unusable()
    },
  },
  json: {
    value: function (this: Request) {
      return (this.text() as Promise<string>).then(JSON.parse)
    },
  },
})
// Everything else the real Request has (cache, mode, clone, blob, formData ...) comes from a real one.
for (const name of Object.getOwnPropertyNames(NativeRequest.prototype)) {
  if (name === 'constructor' || Object.hasOwn(leanPrototype, name)) continue
  const descriptor = Object.getOwnPropertyDescriptor(NativeRequest.prototype, name)!
  Object.defineProperty(
    leanPrototype,
    name,
    descriptor.get
      ? {
          get: function (this: Request) {
            return Reflect.get(nativeOf(this), name)
          },
        }
      : {
          value: function (this: Request, ...args: unknown[]) {
            return Reflect.apply(
              Reflect.get(nativeOf(this), name) as (...args: unknown[]) => unknown,
              nativeOf(this),
              args,
            )
          },
        },
  )
}

// The URL as Node's Request would hold it (WHATWG URL serialization). A target made only of
// characters that serialize as themselves, with no dot segment, under a host that serializes as
// itself, is already that string, so it skips the parse (after @hono/node-server's buildUrl, with
// what the URL parser rewrites left to it: numbers it reads as IPv4, punycode it checks, and ' which
// it escapes in a query).
const PLAIN_TARGET = /^\/[!#$&(-;=?-[\]_a-z~]*$/
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/
const PLAIN_NAME = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/
const NUMERIC_LABEL = /(?:^|\.)(?:\d+|0x[0-9a-f]*)$/
const DOTTED_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/
// A port the URL keeps as written: no leading zero, not the default 80, at most 65535.
const PLAIN_PORT = /^(?:[1-9]\d{2,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5])$/

function isPlainHost(host: string): boolean {
  const colon = host.lastIndexOf(':')
  const name = colon === -1 ? host : host.slice(0, colon)
  if (colon !== -1 && !PLAIN_PORT.test(host.slice(colon + 1))) return false
  if (DOTTED_IPV4.test(name)) return true
  return PLAIN_NAME.test(name) && !NUMERIC_LABEL.test(name) && !name.includes('xn--')
}

/**
 * The request URL: origin-form targets appended to `http://<Host>` as they are (not resolved, so a
 * path like //x stays a path), others parsed as absolute URLs. Throws a TypeError for a target or
 * Host that makes no URL (the bridge answers it 400).
 */
export function requestUrlOf(req: IncomingMessage): string {
  const target = req.url ?? '/'
  if (!target.startsWith('/')) return new URL(target).href
  const host = req.headers.host ?? 'localhost'
  const url = `http://${host}${target}`
  return isPlainHost(host) && PLAIN_TARGET.test(target) && !DOT_SEGMENT.test(target) ? url : new URL(url).href
}

const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])

/**
 * A Request for `req`, whose body (null for none) the bridge has already read whole. Throws a
 * TypeError when the target or Host makes no URL, or for a method Fetch forbids.
 */
export function leanRequestOf(req: IncomingMessage, bytes: Buffer | null): Request {
  const method = req.method ?? 'GET'
  // Fetch forbids these methods in a Request (https://fetch.spec.whatwg.org/#forbidden-method).
  if (FORBIDDEN_METHODS.has(method)) throw new TypeError(`'${method}' HTTP method is unsupported.`)
  const request = Object.create(leanPrototype) as LeanRequest
  request[FIELDS] = { method, peer: req.socket?.remoteAddress, url: requestUrlOf(req), raw: req.rawHeaders, bytes }
  return request
}

/** The peer address of the socket a lean Request came over; undefined for any other Request. */
export function peerAddressOf(request: Request): string | undefined {
  return (request as Partial<LeanRequest>)[FIELDS]?.peer
}
