// Debian 12 (bookworm) packages for any architecture, as gcr.io/distroless/*-debian12 is built
// from, whatever Debian the machine runs. Fetched with apt-get (the Debian archive is one of the two
// registries these machines reach) with sources, package lists and architecture of our own under
// .cache/apt/: no `dpkg --add-architecture`, nothing of the system's apt state touched. Downloaded
// .debs are kept in .cache/debs/, so reruns download nothing.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { basename, join, resolve } from 'node:path'

export type DebianArch = 'amd64' | 'arm64'

const CACHE = resolve(import.meta.dir, '../../.cache')
const DEBS = join(CACHE, 'debs')

/** Runs a command; its stdout, or an error carrying everything it printed. */
export function run(cmd: string[], options: { cwd?: string } = {}): string {
  const result = Bun.spawnSync(cmd, { ...options, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  if (result.exitCode !== 0) {
    throw new Error(
      `${cmd.join(' ')} exited ${result.exitCode}:\n${result.stdout.toString()}${result.stderr.toString()}`,
    )
  }
  return result.stdout.toString()
}

const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg'
const SOURCES = [
  'http://deb.debian.org/debian bookworm main',
  'http://deb.debian.org/debian bookworm-updates main',
  'http://deb.debian.org/debian-security bookworm-security main',
]

/** apt-get with its sources, architecture and package lists set to ours for `arch`. */
function aptGet(arch: DebianArch, args: string[], cwd: string = CACHE): string {
  const state = join(CACHE, 'apt', arch)
  const sourceList = join(CACHE, 'apt', 'bookworm.list')
  mkdirSync(join(state, 'lists/partial'), { recursive: true })
  mkdirSync(cwd, { recursive: true })
  writeFileSync(sourceList, SOURCES.map((source) => `deb [signed-by=${KEYRING}] ${source}\n`).join(''))
  return run(
    [
      'apt-get',
      '-q',
      `-oDir::Etc::SourceList=${sourceList}`,
      `-oDir::Etc::SourceParts=${join(CACHE, 'apt', 'no-parts')}`,
      `-oAPT::Architecture=${arch}`,
      `-oAPT::Architectures::=${arch}`,
      `-oDir::State::Lists=${join(state, 'lists')}`,
      `-oDir::Cache=${state}`,
      ...args,
    ],
    { cwd },
  )
}

const refreshed = new Set<DebianArch>()

/** Paths of the cached .debs of packages (the versions apt-get would pick), for `arch`. */
export function debianPackages(names: readonly string[], arch: DebianArch): string[] {
  for (;;) {
    try {
      return download(names, arch)
    } catch (error) {
      // No lists yet, or lists naming a version the mirror has since dropped: refresh once per run.
      if (refreshed.has(arch)) throw error
      refreshed.add(arch)
      aptGet(arch, ['update'])
    }
  }
}

function download(names: readonly string[], arch: DebianArch): string[] {
  // A fresh working folder: --print-uris names nothing for a file already in its working folder.
  mkdirSync(DEBS, { recursive: true })
  const work = mkdtempSync(join(DEBS, 'partial-'))
  try {
    // One line per package, named <package>_<version>_<arch>.deb (in apt's order, not ours).
    const lines = aptGet(arch, ['download', '--print-uris', ...names], work)
      .trim()
      .split('\n')
    const files = names.map((name) =>
      lines
        .map((line) => line.split(' ')[1] ?? '')
        .find((file) => file.startsWith(`${name}_`) && file.endsWith('.deb')),
    )
    if (files.some((file) => file === undefined)) {
      throw new Error(`apt-get cannot name every one of ${names.join(', ')} for ${arch}:\n${lines.join('\n')}`)
    }
    const missing = names.filter((_, i) => !existsSync(join(DEBS, files[i]!)))
    if (missing.length > 0) aptGet(arch, ['download', ...missing], work)
    // Whole files only reach DEBS: an interrupted download leaves its partial folder, never a torn .deb.
    for (const file of files) if (!existsSync(join(DEBS, file!))) renameSync(join(work, file!), join(DEBS, file!))
    return files.map((file) => join(DEBS, file!))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Unpacks a .deb's files into a folder, as dpkg would (without running its scripts). */
export const extractDeb = (deb: string, into: string): void => void run(['dpkg-deb', '--extract', deb, into])

/** One file of a .deb (e.g. ./usr/bin/x), unpacked once into .cache/files/<deb>/ and kept. */
export function fileFromDeb(deb: string, member: string): string {
  const into = join(CACHE, 'files', basename(deb, '.deb'))
  const path = join(into, member)
  if (existsSync(path)) return path
  mkdirSync(into, { recursive: true })
  const tar = Bun.spawnSync(['dpkg-deb', '--fsys-tarfile', deb], { stdout: 'pipe', stderr: 'pipe' })
  if (tar.exitCode !== 0) throw new Error(`dpkg-deb --fsys-tarfile ${deb}: ${tar.stderr.toString()}`)
  const untar = Bun.spawnSync(['tar', '-x', '-C', into, member], { stdin: tar.stdout, stdout: 'pipe', stderr: 'pipe' })
  if (untar.exitCode !== 0) throw new Error(`tar -x ${member} from ${deb}: ${untar.stderr.toString()}`)
  return path
}
