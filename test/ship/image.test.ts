// The runtime image, proven without a Docker engine: its filesystem is rebuilt from the Debian
// packages gcr.io/distroless/base-nossl-debian12 is made of (scripts/image/runtime-root.ts), the
// compiled binary is copied to where the Dockerfile puts it, and the Dockerfile's own ENTRYPOINT and
// HEALTHCHECK run inside it with chroot, as its USER, with an environment holding only the
// configuration, on a read-only root with /proc mounted: what a container runtime does, minus the
// namespaces. Behind it, the suite's cognito-local and SECRET_HASH-verifying proxy.
// Needs root (chroot, mount), as CI runs.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, existsSync, lstatSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { assembleRuntimeRoot, NONROOT } from '../../scripts/image/runtime-root.ts'
import { ensureBinary } from '../support/binary.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { post, request } from '../support/http.ts'
import { spawnService, startService, type RunningService } from '../support/service.ts'
import { freePort, PASSWORD, uniqueEmail } from '../support/util.ts'
import { readRuntimeStage } from './dockerfile.ts'
import { readElf } from './elf.ts'
import { hasMountsUnder, mountImageRoot, unmountAll } from './mounts.ts'

const stage = readRuntimeStage()
const entrypoint = stage.entrypoint!
const healthcheck = stage.healthcheck!
const CHROOT = Bun.which('chroot') ?? '/usr/sbin/chroot'
const LIBDIR = 'lib/x86_64-linux-gnu'

let root: string
let binary: string
let cognito: TestCognito
const started: RunningService[] = []

/** A command run inside the image root as the Dockerfile's USER. */
const inImage = (argv: string[]) => [CHROOT, `--userspec=${stage.user}`, root, ...argv]

async function startInImage(env: Record<string, string>): Promise<RunningService> {
  const service = await startService(env, inImage(entrypoint))
  started.push(service)
  return service
}

/** Runs the HEALTHCHECK command in the image; its exit code, stderr, and how long it took. */
async function runHealthcheck(port: number) {
  const begun = performance.now()
  const { exited, lines } = spawnService({ PORT: String(port) }, inImage(healthcheck))
  const code = await exited
  return { code, lines, ms: performance.now() - begun }
}

beforeAll(async () => {
  binary = await ensureBinary('amd64')
  cognito = await testCognito()
  root = realpathSync(mkdtempSync(join(tmpdir(), 'user-service-image-')))
  assembleRuntimeRoot(root, { from: binary, to: entrypoint[0]! })
  mountImageRoot(root)
}, 180_000)

afterAll(async () => {
  cognito?.proxy.setDelay(0)
  await Promise.all(started.map((s) => s.stop('SIGKILL')))
  unmountAll()
  // Never delete through a mount that failed to come off (it would reach into /proc).
  if (root && !hasMountsUnder(root)) rmSync(root, { recursive: true, force: true })
})

describe('the Dockerfile', () => {
  test('runtime stage: distroless base-nossl (Debian 12) as non-root, exec-form entrypoint and health check, port 8080', () => {
    expect(stage.from).toBe('gcr.io/distroless/base-nossl-debian12:nonroot')
    expect(stage.user).toBe(`${NONROOT}:${NONROOT}`)
    expect(stage.expose).toEqual(['8080'])
    expect(entrypoint).toEqual(['/usr/local/bin/user-service'])
    expect(healthcheck).toEqual([...entrypoint, 'healthcheck'])
  })

  test('builds with the Bun that package-lock.json pins', () => {
    const lock = JSON.parse(readFileSync(join(import.meta.dir, '../../package-lock.json'), 'utf8'))
    expect(stage.args.BUN_VERSION).toBe(lock.packages['node_modules/bun'].version)
    expect(stage.args.BUN_VERSION).toBe(Bun.version)
  })
})

describe('the binary needs nothing but glibc', () => {
  test('x86-64: every library it links, and its loader, come from libc6 in the image', () => {
    const elf = readElf(binary)
    expect(elf.machine).toBe('x86-64')
    const missing = elf.needed.filter((soname) => !existsSync(join(root, LIBDIR, soname)))
    expect(missing).toEqual([])
    // The loader path the kernel opens must be in the image (here: libc6's /lib64 link).
    expect(lstatSync(join(root, elf.interpreter!)).isSymbolicLink() || existsSync(join(root, elf.interpreter!))).toBe(true)
  })

  test('arm64 (Graviton): an aarch64 executable linking the same glibc libraries', async () => {
    const elf = readElf(await ensureBinary('arm64'))
    expect(elf.machine).toBe('aarch64')
    expect(elf.interpreter).toBe('/lib/ld-linux-aarch64.so.1')
    // libc6's sonames are the same on every architecture but the loader's.
    const notInLibc6 = elf.needed.filter((soname) => !existsSync(join(root, LIBDIR, soname)))
    expect(notInLibc6).toEqual([basename(elf.interpreter!)])
  }, 120_000)
})

describe('the service inside the image', () => {
  let service: RunningService
  beforeAll(async () => {
    service = await startInImage(cognito.serviceEnv())
  })

  test('answers /health 200, as uid/gid 65532, chrooted, with only the configuration in its environment', async () => {
    const health = await request(service.url, 'GET', '/health')
    expect({ status: health.status, text: health.text }).toEqual({ status: 200, text: 'OK' })
    const pid = service.proc.pid
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    expect(status).toContain(`Uid:\t${NONROOT}\t${NONROOT}\t${NONROOT}\t${NONROOT}`)
    expect(status).toContain(`Gid:\t${NONROOT}\t${NONROOT}\t${NONROOT}\t${NONROOT}`)
    expect(readlinkSync(`/proc/${pid}/root`)).toBe(root)
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean)
    expect(environ.map((e) => e.slice(0, e.indexOf('='))).sort()).toEqual(Object.keys(cognito.serviceEnv()).sort())
  })

  test('signs a user up and in through the local Cognito, SECRET_HASH verified', async () => {
    const email = uniqueEmail('image')
    const signUp = await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'Image' })
    expect(signUp.status).toBe(201)
    await cognito.confirm(email)
    const signIn = await post(service.url, '/signin', { email, password: PASSWORD })
    expect(signIn.status).toBe(200)
    expect(signIn.body.tokenType).toBe('Bearer')
    expect(signIn.body.accessToken.split('.')).toHaveLength(3)
    const calls = cognito.proxy.calls.filter((c) => c.operation === 'SignUp' || c.operation === 'InitiateAuth')
    expect(calls.length).toBeGreaterThanOrEqual(2)
    expect(calls.at(-1)).toMatchObject({ operation: 'InitiateAuth', hashValid: true })
  })

  test('healthcheck mode exits 0 while the server is up', async () => {
    const check = await runHealthcheck(service.port)
    expect(check.code).toBe(0)
  })

  test('healthcheck mode exits 1 when nothing listens, and starts no server of its own (it would answer itself)', async () => {
    const check = await runHealthcheck(await freePort())
    expect(check.code).toBe(1)
    expect(check.lines).toHaveLength(1)
    expect(check.lines[0]).toContain('user-service healthcheck: /health unreachable')
  })

  test('healthcheck mode gives up on a server that never answers: exit 1 after its 2 s budget, within the HEALTHCHECK timeout', async () => {
    // A socket that accepts and stays silent: a hung server.
    const sockets: Array<{ destroy(): void }> = []
    const silent: Server = createServer((socket) => void sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const check = await runHealthcheck((silent.address() as { port: number }).port)
      expect(check.code).toBe(1)
      expect(check.ms).toBeGreaterThanOrEqual(2000)
      expect(check.ms).toBeLessThan(5000)
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })
})

describe('stopping the container', () => {
  test('SIGTERM: every request in flight is answered, new connections are refused, exit 0; the health check then fails', async () => {
    const service = await startInImage(cognito.serviceEnv())
    // A slow Cognito keeps requests in flight when the signal arrives.
    cognito.proxy.setDelay(600)
    try {
      const inFlight = Array.from({ length: 8 }, (_, i) =>
        post(service.url, '/signup', { email: uniqueEmail(`term${i}`), password: PASSWORD, nickname: 'n' }),
      )
      await Bun.sleep(200)
      service.proc.kill('SIGTERM')
      const answers = await Promise.all(inFlight)
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(201))
      expect(await service.exited).toBe(0)
      expect(service.logs().map((l) => l.msg)).toContain('stopped')
      const refused = await fetch(`${service.url}/health`).then(
        () => false,
        () => true,
      )
      expect(refused).toBe(true)
      expect((await runHealthcheck(service.port)).code).toBe(1)
    } finally {
      cognito.proxy.setDelay(0)
    }
  })
})
