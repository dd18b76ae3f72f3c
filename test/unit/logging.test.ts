import { describe, expect, test } from 'bun:test'
import { clientIp } from '../../src/http/client-address.ts'
import { requestIdFrom, traceIdFrom } from '../../src/http/request-ids.ts'
import { batchedWriter, createLogger, writeAll } from '../../src/logging.ts'

const capture = (level: 'debug' | 'info' | 'warn' | 'error', secrets: string[] = []) => {
  const lines: string[] = []
  return { lines, logger: createLogger({ level, secrets, write: (line) => lines.push(line) }) }
}

describe('logger', () => {
  test('one JSON object per line with time, level and message', () => {
    const { lines, logger } = capture('info')
    logger.info('request', { status: 200 })
    expect(lines).toHaveLength(1)
    expect(lines[0]!.endsWith('\n')).toBe(true)
    const entry = JSON.parse(lines[0]!)
    expect(entry).toMatchObject({ level: 'info', msg: 'request', status: 200 })
    expect(Number.isNaN(Date.parse(entry.time))).toBe(false)
  })

  test('levels below the threshold are dropped', () => {
    const { lines, logger } = capture('warn')
    logger.debug('a')
    logger.info('b')
    logger.warn('c')
    logger.error('d')
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['c', 'd'])
  })

  test('the client secret and JWT-shaped strings are scrubbed from every line', () => {
    const { lines, logger } = capture('info', ['sup3r-s3cret'])
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl'
    logger.error('failed', { error: { message: `bad secret sup3r-s3cret and token ${jwt}` } })
    expect(lines[0]).not.toContain('sup3r-s3cret')
    expect(lines[0]).not.toContain(jwt)
    expect(lines[0]).toContain('[REDACTED]')
  })
})

describe('request id', () => {
  test('a well-formed X-Request-Id is kept', () => expect(requestIdFrom('abc-123.X:y_z')).toBe('abc-123.X:y_z'))
  test.each([null, '', 'has space', 'line\nbreak', 'x'.repeat(129), '{"json":1}'])(
    '%p is replaced by a generated id',
    (header) => {
      const id = requestIdFrom(header)
      expect(id).not.toBe(header as string)
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
    },
  )
})

describe('trace id', () => {
  test.each([
    'Root=1-5759e988-bd862e3fe1be46a994272793',
    'Self=1-67891234-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678;Sampled=1',
  ])('the ALB’s %p is kept', (header) => expect(traceIdFrom(header)).toBe(header))
  test.each([null, '', 'Root=1 2', 'Root=1\nforged', 'x'.repeat(257), '{"json":1}'])('%p is dropped', (header) =>
    expect(traceIdFrom(header)).toBeUndefined(),
  )
})

describe('client ip', () => {
  test('the socket address unless TRUST_PROXY', () => {
    expect(clientIp('1.1.1.1, 2.2.2.2', () => '10.0.0.5', false)).toBe('10.0.0.5')
  })
  test('the right-most X-Forwarded-For entry (appended by the ALB) when TRUST_PROXY', () => {
    expect(clientIp('6.6.6.6, 2.2.2.2', () => '10.0.0.5', true)).toBe('2.2.2.2')
    expect(clientIp(' 2.2.2.2 ', () => '10.0.0.5', true)).toBe('2.2.2.2')
    expect(clientIp('2.2.2.2', () => expect.unreachable('socket address looked up'), true)).toBe('2.2.2.2')
  })
  test('a port the ALB appended is stripped; IPv4-mapped IPv6 is IPv4 (header or socket)', () => {
    expect(clientIp('6.6.6.6:1234, 2.2.2.2:5678', () => '10.0.0.5', true)).toBe('2.2.2.2')
    expect(clientIp('[2001:db8::7]:5678', () => '10.0.0.5', true)).toBe('2001:db8::7')
    expect(clientIp('2001:db8::7', () => '10.0.0.5', true)).toBe('2001:db8::7')
    expect(clientIp('::ffff:2.2.2.2', () => '10.0.0.5', true)).toBe('2.2.2.2')
    expect(clientIp(null, () => '::ffff:127.0.0.1', true)).toBe('127.0.0.1')
  })
  test('no header, or an empty last entry, falls back to the socket', () => {
    expect(clientIp(null, () => '10.0.0.5', true)).toBe('10.0.0.5')
    expect(clientIp('1.1.1.1, ', () => '10.0.0.5', true)).toBe('10.0.0.5')
  })
})

describe('batched writer', () => {
  test('lines of one event-loop turn leave in one write, in order, at the end of the turn', async () => {
    const chunks: string[] = []
    const write = batchedWriter((chunk) => chunks.push(chunk))
    write('a\n')
    write('b\n')
    expect(chunks).toEqual([])
    await new Promise((resolve) => setImmediate(resolve))
    expect(chunks).toEqual(['a\nb\n'])
    write('c\n')
    await new Promise((resolve) => setImmediate(resolve))
    expect(chunks).toEqual(['a\nb\n', 'c\n'])
  })

  test('a full batch is written at once, without waiting for the turn to end', () => {
    const chunks: string[] = []
    const write = batchedWriter((chunk) => chunks.push(chunk))
    const line = `${'x'.repeat(1023)}\n`
    for (let i = 0; i < 64; i++) write(line)
    expect(chunks).toHaveLength(1)
    expect(chunks[0]).toHaveLength(64 * 1024)
  })
})

describe('writeAll', () => {
  test('a short write or a full non-blocking pipe (EAGAIN) loses nothing and keeps the order', () => {
    const written: Buffer[] = []
    let calls = 0
    const write = ((_fd: number, data: string | Uint8Array) => {
      calls++
      if (calls === 1 || calls === 3)
        throw Object.assign(new Error('EAGAIN: resource temporarily unavailable'), { code: 'EAGAIN' })
      const bytes = typeof data === 'string' ? Buffer.from(data) : data
      const n = Math.min(4, bytes.length)
      written.push(Buffer.from(bytes.subarray(0, n)))
      return n
    }) as never
    writeAll(1, 'line one\nline two ✓\n', write)
    expect(Buffer.concat(written).toString()).toBe('line one\nline two ✓\n')
    expect(calls).toBeGreaterThan(5)
  })

  test('a whole write is one call', () => {
    const seen: unknown[] = []
    const write = ((_fd: number, data: string) => {
      seen.push(data)
      return Buffer.byteLength(data)
    }) as never
    writeAll(1, 'ünïcode line\n', write)
    expect(seen).toEqual(['ünïcode line\n'])
  })

  test('any other write error is thrown, not retried forever', () => {
    const write = (() => {
      throw Object.assign(new Error('EBADF'), { code: 'EBADF' })
    }) as never
    expect(() => writeAll(1, 'x\n', write)).toThrow('EBADF')
  })
})

describe('batched writer, when the sink fails', () => {
  test('a failed write drops that batch, is reported, and the service goes on writing', async () => {
    const written: string[] = []
    const lost: unknown[] = []
    let fail = true
    const write = batchedWriter(
      (chunk) => {
        if (fail) throw Object.assign(new Error('EPIPE: broken pipe'), { code: 'EPIPE' })
        written.push(chunk)
      },
      (error) => lost.push(error),
    )
    write('a\n')
    await new Promise((resolve) => setImmediate(resolve))
    expect(lost).toHaveLength(1)
    fail = false
    write('b\n')
    await new Promise((resolve) => setImmediate(resolve))
    expect(written).toEqual(['b\n'])
  })
})
