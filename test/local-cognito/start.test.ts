// `npm start` next to another one: when the local Cognito's port is taken it says so and exits,
// before it touches the data directory (the other instance's database and log).
import { expect, test } from 'bun:test'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

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
