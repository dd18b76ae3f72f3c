// Request body reading: JSON only, bounded in size, every failure a ProblemError (never Elysia's
// default error, which echoes the body it could not use).
import { ProblemError } from './problem.ts'

/** Our limit. The server's own limit sits well above it, see SERVER_MAX_BODY_BYTES. */
export const MAX_BODY_BYTES = 16 * 1024
/** The server (Bun's, or the Node bridge) answers bodies over this itself with an empty 413; between the two limits we answer with a problem. */
export const SERVER_MAX_BODY_BYTES = 1024 * 1024
/**
 * The deepest nesting of arrays and objects a body may have. No body of this API goes past three
 * levels; a body nested thousands deep (a few KB of `[`) overflows the stack of the recursive
 * validation after the parse, a 500 (found by fuzzing), so it is refused before it is validated.
 */
export const MAX_BODY_DEPTH = 32

const decoder = new TextDecoder('utf-8', { fatal: true })

const bodyTooLarge = () =>
  new ProblemError('payload_too_large', `The request body is larger than the limit of ${MAX_BODY_BYTES} bytes.`)

const isJsonMediaType = (contentType: string | null): boolean => {
  if (contentType === null) return false
  const semi = contentType.indexOf(';')
  const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'))
}

/**
 * The request's JSON body, parsed; undefined when there is none.
 * @param optional the route's body may be left out: then no body at all is none whatever the content
 *   type says (many clients, browsers' fetch wrappers among them, send application/json on every request).
 * @throws ProblemError payload_too_large, unsupported_media_type, malformed_json, validation_failed (nested too deep).
 */
export async function readJsonBody(request: Request, optional = false): Promise<unknown> {
  const declared = request.headers.get('content-length')
  // No body at all (e.g. POST /signout): nothing to parse; a route that needs one fails validation.
  const noBody = request.body === null || declared === '0'
  if (noBody && (optional || request.headers.get('content-type') === null)) return undefined
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) throw bodyTooLarge()
  if (!isJsonMediaType(request.headers.get('content-type'))) throw new ProblemError('unsupported_media_type')
  // Content-Length frames the body exactly, so one within the limit bounds the read; a chunked body
  // declares nothing and is read piece by piece, never more than the limit.
  const bytes = declared !== null ? await request.arrayBuffer() : await readAtMost(request.body, MAX_BODY_BYTES)
  let text: string
  try {
    text = decoder.decode(bytes)
  } catch {
    throw new ProblemError('malformed_json')
  }
  // Only a body that could spell such a key (directly or through a \u escape) pays for the reviver.
  const reviver = MAYBE_CONVERSION_KEY.test(text) ? refuseConversionKeys : undefined
  let body: unknown
  try {
    body = JSON.parse(text, reviver)
  } catch (error) {
    throw error instanceof ProblemError ? error : new ProblemError('malformed_json')
  }
  if (nestingDepthOf(text) > MAX_BODY_DEPTH) {
    throw new ProblemError('validation_failed', `The body is nested deeper than ${MAX_BODY_DEPTH} levels.`)
  }
  return body
}

const OPEN_ARRAY = 0x5b
const OPEN_OBJECT = 0x7b
const CLOSE_ARRAY = 0x5d
const CLOSE_OBJECT = 0x7d
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Whether `json` has more than `limit` `[` and `{` in all (strings included): with no more, it cannot
 * nest deeper than `limit`. Native searches, so a long string (a challenge's session) costs no loop
 * of ours over its characters.
 */
function hasMoreOpenings(json: string, limit: number): boolean {
  let count = 0
  for (const opening of ['[', '{']) {
    for (let at = json.indexOf(opening); at !== -1; at = json.indexOf(opening, at + 1)) {
      if (++count > limit) return true
    }
  }
  return false
}

/**
 * The deepest nesting of arrays and objects in `json`, text JSON.parse has accepted: one pass over
 * it, brackets inside strings skipped. A body too short to nest past the limit is not scanned.
 */
function nestingDepthOf(json: string): number {
  if (json.length <= 2 * MAX_BODY_DEPTH || !hasMoreOpenings(json, MAX_BODY_DEPTH)) return 0
  let depth = 0
  let deepest = 0
  let inString = false
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i)
    if (inString) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) inString = false
    } else if (c === QUOTE) inString = true
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) deepest = Math.max(deepest, ++depth)
    else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--
  }
  return deepest
}

// An object with its own non-function `toString` or `valueOf` (as `{"email": {"toString": ""}}`
// parses) cannot become a string: Elysia's validation error builder, which puts the value into its
// message, then throws a TypeError, a 500 (found by fuzzing). No field of this API has such a
// name, so such a body is refused up front.
const CONVERSION_KEYS = new Set(['toString', 'valueOf'])
const MAYBE_CONVERSION_KEY = /toString|valueOf|\\u/

function refuseConversionKeys(key: string, value: unknown): unknown {
  if (CONVERSION_KEYS.has(key)) {
    throw new ProblemError('validation_failed', `The field name ${key} is not accepted.`)
  }
  return value
}

async function readAtMost(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0)
  // Chunks as they come, joined once: no buffer of the full limit per request.
  const chunks: Uint8Array[] = []
  let length = 0
  for await (const chunk of body) {
    length += chunk.byteLength
    if (length > limit) throw bodyTooLarge()
    chunks.push(chunk)
  }
  if (chunks.length === 1) return chunks[0]!
  const bytes = new Uint8Array(length)
  let at = 0
  for (const chunk of chunks) {
    bytes.set(chunk, at)
    at += chunk.byteLength
  }
  return bytes
}
