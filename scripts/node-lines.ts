// Node's LTS lines for the integration suite on Node: each a pinned major fetched from the npm
// registry (the `node-linux-<arch>` package the `node` package itself installs: Node's own build)
// into .cache/node/<major>, outside the tracked files, once. The development and CI machines keep
// their own Node (≥ 20) for npm; these run only the service under test.
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { spawnSync } from 'node:child_process'

const ROOT = resolve(import.meta.dirname, '..')

/** The LTS lines the service is tested on (Node 20 is past its end of life). */
export const NODE_LINES = [22, 24] as const

/**
 * The folder holding `node` of the latest release of `major` for this machine, fetched on first use.
 * @throws Error when npm cannot fetch it or the package holds no binary.
 */
export function nodeBinDir(major: number): string {
  const dir = resolve(ROOT, '.cache/node', String(major))
  const bin = resolve(dir, 'package/bin')
  if (existsSync(resolve(bin, 'node'))) return bin
  mkdirSync(dir, { recursive: true })
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64'
  const packed = spawnSync('npm', ['pack', `node-linux-${arch}@${major}`, '--silent', '--pack-destination', dir], {
    encoding: 'utf8',
  })
  const tarball = packed.stdout.trim().split('\n').pop()
  if (packed.status !== 0 || !tarball) throw new Error(`npm pack node-linux-${arch}@${major} failed: ${packed.stderr}`)
  const unpacked = spawnSync('tar', ['-xzf', resolve(dir, tarball), '-C', dir])
  if (unpacked.status !== 0 || !existsSync(resolve(bin, 'node'))) throw new Error(`no node binary in ${tarball}`)
  rmSync(resolve(dir, tarball))
  return bin
}

// Run alone: fetch them all and print where each is.
if (import.meta.main) for (const major of NODE_LINES) process.stdout.write(`${major}: ${nodeBinDir(major)}\n`)
