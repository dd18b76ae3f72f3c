// A real redis-server for a test file: Debian's package (Valkey is not packaged there; it speaks the
// same protocol), on a free port, without persistence, plain or as a one-node cluster holding every
// hash slot (what ElastiCache Serverless looks like to a client: cluster mode, CROSSSLOT and all).
// Tests can kill it, freeze it (SIGSTOP: it accepts connections and answers nothing), thaw it and
// start it again on the same port.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { requireExecutable } from './requirements.ts'
import { freePort } from './util.ts'

const SERVER = 'redis-server'
const CLI = 'redis-cli'
const DEBIAN_PACKAGE = 'redis-server'
const HASH_SLOTS = 16384

export interface TestRedis {
  /** redis://127.0.0.1:<port> */
  url: string
  port: number
  cluster: boolean
  /** The service's environment for this server (REDIS_URL, REDIS_CLUSTER). */
  env: Record<string, string>
  /** Runs redis-cli against the server; resolves its output. */
  cli(...args: string[]): Promise<string>
  kill(): void
  freeze(): void
  thaw(): void
  /** Starts it again on the same port (empty, unless it was only frozen). */
  restart(): Promise<void>
  stop(): Promise<void>
}

/**
 * Starts a server; `cluster`: a one-node cluster with all 16384 slots assigned; `port`: that one,
 * not a free one the OS picks.
 */
export async function startRedis({
  cluster = false,
  port: wanted,
}: {
  cluster?: boolean
  port?: number
} = {}): Promise<TestRedis> {
  requireExecutable(SERVER, DEBIAN_PACKAGE, 'a test with a shared state store')
  requireExecutable(CLI, 'redis-tools', 'a test with a shared state store')
  const port = wanted ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), 'user-service-redis-'))
  let proc: Subprocess | undefined
  const cli = async (...args: string[]) => {
    const run = Bun.spawn([CLI, '-p', String(port), ...args], { stdout: 'pipe', stderr: 'pipe' })
    const [out] = await Promise.all([new Response(run.stdout).text(), run.exited])
    return out.trim()
  }
  const launch = async () => {
    // A cluster's node file from an earlier run would bring back its slots: each start is fresh.
    rmSync(join(dir, 'nodes.conf'), { force: true })
    proc = Bun.spawn(
      [
        SERVER,
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        ...(cluster ? ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'] : []),
      ],
      { stdout: 'ignore', stderr: 'pipe' },
    )
    await until(async () => (await cli('PING')) === 'PONG', `redis-server on port ${port}`)
    if (cluster) {
      await cli('CLUSTER', 'ADDSLOTSRANGE', '0', String(HASH_SLOTS - 1))
      await until(async () => (await cli('CLUSTER', 'INFO')).includes('cluster_state:ok'), 'the cluster to be ok')
    }
  }
  await launch()
  const signal = (name: NodeJS.Signals) => proc?.kill(name)
  const server: TestRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    cluster,
    env: { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_CLUSTER: String(cluster) },
    cli,
    kill: () => signal('SIGKILL'),
    freeze: () => signal('SIGSTOP'),
    thaw: () => signal('SIGCONT'),
    async restart() {
      signal('SIGKILL')
      await proc?.exited
      await launch()
    },
    async stop() {
      signal('SIGCONT')
      signal('SIGKILL')
      await proc?.exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return server
}

async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await probe()) return
    await Bun.sleep(25)
  }
  throw new Error(`timed out waiting for ${what}`)
}
