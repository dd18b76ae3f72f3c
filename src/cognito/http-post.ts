// The one network call of the JSON transport: POST a JSON body, read the whole answer. A seam so that
// each runtime uses its cheapest well-kept client: Bun's fetch on Bun; on Node, node:http with a
// keep-alive agent (runtime/node/node-http-post.ts), because Node's fetch (undici's WHATWG layer)
// costs several times the CPU per call (docs/performance.md, "On Node").

/** What the transport reads of an answer. */
export interface PostAnswer {
  status: number
  /** A response header by lower-case name, or null. */
  header(name: string): string | null
  text: string
}

/**
 * POSTs `body` to `url`. Resolves with the answer whatever its status; rejects on a transport
 * failure (with Node's error codes where the client has them) or when `signal` aborts.
 */
export type HttpPost = (
  url: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
) => Promise<PostAnswer>

/** The runtime's fetch. */
export const fetchPost: HttpPost = async (url, headers, body, signal) => {
  const response = await fetch(url, { method: 'POST', headers, body, signal })
  return { status: response.status, header: (name) => response.headers.get(name), text: await response.text() }
}
