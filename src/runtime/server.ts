// What a runtime's server gives the shared start-up (src/service.ts), whichever runtime serves:
// Bun.serve in the Bun entry, node:http in the Node bridge (node/node-server.ts).

/** The settings every runtime's server applies, chosen once by the start-up. */
export interface ServeOptions {
  port: number
  /** How long a connection may sit idle (kept-alive or mid-request) before the server closes it. */
  idleTimeoutSeconds: number
  /** Bodies over this are refused by the server itself, before the app reads a byte. */
  maxRequestBodyBytes: number
  /** Request headers over this (bytes, in all) are refused by the server itself (see MAX_HEADER_BYTES in service.ts). */
  maxHeaderBytes: number
}

/** A listening server, as the start-up drives it. */
export interface Server {
  /** The port actually bound (PORT=0 picks a free one). */
  port: number
  /** The socket peer address of a request this server is handling. */
  requestIp(request: Request): string | undefined
  /** Stops accepting connections; resolves once in-flight requests have been answered. */
  drain(): Promise<void>
  /** Closes every remaining connection now. */
  close(): Promise<void>
}
