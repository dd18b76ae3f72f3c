// Structured JSON logs, one object per line. Request bodies are never passed to the logger; as a
// second fence every line is scrubbed of the client secret and of anything shaped like a JWT.
import { writeSync } from 'node:fs'
import type { LogLevel } from './config.ts'

/** A line's own fields; `time`, `level` and `msg` are the logger's. */
export type LogFields = Record<string, unknown>

export interface Logger {
  debug(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  error(msg: string, fields?: LogFields): void
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 }
const JWT_SHAPED = /eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g

export interface LoggerOptions {
  level: LogLevel
  /** Values that must never appear in a line (the client secret). */
  secrets?: readonly string[]
  write?: (line: string) => void
}

// One write(2) per line cost the service about a third of its CPU on /health under load
// (docs/performance.md). Lines are batched: written together at the end of the event-loop turn that
// produced them, at once past BATCH_BYTES, and on exit, so no line is lost or reordered while stdout
// can be written.
const BATCH_BYTES = 64 * 1024

export function batchedWriter(
  sink: (chunk: string) => void,
  onLost: (error: unknown) => void = reportLostOnce(),
): (line: string) => void {
  let pending = ''
  let scheduled = false
  const flush = () => {
    scheduled = false
    if (pending === '') return
    const chunk = pending
    pending = ''
    // A log that cannot be written (its reader gone: EPIPE) must not take the service down with it.
    try {
      sink(chunk)
    } catch (error) {
      onLost(error)
    }
  }
  process.on('exit', flush)
  return (line) => {
    pending += line
    if (pending.length >= BATCH_BYTES) flush()
    else if (!scheduled) {
      scheduled = true
      setImmediate(flush)
    }
  }
}

/** Says once, on stderr, that log lines are being dropped (stderr may be gone too: then nothing). */
function reportLostOnce(): (error: unknown) => void {
  let reported = false
  return (error) => {
    if (reported) return
    reported = true
    const code = (error as NodeJS.ErrnoException | undefined)?.code ?? 'error'
    try {
      writeSync(2, `user-service: log lines are being dropped: stdout failed (${code})\n`)
    } catch {
      // nowhere left to say it
    }
  }
}

/**
 * Writes a chunk to a file descriptor in full, synchronously, as pino's sync destination does. Not
 * process.stdout: setting that stream up delayed the first log line of every cold start
 * (docs/performance.md, "Choices made for speed"), and a synchronous write is also complete when the process exits. A pipe
 * that someone else made non-blocking answers EAGAIN when full: wait for the reader and go on.
 */
export function writeAll(fd: number, chunk: string, write: typeof writeSync = writeSync): void {
  // The string as it is first: the usual whole write needs no copy of the batch into a Buffer.
  let bytes: Buffer | undefined
  while (bytes === undefined || bytes.length > 0) {
    try {
      if (bytes === undefined) {
        const written = write(fd, chunk)
        if (written === Buffer.byteLength(chunk)) return
        bytes = Buffer.from(chunk).subarray(written)
      } else {
        bytes = bytes.subarray(write(fd, bytes))
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error
      Atomics.wait(PAUSE, 0, 0, 10)
    }
  }
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4))

export function createLogger({
  level,
  secrets = [],
  write = batchedWriter((chunk) => writeAll(1, chunk)),
}: LoggerOptions): Logger {
  const min = RANK[level]
  const hidden = secrets.filter((s) => s.length > 0)
  const scrub = (line: string) => {
    let out = line.includes('eyJ') ? line.replace(JWT_SHAPED, '[REDACTED]') : line
    for (const secret of hidden) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]')
    return out
  }
  // Built as text rather than by spreading the fields into a new object, with the timestamp
  // formatted once per millisecond: the access line is written for every request.
  let lastMs = -1
  let lastTime = ''
  const time = () => {
    const ms = Date.now()
    if (ms !== lastMs) {
      lastMs = ms
      lastTime = new Date(ms).toISOString()
    }
    return lastTime
  }
  const emit = (lvl: LogLevel) => (msg: string, fields?: LogFields) => {
    if (RANK[lvl] < min) return
    const rest = fields === undefined ? '{}' : JSON.stringify(fields)
    write(
      `${scrub(`{"time":"${time()}","level":"${lvl}","msg":${JSON.stringify(msg)}${rest === '{}' ? '}' : `,${rest.slice(1)}`}`)}\n`,
    )
  }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }
}

/** What may be logged of a failure: its identity, never a request or response body. */
export function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: String(error) }
  const { name, message } = error
  const code = (error as { code?: unknown }).code
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
  return {
    error: {
      name,
      message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(status ? { upstreamStatus: status } : {}),
    },
  }
}
