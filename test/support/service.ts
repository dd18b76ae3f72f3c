// Starts the service as a separate process, as production runs it, and captures every line it
// writes so tests can read its logs.
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Subprocess } from 'bun'
import { processEnv } from '../../src/config.ts'
import { MAX_HEADER_BYTES } from '../../src/service.ts'
import { afterAll, beforeAll } from 'bun:test'
import { testCognito, type TestCognito } from './cognito.ts'
import { PASSWORD, waitFor } from './util.ts'

export interface RunningService {
  url: string
  port: number
  proc: Subprocess<'ignore', 'pipe', 'pipe'>
  /** Every stdout and stderr line so far. */
  lines: string[]
  /** Parsed JSON log lines (stdout). */
  logs(): Array<Record<string, unknown>>
  exited: Promise<number>
  stop(signal?: NodeJS.Signals): Promise<number>
}

const ROOT = resolve(import.meta.dir, '../..')
const running = new Set<RunningService>()
/** Every line any service printed during this run, and every client secret (and email-hash key) it
 * was given: for the whole-run log audit. */
export const allServiceLines: string[] = []
export const clientSecretsUsed = new Set<string>()

/**
 * The ways the service runs, picked with SERVICE_TARGET (default bun): the same suite runs against
 * each. `runtime` is what the service must report at start-up on that target.
 */
const TARGETS = {
  // The flag the compiled binary has baked in (scripts/build.ts).
  bun: {
    command: [process.execPath, `--max-http-header-size=${MAX_HEADER_BYTES}`, resolve(ROOT, 'src/main.ts')],
    runtime: 'bun ',
  },
  node: {
    command: ['node', resolve(ROOT, 'dist/node/node.mjs')],
    runtime: 'node ',
    built: 'dist/node/node.mjs',
    buildWith: 'npm run build:node',
  },
  binary: {
    command: [resolve(ROOT, 'dist/user-service')],
    runtime: 'bun ',
    built: 'dist/user-service',
    buildWith: 'npm run build',
  },
} as const

export type ServiceTarget = keyof typeof TARGETS

export const serviceTarget = (): ServiceTarget => {
  const name = processEnv().SERVICE_TARGET ?? 'bun'
  if (!(name in TARGETS))
    throw new Error(`SERVICE_TARGET must be one of ${Object.keys(TARGETS).join(', ')}, not ${name}`)
  return name as ServiceTarget
}

/** How the service names its runtime on this target (the `runtime` of its `listening` line starts so). */
export const expectedRuntime = (): string => TARGETS[serviceTarget()].runtime

/** The command that runs the service; the one place that says how it is started. */
function serviceCommand(): string[] {
  const target = TARGETS[serviceTarget()]
  if ('built' in target && !existsSync(resolve(ROOT, target.built))) {
    throw new Error(`${target.built} is missing: build it with \`${target.buildWith}\` (npm test does)`)
  }
  return [...target.command]
}

export interface SpawnOptions {
  /** What to run instead of the service's source (the image test's chroot). It gets exactly `env`,
   * as a container runtime would give it. */
  command?: string[]
  /** How long startService waits for the "listening" line (an emulated CPU starts slowly). */
  startTimeoutMs?: number
}

export function spawnService(env: Record<string, string>, { command }: SpawnOptions = {}) {
  if (env.COGNITO_CLIENT_SECRET) clientSecretsUsed.add(env.COGNITO_CLIENT_SECRET)
  if (env.COGNITO_CLIENT_SECRET_PREVIOUS) clientSecretsUsed.add(env.COGNITO_CLIENT_SECRET_PREVIOUS)
  if (env.AUTH_EVENT_EMAIL_KEY) clientSecretsUsed.add(env.AUTH_EVENT_EMAIL_KEY)
  const proc = Bun.spawn(command ?? serviceCommand(), {
    cwd: ROOT,
    env: command ? env : { PATH: process.env.PATH ?? '', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const lines: string[] = []
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    let rest = ''
    for await (const chunk of stream) {
      rest += decoder.decode(chunk, { stream: true })
      for (let nl = rest.indexOf('\n'); nl !== -1; nl = rest.indexOf('\n')) {
        const line = rest.slice(0, nl)
        rest = rest.slice(nl + 1)
        lines.push(line)
        allServiceLines.push(line)
      }
    }
    if (rest) {
      lines.push(rest)
      allServiceLines.push(rest)
    }
  }
  const pumped = Promise.all([pump(proc.stdout), pump(proc.stderr)])
  const exited = proc.exited.then(async (code) => {
    await pumped
    return code
  })
  return { proc, lines, exited }
}

export async function startService(env: Record<string, string>, options: SpawnOptions = {}): Promise<RunningService> {
  const { proc, lines, exited } = spawnService(env, options)
  const logs = () =>
    lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>]
      } catch {
        return []
      }
    })
  let port: number
  try {
    port = await waitFor(
      () => {
        if (proc.exitCode !== null) throw new Error(`service exited with ${proc.exitCode}:\n${lines.join('\n')}`)
        return logs().find((l) => l.msg === 'listening')?.port as number | undefined
      },
      'the service to listen',
      options.startTimeoutMs,
    )
  } catch (error) {
    proc.kill('SIGKILL')
    throw error
  }
  const service: RunningService = {
    url: `http://127.0.0.1:${port}`,
    port,
    proc,
    lines,
    logs,
    exited,
    async stop(signal = 'SIGTERM') {
      running.delete(service)
      if (proc.exitCode === null) proc.kill(signal)
      return exited
    },
  }
  running.add(service)
  return service
}

export async function stopAllServices(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop('SIGKILL')))
}

export interface FileService {
  cognito: TestCognito
  service: RunningService
  /** Every credential the file handles (the test password and client secret to start with). */
  seen: string[]
}

/**
 * For a whole test file: the shared test Cognito and one service wired to it (`env` added to its
 * environment), started before the file's tests and stopped after them. Read the fields inside tests.
 */
export function serviceForFile(env: Record<string, string | undefined> = {}): FileService {
  const file = { seen: [PASSWORD] } as unknown as FileService
  beforeAll(async () => {
    file.cognito = await testCognito()
    file.seen.push(file.cognito.pool.clientSecret)
    file.service = await startService(file.cognito.serviceEnv(env))
  })
  afterAll(() => file.service?.stop())
  return file
}
