// The runtime image, proven without a Docker engine: its filesystem is rebuilt from the Debian
// packages gcr.io/distroless/base-nossl-debian12 is made of (scripts/image/runtime-root.ts), the
// compiled binary is copied to where the Dockerfile puts it, and the Dockerfile's own ENTRYPOINT and
// HEALTHCHECK run inside it with chroot, as its USER, with an environment holding only the
// configuration, on a read-only root with /proc mounted: what a container runtime does, minus the
// namespaces. Behind it, the suite's cognito-local and SECRET_HASH-verifying proxy.
// The arm64 image is rebuilt the same way from arm64 packages and run under Debian's
// qemu-user-static (copied into its root: the one file the real image does not have).
// Needs root (chroot, mount), as CI runs.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
} from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import type { Arch } from '../../scripts/build.ts'
import { debianPackages, fileFromDeb } from '../../scripts/image/debian.ts'
import { assembleRuntimeRoot, NONROOT } from '../../scripts/image/runtime-root.ts'
import { ensureBinary } from '../support/binary.ts'
import { testCognito, type TestCognito } from '../support/cognito.ts'
import { post, request } from '../support/http.ts'
import { requireExecutable, requireRoot } from '../support/requirements.ts'
import { spawnService, startService, type RunningService } from '../support/service.ts'
import { freePort, PASSWORD, uniqueEmail } from '../support/util.ts'
import { readRuntimeStage } from './dockerfile.ts'
import { readElf } from './elf.ts'
import { hasMountsUnder, mountImageRoot, unmountAll } from './mounts.ts'

const stage = readRuntimeStage()
const entrypoint = stage.entrypoint!
const healthcheck = stage.healthcheck!
const CHROOT = Bun.which('chroot') ?? '/usr/sbin/chroot'
const QEMU = '/usr/bin/qemu-aarch64-static'

interface Image {
  arch: Arch
  root: string
  binary: string
  /** Inside the root, before the image's command: the emulator, for a foreign architecture. */
  launcher: string[]
  /** Patience for start-up (emulated code starts in seconds). */
  startTimeoutMs: number
}

let cognito: TestCognito
const roots: string[] = []
const started: RunningService[] = []

const images = new Map<Arch, Promise<Image>>()
/** The image for an architecture, built once per run. */
const imageFor = (arch: Arch): Promise<Image> => {
  if (!images.has(arch)) images.set(arch, buildImage(arch))
  return images.get(arch)!
}

async function buildImage(arch: Arch): Promise<Image> {
  const binary = await ensureBinary(arch)
  const root = realpathSync(mkdtempSync(join(tmpdir(), `user-service-image-${arch}-`)))
  roots.push(root)
  assembleRuntimeRoot(root, arch, { from: binary, to: entrypoint[0]! })
  const emulated = arch === 'arm64'
  if (emulated) {
    const [qemu] = debianPackages(['qemu-user-static'], 'amd64')
    copyFileSync(fileFromDeb(qemu!, `.${QEMU}`), join(root, QEMU))
    chmodSync(join(root, QEMU), 0o755)
  }
  mountImageRoot(root)
  return { arch, root, binary, launcher: emulated ? [QEMU] : [], startTimeoutMs: emulated ? 60_000 : 10_000 }
}

/** A command run inside the image root as the Dockerfile's USER. */
const inImage = (image: Image, argv: string[]) => [
  CHROOT,
  `--userspec=${stage.user}`,
  image.root,
  ...image.launcher,
  ...argv,
]

async function startInImage(image: Image): Promise<RunningService> {
  const service = await startService(cognito.serviceEnv(), {
    command: inImage(image, entrypoint),
    startTimeoutMs: image.startTimeoutMs,
  })
  started.push(service)
  return service
}

/** Runs the HEALTHCHECK command in the image; its exit code, output, and how long it took. */
async function runHealthcheck(image: Image, port: number) {
  const begun = performance.now()
  const { exited, lines } = spawnService({ PORT: String(port) }, { command: inImage(image, healthcheck) })
  const code = await exited
  return { code, lines, ms: performance.now() - begun }
}

beforeAll(async () => {
  requireRoot('The image test (chroot into the image, mount its root read-only and /proc)')
  requireExecutable(CHROOT, 'coreutils', 'The image test (chroot into the image)')
  cognito = await testCognito()
})

afterAll(async () => {
  cognito?.proxy.setDelay(0)
  await Promise.all(started.map((s) => s.stop('SIGKILL')))
  unmountAll()
  // Never delete through a mount that failed to come off (it would reach into /proc).
  for (const root of roots) if (!hasMountsUnder(root)) rmSync(root, { recursive: true, force: true })
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

/** The tests every architecture's image passes. */
function imageTests(arch: Arch, machine: string, libdir: string) {
  describe(`the ${arch} image`, () => {
    let image: Image
    let service: RunningService
    beforeAll(async () => {
      image = await imageFor(arch)
      service = await startInImage(image)
    }, 240_000)

    test(`a ${machine} executable that links only glibc: every library and the loader come from libc6 in the image`, () => {
      const elf = readElf(image.binary)
      expect(elf.machine).toBe(machine)
      expect(elf.needed.filter((soname) => !existsSync(join(image.root, libdir, soname)))).toEqual([])
      expect(elf.needed).toContain(basename(elf.interpreter!))
      expect(lstatSync(join(image.root, elf.interpreter!)).isSymbolicLink()).toBe(true)
    })

    test('answers /health 200, as uid/gid 65532, chrooted, with only the configuration in its environment', async () => {
      const health = await request(service.url, 'GET', '/health')
      expect({ status: health.status, text: health.text }).toEqual({ status: 200, text: 'OK' })
      const pid = service.proc.pid
      const status = readFileSync(`/proc/${pid}/status`, 'utf8')
      expect(status).toContain(`Uid:\t${NONROOT}\t${NONROOT}\t${NONROOT}\t${NONROOT}`)
      expect(status).toContain(`Gid:\t${NONROOT}\t${NONROOT}\t${NONROOT}\t${NONROOT}`)
      expect(readlinkSync(`/proc/${pid}/root`)).toBe(image.root)
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean)
      expect(environ.map((e) => e.slice(0, e.indexOf('='))).sort()).toEqual(Object.keys(cognito.serviceEnv()).sort())
    })

    test('signs a user up and in through the local Cognito, SECRET_HASH verified', async () => {
      const email = uniqueEmail(`image-${arch}`)
      const signUp = await post(service.url, '/signup', { email, password: PASSWORD, nickname: 'Image' })
      expect(signUp.status).toBe(201)
      await cognito.confirm(email)
      const signIn = await post(service.url, '/signin', { email, password: PASSWORD })
      expect(signIn.status).toBe(200)
      expect(signIn.body.tokenType).toBe('Bearer')
      expect(signIn.body.accessToken.split('.')).toHaveLength(3)
      expect(cognito.proxy.calls.findLast((c) => c.operation === 'InitiateAuth')).toMatchObject({ hashValid: true })
    })

    test('healthcheck mode exits 0 while the server is up', async () => {
      expect((await runHealthcheck(image, service.port)).code).toBe(0)
    })

    test('healthcheck mode exits 1 when nothing listens, and starts no server of its own (it would answer itself)', async () => {
      const check = await runHealthcheck(image, await freePort())
      expect(check.code).toBe(1)
      expect(check.lines).toHaveLength(1)
      expect(check.lines[0]).toContain('user-service healthcheck: /health unreachable')
    })

    test('SIGTERM: every request in flight is answered, new connections are refused, exit 0; the health check then fails', async () => {
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
        expect((await runHealthcheck(image, service.port)).code).toBe(1)
      } finally {
        cognito.proxy.setDelay(0)
      }
    }, 60_000)
  })
}

imageTests('amd64', 'x86-64', 'lib/x86_64-linux-gnu')
imageTests('arm64', 'aarch64', 'lib/aarch64-linux-gnu')

describe('healthcheck mode against a hung server', () => {
  test('gives up after its 2 s budget: exit 1, within the HEALTHCHECK timeout (5 s)', async () => {
    const image = await imageFor('amd64')
    // A socket that accepts and stays silent.
    const sockets: Array<{ destroy(): void }> = []
    const silent: Server = createServer((socket) => void sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const check = await runHealthcheck(image, (silent.address() as { port: number }).port)
      expect(check.code).toBe(1)
      expect(check.ms).toBeGreaterThanOrEqual(2000)
      expect(check.ms).toBeLessThan(5000)
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })
})
