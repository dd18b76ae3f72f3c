// Request body reading: JSON only, bounded in size, every failure a ProblemError (never Elysia's
// default error, which echoes the body it could not use).
import { ProblemError } from './problem.ts'

/** Our limit. The server's own limit (Bun's maxRequestBodySize) sits well above it, see SERVER_MAX_BODY. */
export const MAX_BODY_BYTES = 16 * 1024
/** Bun answers bodies over this itself with an empty 413; between the two limits we answer with a problem. */
export const SERVER_MAX_BODY_BYTES = 1024 * 1024

const decoder = new TextDecoder('utf-8', { fatal: true })

const isJsonMediaType = (contentType: string | null): boolean => {
  if (contentType === null) return false
  const semi = contentType.indexOf(';')
  const media = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase()
  return media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'))
}

export async function readJsonBody(request: Request): Promise<unknown> {
  const declared = request.headers.get('content-length')
  // No body at all (e.g. POST /signout): nothing to parse; a route that needs one fails validation.
  if (request.headers.get('content-type') === null && (request.body === null || declared === '0')) return undefined
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) throw new ProblemError('payload_too_large')
  if (!isJsonMediaType(request.headers.get('content-type'))) throw new ProblemError('unsupported_media_type')
  // A chunked body has no Content-Length: measure what actually arrived.
  const bytes = await request.arrayBuffer()
  if (bytes.byteLength > MAX_BODY_BYTES) throw new ProblemError('payload_too_large')
  try {
    return JSON.parse(decoder.decode(bytes))
  } catch {
    throw new ProblemError('malformed_json')
  }
}
