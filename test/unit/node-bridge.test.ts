// The Node bridge's lean Request and Response (src/runtime/node/node-request.ts, node-response.ts).
// These run under Bun, whose Request/Response/Headers the classes extend here; the integration suite
// runs the whole bridge on Node (SERVICE_TARGET=node).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import fc from 'fast-check'
import { OutgoingHeaders } from '../../src/runtime/node/node-headers.ts'
import { leanRequestOf, peerAddressOf, requestUrlOf } from '../../src/runtime/node/node-request.ts'
import { LeanResponse, writeResponse } from '../../src/runtime/node/node-response.ts'

/** Just what the bridge reads of a node:http request. */
const incoming = (method: string, url: string, rawHeaders: string[]) => {
  const headers: Record<string, string> = {}
  for (let i = 0; i < rawHeaders.length; i += 2) headers[rawHeaders[i]!.toLowerCase()] ??= rawHeaders[i + 1]!
  return { method, url, rawHeaders, headers, socket: { remoteAddress: '198.51.100.4' } } as unknown as IncomingMessage
}

/** What a script, bundled for Node and run there, prints (one JSON line). */
async function outputOnNode(source: string): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'node-bridge-'))
  const script = join(dir, 'script.ts')
  writeFileSync(script, source)
  try {
    const built = await Bun.build({ entrypoints: [script], target: 'node', outdir: dir })
    expect(built.success).toBe(true)
    const run = Bun.spawnSync(['node', built.outputs[0]!.path])
    expect(run.stderr.toString()).toBe('')
    return JSON.parse(run.stdout.toString())
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('lean Request', () => {
  const raw = ['Host', 'api.example.com', 'X-Forwarded-For', '203.0.113.7', 'x-forwarded-for', ' 10.0.0.1 ']
  raw.push('Cookie', 'a=1', 'cookie', 'b=2', 'Content-Type', 'application/json')

  test('is a Request, with the method, URL and headers of the node:http request', () => {
    const request = leanRequestOf(incoming('POST', '/signin?x=1', raw), Buffer.from('{}'))
    expect(request).toBeInstanceOf(Request)
    expect(request.method).toBe('POST')
    expect(request.url).toBe('http://api.example.com/signin?x=1')
    expect(request.headers).toBeInstanceOf(Headers)
  })

  test('carries the peer address of its socket (the rate limiter’s client when no proxy is trusted)', () => {
    expect(peerAddressOf(leanRequestOf(incoming('GET', '/', raw), null))).toBe('198.51.100.4')
    expect(peerAddressOf(new Request('http://localhost/'))).toBeUndefined()
  })

  test('headers answer get/has as Fetch does: case-insensitive, repeats joined, values trimmed', () => {
    const headers = leanRequestOf(incoming('GET', '/', raw), null).headers
    expect(headers.get('x-forwarded-for')).toBe('203.0.113.7, 10.0.0.1')
    expect(headers.get('COOKIE')).toBe('a=1; b=2')
    expect(headers.has('content-type')).toBe(true)
    expect(headers.get('x-request-id')).toBeNull()
    expect(headers.has('x-request-id')).toBe(false)
    // The same answers as a Headers built from the same list.
    const native = new Headers()
    for (let i = 0; i < raw.length; i += 2) native.append(raw[i]!, raw[i + 1]!)
    expect([...headers]).toEqual([...native])
    expect(() => headers.get('bad name')).toThrow(TypeError)
  })

  test('headers can be changed, and keep what they had', () => {
    const headers = leanRequestOf(incoming('GET', '/', raw), null).headers
    headers.set('x-request-id', 'r1')
    headers.delete('cookie')
    expect(headers.get('x-request-id')).toBe('r1')
    expect(headers.get('cookie')).toBeNull()
    expect(headers.get('host')).toBe('api.example.com')
  })

  test('the body reads once, as text, JSON or bytes', async () => {
    const body = '{"email":"a@b.co"}'
    const request = () => leanRequestOf(incoming('POST', '/signup', raw), Buffer.from(body))
    expect(await request().text()).toBe(body)
    expect(await request().json()).toEqual({ email: 'a@b.co' })
    expect(new TextDecoder().decode(await request().arrayBuffer())).toBe(body)
    const once = request()
    expect(once.bodyUsed).toBe(false)
    expect(once.body).toBeTruthy()
    await once.text()
    expect(once.bodyUsed).toBe(true)
    expect(once.text()).rejects.toThrow(TypeError)
  })

  // The stream `body` hands out is made when first used, behind a Proxy that Node's own consumers
  // see through (Bun's native ones do not: the lean Request is the Node bridge's alone).
  test('on Node, the body is a stream each of Node’s consumers reads, once', async () => {
    const output = await outputOnNode(
      `import { Readable } from 'node:stream'
import { leanRequestOf } from ${JSON.stringify(resolve(import.meta.dir, '../../src/runtime/node/node-request.ts'))}
const request = () => leanRequestOf({ method: 'POST', url: '/signup', rawHeaders: [], headers: {} }, Buffer.from('{"a":1}'))
const decoded = (chunks) => Buffer.concat(chunks).toString()
const reads = {
  response: (body) => new Response(body).text(),
  request: (body) => new Request('http://localhost/', { method: 'POST', body, duplex: 'half' }).text(),
  reader: async (body) => decoded([(await body.getReader().read()).value]),
  iterator: async (body) => { const chunks = []; for await (const chunk of body) chunks.push(chunk); return decoded(chunks) },
  nodeStream: async (body) => { const chunks = []; for await (const chunk of Readable.fromWeb(body)) chunks.push(chunk); return decoded(chunks) },
  teed: (body) => new Response(body.tee()[1]).text(),
  piped: (body) => new Response(body.pipeThrough(new TransformStream())).text(),
}
const results = {}
for (const [name, read] of Object.entries(reads)) {
  const lean = request()
  const body = lean.body
  const before = [body instanceof ReadableStream, Object.getPrototypeOf(body) === ReadableStream.prototype, lean.bodyUsed, body.locked]
  const text = await read(body)
  const again = await lean.text().then(() => 'read again', (error) => error.constructor.name)
  results[name] = [...before, text, lean.bodyUsed, again, lean.body === body]
}
console.log(JSON.stringify(results))`,
    )
    const expected = [true, true, false, false, '{"a":1}', true, 'TypeError', true]
    expect(output).toEqual({
      response: expected,
      request: expected,
      reader: expected,
      iterator: expected,
      nodeStream: expected,
      teed: expected,
      piped: expected,
    })
  })

  test('no body is a null body', () => {
    const request = leanRequestOf(incoming('GET', '/health', raw), null)
    expect(request.body).toBeNull()
    expect(request.bodyUsed).toBe(false)
  })

  // Bun's Request copies another Request from its own internals, so this one runs on Node, where the
  // app copies a request to route it under a longer Host (src/app.ts `routable`).
  test('on Node, a real Request copies it, and what it does not keep comes from one', async () => {
    const output = await outputOnNode(
      `import { leanRequestOf } from ${JSON.stringify(resolve(import.meta.dir, '../../src/runtime/node/node-request.ts'))}
const raw = ${JSON.stringify(raw)}
const lean = leanRequestOf({ method: 'POST', url: '/signin', rawHeaders: raw, headers: { host: 'api.example.com' } }, Buffer.from('{}'))
const copy = new Request('http://localhost/signin', lean)
console.log(JSON.stringify([copy.method, copy.headers.get('content-type'), await copy.text(), lean.redirect, await lean.clone().text()]))`,
    )
    expect(output).toEqual(['POST', 'application/json', '{}', 'follow', '{}'])
  })

  test('methods Fetch forbids, and targets that make no URL, throw (the bridge answers 400)', () => {
    for (const method of ['TRACE', 'TRACK', 'CONNECT'])
      expect(() => leanRequestOf(incoming(method, '/', raw), null)).toThrow(TypeError)
    expect(() => leanRequestOf(incoming('GET', '*', raw), null)).toThrow(TypeError)
    expect(() => leanRequestOf(incoming('GET', '/', ['Host', 'a b']), null)).toThrow(TypeError)
  })

  test('the URL is what URL parsing makes of Host and target, with or without the shortcut', () => {
    const url = (host: string | undefined, target: string) =>
      requestUrlOf({ url: target, headers: host === undefined ? {} : { host } } as IncomingMessage)
    expect(url(undefined, '/health')).toBe('http://localhost/health')
    expect(url('api', '//x')).toBe('http://api//x')
    expect(url('api:80', '/a/../health')).toBe('http://api/health')
    expect(url('API.example', '/x')).toBe('http://api.example/x')
    expect(url('h', 'http://other.example/p')).toBe('http://other.example/p')
    const hostChar = fc.constantFrom(...'abcXYZ019.-_:'.split(''))
    const targetChar = fc.constantFrom(...'aZ09/.?#=&%-_~!$\'()*+,;:@[]{}|\\^`"<> é'.split(''))
    fc.assert(
      fc.property(
        fc.string({ unit: hostChar, minLength: 1, maxLength: 12 }),
        fc.string({ unit: targetChar, maxLength: 24 }),
        (host, path) => {
          let expected: string
          try {
            expected = new URL(`http://${host}/${path}`).href
          } catch {
            expect(() => url(host, `/${path}`)).toThrow()
            return
          }
          expect(url(host, `/${path}`)).toBe(expected)
        },
      ),
      { numRuns: 2000 },
    )
  })
})

describe('LeanResponse', () => {
  test('is a Response with the status, headers and body given; a string body defaults to text/plain', async () => {
    const response = new LeanResponse('OK', { status: 201, headers: { 'x-a': '1' } })
    expect(response).toBeInstanceOf(Response)
    expect(response.status).toBe(201)
    expect(response.headers.get('x-a')).toBe('1')
    expect(response.headers.get('content-type')).toBe('text/plain;charset=UTF-8')
    expect(LeanResponse.sourceOf(response)).toBe('OK')
    expect(await response.text()).toBe('OK')
    expect(response.bodyUsed).toBe(true)
    expect(response.text()).rejects.toThrow(TypeError)
    const typed = new LeanResponse('{}', { headers: { 'content-type': 'application/json' } })
    expect(typed.headers.get('content-type')).toBe('application/json')
  })

  test('a copy made from its body stream keeps the body without reading the stream', async () => {
    const first = new LeanResponse('{"a":1}', { status: 400 })
    const copy = new LeanResponse(first.body, { status: 400, headers: { 'x-b': '2' } })
    expect(LeanResponse.sourceOf(copy)).toBe('{"a":1}')
    expect(await copy.json()).toEqual({ a: 1 })
    // A stream someone has started reading is a stream like any other: a Response refuses it.
    const read = new LeanResponse('xyz')
    const reader = read.body!.getReader()
    await reader.read()
    reader.releaseLock()
    expect(() => new LeanResponse(read.body)).toThrow(TypeError)
  })

  test('other bodies are the platform’s; a body on a null-body status throws as the platform does', async () => {
    const params = new LeanResponse(new URLSearchParams({ a: '1' }))
    expect(LeanResponse.sourceOf(params)).toBeUndefined()
    expect(await params.text()).toBe('a=1')
    expect(new LeanResponse(null, { status: 204 }).body).toBeNull()
    expect(() => new LeanResponse('x', { status: 204 })).toThrow(TypeError)
    const bytes = new LeanResponse(new Uint8Array([104, 105]))
    expect(await bytes.clone().text()).toBe('hi')
    expect(await bytes.blob().then((blob) => blob.text())).toBe('hi')
  })
})

describe('an answer’s headers from a plain record', () => {
  const name = fc.constantFrom(
    'x-a',
    'X-A',
    'content-type',
    'Content-Length',
    'set-cookie',
    'Set-Cookie',
    'bad name',
    'é',
  )
  const value = fc.oneof(
    fc.constantFrom('1', 'text/plain', ' padded ', 'a\tb', 'ünï', 'snow ☃', 'cr\rlf', ''),
    fc.string({ maxLength: 6 }),
  )
  const op = fc.tuple(fc.constantFrom('get', 'has', 'set', 'delete', 'append'), name, value)
  const outcome = (run: () => unknown) => {
    try {
      return { value: run() }
    } catch (error) {
      return { error: (error as Error).constructor.name }
    }
  }

  test('behave as the platform’s Headers given the same record, whatever is asked of them', () => {
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 4 }), fc.array(op, { maxLength: 8 }), (record, ops) => {
        const platform = outcome(() => new Headers(record))
        // A byte body: a string one would add a Content-Type.
        const lean = outcome(() => new LeanResponse(new Uint8Array(0), { headers: record }).headers)
        expect('error' in lean).toBe('error' in platform)
        if (!('value' in platform) || !('value' in lean)) return
        const [expected, actual] = [platform.value as Headers, lean.value as Headers]
        for (const [method, header, text] of ops) {
          const call = (headers: Headers) => () =>
            (headers[method] as (name: string, value: string) => unknown).call(headers, header, text)
          expect(outcome(call(actual))).toEqual(outcome(call(expected)))
        }
        expect([...actual]).toEqual([...expected])
        expect(actual.getSetCookie()).toEqual(expected.getSetCookie())
      }),
      { numRuns: 3000 },
    )
  })

  test('are kept as a list of lowercase names when plain, and are the platform’s otherwise', () => {
    const kept = new LeanResponse('{}', { headers: { 'Content-Type': 'application/json', 'x-a': '1' } })
    kept.headers.set('x-request-id', 'r1')
    kept.headers.delete('x-a')
    expect(OutgoingHeaders.fieldsOf(kept.headers)).toEqual(['content-type', 'application/json', 'x-request-id', 'r1'])
    for (const headers of [{ 'set-cookie': 'a=1' }, { 'x-a': ' 1' }, { 'x-a': 1 }, new Headers({ 'x-a': '1' })]) {
      const response = new LeanResponse('{}', { headers: headers as unknown as Headers })
      expect(OutgoingHeaders.fieldsOf(response.headers)).toBeUndefined()
    }
    const iterated = new LeanResponse('{}', { headers: { 'x-a': '1' } })
    expect([...iterated.headers]).toEqual([
      ['content-type', 'text/plain;charset=UTF-8'],
      ['x-a', '1'],
    ])
    expect(OutgoingHeaders.fieldsOf(iterated.headers)).toBeUndefined()
  })

  // Elysia merges headers into a copy (new Headers(response.headers)), and the app copies an answer
  // it cannot change (new Response(response.body, response)): on Node, as the bridge runs them.
  test('on Node, copies of them have every field', async () => {
    const output = await outputOnNode(
      `import { LeanResponse } from ${JSON.stringify(resolve(import.meta.dir, '../../src/runtime/node/node-response.ts'))}
const lean = new LeanResponse('{}', { status: 400, headers: { 'content-type': 'application/json', 'x-a': '1' } })
lean.headers.set('x-request-id', 'r1')
const merged = new Response(lean.body, { headers: new Headers(lean.headers), status: 400 })
const copy = new Response(lean.body, lean)
console.log(JSON.stringify([[...merged.headers], [...copy.headers], copy.status, await copy.text()]))`,
    )
    const fields = [
      ['content-type', 'application/json'],
      ['x-a', '1'],
      ['x-request-id', 'r1'],
    ]
    expect(output).toEqual([fields, fields, 400, '{}'])
  })
})

describe('writeResponse', () => {
  let server: Server
  let next: () => Response
  let base: string
  beforeAll(async () => {
    server = createServer((_req, res) => void writeResponse(next(), res, false))
    await new Promise<void>((resolve) => server.listen(0, resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => server.close())
  const answer = async (response: Response) => {
    next = () => response
    return fetch(base)
  }

  test('a lean body goes out whole, with its Content-Length in bytes', async () => {
    const res = await answer(new LeanResponse('héllo', { headers: { 'content-type': 'text/plain' } }))
    expect(res.headers.get('content-length')).toBe('6')
    expect(await res.text()).toBe('héllo')
  })

  test('a plain headers record goes out as the app left it, with a Content-Length', async () => {
    const response = new LeanResponse('{"a":1}', { status: 400, headers: { 'content-type': 'application/json' } })
    response.headers.set('X-Request-Id', 'r1')
    const res = await answer(response)
    expect(res.status).toBe(400)
    expect([...res.headers].filter(([name]) => name !== 'date' && name !== 'keep-alive')).toEqual([
      ['connection', 'keep-alive'],
      ['content-length', '7'],
      ['content-type', 'application/json'],
      ['x-request-id', 'r1'],
    ])
    expect(await res.json()).toEqual({ a: 1 })
  })

  test('a platform Response goes out whole too', async () => {
    const res = await answer(Response.json({ a: 1 }, { status: 409 }))
    expect(res.status).toBe(409)
    expect(res.headers.get('content-length')).toBe('7')
    expect(await res.json()).toEqual({ a: 1 })
  })

  test('each cookie is its own Set-Cookie; 204 and 304 carry no Content-Length', async () => {
    const headers = new Headers()
    headers.append('set-cookie', 'a=1; Path=/')
    headers.append('set-cookie', 'b=2; Path=/')
    const res = await answer(new LeanResponse(null, { status: 204, headers }))
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/'])
    expect(res.headers.get('content-length')).toBeNull()
    const ok = await answer(new LeanResponse(null, { status: 200 }))
    expect(ok.headers.get('content-length')).toBe('0')
  })
})
