// One software passkey authenticator per call of startSoftwareAuthenticator (its own key store), run
// in Node (software-authenticator.mjs says why). It answers navigator.credentials.create/get for an
// origin with the JSON a browser would hand a page (RegistrationResponseJSON, AuthenticationResponseJSON).
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export interface SoftwareAuthenticator {
  /** navigator.credentials.create on `origin` with the creation options' JSON form. */
  create(origin: string, options: unknown): Promise<Record<string, any>>
  /** navigator.credentials.get on `origin` with the request options' JSON form. */
  get(origin: string, options: unknown): Promise<Record<string, any>>
  stop(): void
}

export function startSoftwareAuthenticator(): SoftwareAuthenticator {
  const child = spawn('node', [fileURLToPath(new URL('./software-authenticator.mjs', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const waiting: Array<(line: string) => void> = []
  createInterface({ input: child.stdout! }).on('line', (line) => waiting.shift()?.(line))
  const ask = (op: string, origin: string, options: unknown) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      waiting.push((line) => {
        const answer = JSON.parse(line) as { ok?: Record<string, any>; error?: string }
        answer.ok ? resolve(answer.ok) : reject(new Error(`authenticator: ${answer.error}`))
      })
      child.stdin!.write(`${JSON.stringify({ op, origin, options })}\n`)
    })
  return {
    create: (origin, options) => ask('create', origin, options),
    get: (origin, options) => ask('get', origin, options),
    stop: () => child.kill(),
  }
}
