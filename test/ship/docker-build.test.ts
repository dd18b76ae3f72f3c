// The Dockerfile's build stage, replayed without Docker: the build context is what .dockerignore
// lets through (copied to a temp folder, so a file it forgets is missing here too), then the stage's
// COPY and RUN instructions run in order, with the stage's WORKDIR mapped into the temp folder and
// TARGETARCH=amd64. The Bun running them is the lockfile's, as in the oven/bun image of that version.
// What it proves: the context is enough, the frozen install accepts package-lock.json, the version
// check passes, and the executable lands where the runtime stage copies it from.
import { afterAll, describe, expect, test } from 'bun:test'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { freePort } from '../support/util.ts'
import { readRuntimeStage, readStage } from './dockerfile.ts'
import { readElf } from './elf.ts'

const ROOT = resolve(import.meta.dir, '../..')
const temp = mkdtempSync(join(tmpdir(), 'user-service-docker-build-'))
afterAll(() => rmSync(temp, { recursive: true, force: true }))

const patterns = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'))

function filesUnder(path: string): string[] {
  const full = join(ROOT, path)
  if (!existsSync(full)) return []
  if (!statSync(full).isDirectory()) return [path]
  return readdirSync(full).flatMap((name) => filesUnder(join(path, name)))
}

// The subset of .dockerignore syntax the file uses: `*` first (exclude everything), then paths to
// let back in (`!path`) or keep out (`path`); the last pattern matching a file decides.
function contextFiles(): string[] {
  const bare = (pattern: string) => pattern.replace(/^!/, '').replace(/\/+$/, '')
  const matches = (pattern: string, file: string) =>
    pattern === '*' || file === bare(pattern) || file.startsWith(`${bare(pattern)}/`)
  const candidates = [...new Set(patterns.filter((p) => p.startsWith('!')).flatMap((p) => filesUnder(bare(p))))]
  return candidates.filter((file) =>
    patterns.reduce((included, p) => (matches(p, file) ? p.startsWith('!') : included), true),
  )
}

describe('the Dockerfile build stage, replayed', () => {
  test('.dockerignore keeps the context to the sources: no tests, node_modules, emulator or its data', () => {
    expect(patterns[0]).toBe('*')
    expect(patterns.slice(1).filter((p) => /[*?[\]]/.test(p))).toEqual([])
    const files = contextFiles()
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'src/main.ts', 'scripts/build.ts']),
    )
    expect(files.filter((f) => /^(test|node_modules|dist|\.local-cognito|\.cache|dev)\//.test(f))).toEqual([])
  })

  test('from that context alone it installs frozen and compiles an executable where the runtime stage copies it from', async () => {
    const context = join(temp, 'context')
    for (const file of contextFiles()) cpSync(join(ROOT, file), join(context, file))
    const env = {
      PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}`,
      HOME: process.env.HOME ?? '/root',
      TARGETARCH: 'amd64',
    }
    const inImage = (path: string) => join(temp, 'image', path)
    let workdir = '/'
    for (const [keyword, rest] of readStage('build').slice(1)) {
      if (keyword === 'ARG') continue
      if (keyword === 'WORKDIR') {
        workdir = resolve(workdir, rest)
        mkdirSync(inImage(workdir), { recursive: true })
      } else if (keyword === 'COPY') {
        const args = rest.split(/\s+/)
        const dest = resolve(workdir, args.pop()!)
        const intoFolder = args.length > 1 || rest.endsWith('/')
        // A folder's contents go to the destination; a file goes into it when it is a folder.
        for (const source of args) {
          const from = join(context, source)
          const to = statSync(from).isDirectory() || !intoFolder ? dest : join(dest, basename(source))
          cpSync(from, inImage(to), { recursive: true })
        }
      } else if (keyword === 'RUN') {
        const result = Bun.spawnSync(['sh', '-c', rest], { cwd: inImage(workdir), env, stdout: 'pipe', stderr: 'pipe' })
        if (result.exitCode !== 0)
          throw new Error(`RUN ${rest}\nexited ${result.exitCode}:\n${result.stdout}${result.stderr}`)
      } else {
        throw new Error(`the replay does not know ${keyword}`)
      }
    }

    const [copy] = readRuntimeStage().copiesFrom.filter(([stage]) => stage === 'build')
    expect(copy).toBeDefined()
    const binary = inImage(copy![1])
    expect(readElf(binary).machine).toBe('x86-64')
    // It runs: in healthcheck mode, with nothing listening, it says so and exits 1.
    const check = Bun.spawnSync([binary, 'healthcheck'], {
      env: { PORT: String(await freePort()) },
      stdout: 'pipe',
      stderr: 'pipe',
    })
    expect(check.exitCode).toBe(1)
    expect(check.stderr.toString()).toContain('user-service healthcheck: /health unreachable')
  }, 240_000)
})
