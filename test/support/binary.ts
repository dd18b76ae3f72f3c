// The compiled service, as `npm run build` makes it, for tests that run the binary (the image test,
// the browser test). Built at most once per test run, and only when dist/ holds none or one older
// than its inputs: a clean checkout (CI) always compiles fresh, a rerun with nothing changed does not.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { build, TARGETS, type Arch } from '../../scripts/build.ts'

const ROOT = resolve(import.meta.dir, '../..')
// Everything the executable is made of: the sources, the build flags, the resolved dependencies.
const INPUTS = ['src', 'scripts/build.ts', 'package.json', 'package-lock.json']

const builds = new Map<Arch, Promise<string>>()
// One compile at a time: two at once on a 2-core machine take as long and print interleaved.
let queue: Promise<unknown> = Promise.resolve()

/** Path of an up-to-date dist/ executable for the architecture (x64 unless told). */
export function ensureBinary(arch: Arch = 'amd64'): Promise<string> {
  let pending = builds.get(arch)
  if (!pending) {
    pending = queue.then(() =>
      isFresh(resolve(ROOT, TARGETS[arch].outfile)) ? resolve(ROOT, TARGETS[arch].outfile) : build(arch),
    )
    queue = pending.catch(() => undefined)
    builds.set(arch, pending)
  }
  return pending
}

function isFresh(binary: string): boolean {
  if (!existsSync(binary)) return false
  const built = statSync(binary).mtimeMs
  return INPUTS.every((input) => newestChange(resolve(ROOT, input)) < built)
}

function newestChange(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))))
}
