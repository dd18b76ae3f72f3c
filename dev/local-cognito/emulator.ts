// The embedded local Cognito (dev and tests only; the binary never imports this): starts
// cognito-local from node_modules on loopback, waits for it, and reports the confirmation codes it
// "emails" by printing them.
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Env } from '../../src/config.ts'

export interface CodeDelivery {
  /** The Cognito username (the sub, when email is the sign-in alias). */
  username: string
  destination: string
  code: string
}

export interface Emulator {
  endpoint: string
  /** Everything cognito-local printed. */
  logFile: string
  port: number
  process: ChildProcess
  stop(): Promise<void>
}

export interface EmulatorOptions {
  /** Where cognito-local keeps its database (.cognito/db under it). */
  dataDir: string
  port: number
  /** The environment to start it in (PATH must find `node`); PORT and HOST are set here. */
  env: Env
  onCode?: (delivery: CodeDelivery) => void
  /** Every line cognito-local prints. */
  onLine?: (line: string) => void
  startTimeoutMs?: number
}

/** Thrown when the emulator's port is taken (another `npm start`, most likely). */
export class EmulatorPortBusyError extends Error {
  constructor(readonly port: number) {
    super(
      `port ${port} is already in use (another npm start?): stop that one, or set LOCAL_COGNITO_PORT to a free port`,
    )
    this.name = 'EmulatorPortBusyError'
  }
}

/**
 * Starts cognito-local on 127.0.0.1:`port` and resolves once it answers.
 * @throws EmulatorPortBusyError before touching the data directory or its log, when the port is taken;
 *   Error when it exits or does not answer within `startTimeoutMs`.
 */
export async function startEmulator({
  dataDir,
  port,
  env,
  onCode,
  onLine,
  startTimeoutMs = 20_000,
}: EmulatorOptions): Promise<Emulator> {
  const dir = resolve(dataDir)
  const endpoint = `http://127.0.0.1:${port}`
  // Checked first: a health check would be answered by the other instance, and its log truncated.
  if (!(await portIsFree(port))) throw new EmulatorPortBusyError(port)
  mkdirSync(join(dir, '.cognito', 'db'), { recursive: true })
  // Tokens name this issuer, so it must be the address the service and verifiers really use.
  writeFileSync(
    join(dir, '.cognito', 'config.json'),
    JSON.stringify(
      { TokenConfig: { IssuerDomain: endpoint }, UserPoolDefaults: { UsernameAttributes: ['email'] } },
      null,
      2,
    ),
  )
  const entry = fileURLToPath(new URL('./run.cjs', import.meta.url))
  // cognito-local is a Node program (express, aws-sdk v2): run it on Node, whatever runs us.
  // Its output goes to a file the user can read, and that we follow for the codes.
  const logFile = join(dir, 'emulator.log')
  const out = openSync(logFile, 'w')
  const child = spawn('node', [entry], {
    cwd: dir,
    env: { ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, out],
  })
  closeSync(out)
  const follow = followLines(logFile, (line) => {
    onLine?.(line)
    const delivery = onCode && codeDeliveryIn(line)
    if (delivery) onCode(delivery)
  })

  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()))
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
    follow.stop()
  }

  const deadline = Date.now() + startTimeoutMs
  while (true) {
    if (child.exitCode !== null) throw new Error(`cognito-local exited with code ${child.exitCode} before it was ready`)
    try {
      const res = await fetch(`${endpoint}/health`)
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`cognito-local did not answer on ${endpoint} within ${startTimeoutMs} ms`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { endpoint, logFile, port, process: child, stop }
}

/** True when nothing listens on 127.0.0.1:`port` (a listen there succeeds). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolveFree) => {
    const probe = createServer()
    probe.once('error', () => resolveFree(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolveFree(true)))
  })
}

/** Calls onLine for every complete line appended to the file, polling (works on every runtime). */
function followLines(path: string, onLine: (line: string) => void) {
  const fd = openSync(path, 'r')
  const buffer = Buffer.alloc(64 * 1024)
  const decoder = new TextDecoder()
  let position = 0
  let pending = ''
  const poll = () => {
    for (
      let read = readSync(fd, buffer, 0, buffer.length, position);
      read > 0;
      read = readSync(fd, buffer, 0, buffer.length, position)
    ) {
      position += read
      pending += decoder.decode(buffer.subarray(0, read), { stream: true })
    }
    for (let nl = pending.indexOf('\n'); nl !== -1; nl = pending.indexOf('\n')) {
      onLine(pending.slice(0, nl))
      pending = pending.slice(nl + 1)
    }
  }
  const timer = setInterval(poll, 25)
  timer.unref?.()
  return {
    stop() {
      clearInterval(timer)
      poll()
      closeSync(fd)
    },
  }
}

/** cognito-local/run.cjs logs each code it would have emailed as {"msg":"code delivery",…}. */
function codeDeliveryIn(line: string): CodeDelivery | undefined {
  if (!line.includes('"code delivery"')) return undefined
  try {
    const { msg, username, destination, code } = JSON.parse(line) as Record<string, unknown>
    if (msg === 'code delivery' && typeof username === 'string' && typeof code === 'string') {
      return { username, destination: typeof destination === 'string' ? destination : '', code }
    }
  } catch {
    // not one of ours
  }
  return undefined
}
