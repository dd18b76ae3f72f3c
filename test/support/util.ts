import { createServer } from 'node:net'

/** A port that was free a moment ago (the OS picks it). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })

/** Polls until `probe` returns a value, or fails naming what it waited for. */
export async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const value = probe()
    if (value !== undefined) return value
    await Bun.sleep(20)
  }
  throw new Error(`timed out waiting for ${what}`)
}

let counter = 0
/** A fresh, unique email per call, so tests never collide in the shared pool. */
export const uniqueEmail = (tag = 'user') => `${tag}.${Date.now().toString(36)}.${(counter++).toString(36)}@example.com`

export const PASSWORD = 'ThisisLocalTest1234@'
