// Debian packages, fetched with apt-get (the Debian archive is one of the two registries these
// machines reach) and cached under .cache/debs/ so reruns download nothing.
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { join, resolve } from 'node:path'

const CACHE = resolve(import.meta.dir, '../../.cache/debs')
// apt-get downloads here, then the file moves to CACHE whole: an interrupted run leaves no torn .deb.
const PARTIAL = join(CACHE, 'partial')

/** Runs a command; its stdout, or an error carrying everything it printed. */
export function run(cmd: string[], options: { cwd?: string } = {}): string {
  const result = Bun.spawnSync(cmd, { ...options, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  if (result.exitCode !== 0) {
    throw new Error(`${cmd.join(' ')} exited ${result.exitCode}:\n${result.stdout.toString()}${result.stderr.toString()}`)
  }
  return result.stdout.toString()
}

let listsRefreshed = false

/** Path of the cached .deb of the named package (the candidate version apt-get would install). */
export function debianPackage(name: string): string {
  mkdirSync(PARTIAL, { recursive: true })
  const file = candidateFile(name)
  const path = join(CACHE, file)
  if (!existsSync(path)) {
    run(['apt-get', 'download', '-q', name], { cwd: PARTIAL })
    renameSync(join(PARTIAL, file), path)
  }
  return path
}

// `apt-get download --print-uris` names the file without fetching it (and names nothing when the
// file is already in its working folder: hence PARTIAL, which files leave). A fresh machine has no
// package lists yet: then refresh them once (that needs root, as any apt-get update does).
function candidateFile(name: string): string {
  for (;;) {
    try {
      const line = run(['apt-get', 'download', '--print-uris', '-q', name], { cwd: PARTIAL }).trim()
      const file = line.split(' ')[1]
      if (!file?.endsWith('.deb')) throw new Error(`unexpected answer from apt-get for ${name}: ${line}`)
      return file
    } catch (error) {
      if (listsRefreshed) throw error
      listsRefreshed = true
      run(['apt-get', 'update', '-q'])
    }
  }
}

/** Unpacks a .deb's files into a folder, as dpkg would (without running its scripts). */
export const extractDeb = (deb: string, into: string): void => void run(['dpkg-deb', '--extract', deb, into])
