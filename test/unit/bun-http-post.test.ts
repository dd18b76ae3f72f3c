import { afterAll, describe, expect, test } from 'bun:test'
import { createBunHttpPost, parseAnswer } from '../../src/runtime/bun/bun-http-post.ts'
import { freePort } from '../support/util.ts'

const bytes = (text: string) => Buffer.from(text, 'latin1')

describe('reading an answer', () => {
  test('by Content-Length: nothing until the whole body is there', () => {
    const head = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 7\r\nX-Amzn-ErrorType: NotAuthorizedException\r\n\r\n'
    expect(parseAnswer(bytes(`${head}{"a":`), false)).toBeUndefined()
    const parsed = parseAnswer(bytes(`${head}{"a":1}`), false)!
    expect(parsed.answer.status).toBe(400)
    expect(parsed.answer.text).toBe('{"a":1}')
    expect(parsed.answer.header('x-amzn-errortype')).toBe('NotAuthorizedException')
    expect(parsed.keepAlive).toBe(true)
  })

  test('chunked, across chunks, up to the last one', () => {
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'
    expect(parseAnswer(bytes(`${head}3\r\n{"a\r\n`), false)).toBeUndefined()
    const parsed = parseAnswer(bytes(`${head}3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n`), false)!
    expect(parsed.answer.text).toBe('{"a":1}')
  })

  test('Connection: close, or a body up to the close, is not kept', () => {
    expect(
      parseAnswer(bytes('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}'), false)!.keepAlive,
    ).toBe(false)
    expect(parseAnswer(bytes('HTTP/1.1 200 OK\r\n\r\n{}'), false)).toBeUndefined()
    expect(parseAnswer(bytes('HTTP/1.1 200 OK\r\n\r\n{}'), true)).toMatchObject({ keepAlive: false })
  })

  test('a connection closed before the whole answer is ECONNRESET', () => {
    expect(() => parseAnswer(bytes('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{}'), true)).toThrow(
      expect.objectContaining({ code: 'ECONNRESET' }),
    )
    expect(() => parseAnswer(bytes('HTTP/1.1 20'), true)).toThrow(expect.objectContaining({ code: 'ECONNRESET' }))
  })
})

describe('the keep-alive pool', () => {
  const ports = new Set<number>()
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request, srv) {
      ports.add(srv.requestIP(request)!.port)
      const body = await request.text()
      if (body === 'slow') await Bun.sleep(2000)
      return Response.json({ echo: body, target: request.headers.get('x-amz-target') })
    },
  })
  afterAll(() => server.stop(true))
  const url = `http://127.0.0.1:${server.port}/`
  const signal = () => new AbortController().signal

  test('posts the body and headers, and reuses its connections', async () => {
    const post = createBunHttpPost(1000, 8)
    ports.clear()
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, n) => post(url, { 'x-amz-target': 'T' }, `b${n}`, signal())),
      )
      expect(answers.map((a) => JSON.parse(a.text))).toEqual(
        Array.from({ length: 8 }, (_, n) => ({ echo: `b${n}`, target: 'T' })),
      )
    }
    expect(ports.size).toBe(8)
  })

  test('an abort ends the call at once with the signal reason', async () => {
    const post = createBunHttpPost(1000, 8)
    const controller = new AbortController()
    const pending = post(url, {}, 'slow', controller.signal)
    setTimeout(() => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')), 50)
    expect(((await pending.catch((error: unknown) => error)) as Error).name).toBe('TimeoutError')
    expect(JSON.parse((await post(url, {}, 'next', signal())).text).echo).toBe('next')
  })

  test('a refused connection is ECONNREFUSED', async () => {
    const post = createBunHttpPost(1000, 8)
    const closed = await freePort()
    const error = await post(`http://127.0.0.1:${closed}/`, {}, '{}', signal()).catch((e: unknown) => e)
    expect((error as { code?: string }).code).toBe('ECONNREFUSED')
  })
})
