// `npm start` next to another one: when the local Cognito's port is taken it says so and exits,
// before it touches the data directory (the other instance's database and log). And `npm start` in
// either refresh mode: the start-up line names it, and /token/refresh answers as that mode does.
import { describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

import { post } from '../support/http.ts'
import { freePort, PASSWORD, uniqueEmail, waitFor } from '../support/util.ts'

const ROOT = resolve(import.meta.dir, '../..')

test('a busy LOCAL_COGNITO_PORT: one line naming it, exit 1, the data directory untouched', async () => {
  const holder = createServer().listen(0, '127.0.0.1')
  await once(holder, 'listening')
  const port = (holder.address() as AddressInfo).port
  const dataDir = mkdtempSync(join(tmpdir(), 'user-service-start-'))
  try {
    const proc = Bun.spawn(['bun', 'dev/start.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LOCAL_COGNITO_PORT: String(port), LOCAL_COGNITO_DIR: dataDir, PORT: '0' },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    const outcome = await Promise.race([proc.exited, Bun.sleep(15_000).then(() => 'still running' as const)])
    proc.kill('SIGKILL')
    const stderr = await new Response(proc.stderr).text()
    const stdout = await new Response(proc.stdout).text()
    expect(outcome).toBe(1)
    expect(stderr.trim().split('\n')).toEqual([
      `[local-cognito] port ${port} is already in use (another npm start?): stop that one, or set LOCAL_COGNITO_PORT to a free port`,
    ])
    expect(stdout).not.toContain('listening')
    expect(existsSync(join(dataDir, 'emulator.log'))).toBe(false)
  } finally {
    holder.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
})

/** Runs `npm start`'s script with `env` until `use` is done; collects its stderr lines. */
async function withLocalStart(env: Record<string, string>, use: (url: string, lines: string[]) => Promise<void>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'user-service-start-'))
  const port = await freePort()
  const lines: string[] = []
  const proc = Bun.spawn(['bun', 'dev/start.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      LOCAL_COGNITO_PORT: String(await freePort()),
      LOCAL_COGNITO_DIR: dataDir,
      EXAMPLE_PAGE_PORT: String(await freePort()),
      PORT: String(port),
      ...env,
    },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    let pending = ''
    for await (const chunk of stream) {
      const text = pending + decoder.decode(chunk, { stream: true })
      const complete = text.split('\n')
      pending = complete.pop() ?? ''
      lines.push(...complete)
    }
  }
  void collect(proc.stdout)
  void collect(proc.stderr)
  try {
    await waitFor(() => lines.find((line) => line.includes('"listening"')), 'the service listening', 30_000)
    await use(`http://127.0.0.1:${port}`, lines)
  } finally {
    proc.kill('SIGTERM')
    await proc.exited
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** Signs up, confirms (with the printed code) and signs in; resolves to the sign-in's body. */
async function signedIn(url: string, lines: string[]) {
  const email = uniqueEmail('start')
  expect((await post(url, '/signup', { email, password: PASSWORD, nickname: 'n' })).status).toBe(201)
  const printed = `code for ${email}: `
  const line = await waitFor(() => lines.find((l) => l.includes(printed)), `the code for ${email}`)
  const code = line.slice(line.indexOf(printed) + printed.length).trim()
  expect((await post(url, '/signup/confirm', { email, code })).status).toBe(200)
  const signIn = await post(url, '/signin', { email, password: PASSWORD })
  expect(signIn.status).toBe(200)
  return signIn.body as { refreshToken: string; username: string }
}

describe('npm start in either refresh mode', () => {
  test('COGNITO_REFRESH_TOKEN_ROTATION=true: the start-up line says it, and a refresh answers a new refresh token', async () => {
    await withLocalStart({ COGNITO_REFRESH_TOKEN_ROTATION: 'true' }, async (url, lines) => {
      expect(
        lines.some((l) => l.includes('refresh tokens rotate (GetTokensFromRefreshToken, 10 s grace period)')),
      ).toBe(true)
      const { refreshToken } = await signedIn(url, lines)
      const refreshed = await post(url, '/token/refresh', { refreshToken })
      expect(refreshed.status).toBe(200)
      expect(typeof refreshed.body.refreshToken).toBe('string')
      expect(refreshed.body.refreshToken).not.toBe(refreshToken)
    })
  }, 60_000)

  test('by default: the start-up line says refresh tokens do not rotate, and a refresh answers none', async () => {
    await withLocalStart({}, async (url, lines) => {
      expect(lines.some((l) => l.includes('refresh tokens do not rotate (REFRESH_TOKEN_AUTH'))).toBe(true)
      const { refreshToken, username } = await signedIn(url, lines)
      const refreshed = await post(url, '/token/refresh', { refreshToken, username })
      expect(refreshed.status).toBe(200)
      expect(refreshed.body.refreshToken).toBeUndefined()
    })
  }, 60_000)
})
