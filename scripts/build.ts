// `npm run build`: compiles src/main.ts into one self-contained executable per Linux architecture,
// with the Bun that runs this script (the one pinned in package-lock.json, from node_modules).
//
//   bun scripts/build.ts                                  dist/user-service, dist/user-service-arm64
//   bun scripts/build.ts --arch=arm64 --outfile=/out/x    one architecture (the Dockerfile's way)
//
// Cross-compiling needs the target's Bun runtime: bun fetches it (the @oven/bun-linux-<arch>
// package of its own version) from the npm registry, and caches it in ~/.bun/install/cache.
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { MAX_HEADER_BYTES } from '../src/service.ts'

const ROOT = resolve(import.meta.dir, '..')
const ENTRY = 'src/main.ts'

/** Keyed by Docker's TARGETARCH names, so a buildx build passes its own. */
export const TARGETS = {
  amd64: { bunTarget: 'bun-linux-x64', outfile: 'dist/user-service' },
  arm64: { bunTarget: 'bun-linux-arm64', outfile: 'dist/user-service-arm64' },
} as const
export type Arch = keyof typeof TARGETS

const FLAGS = [
  '--compile',
  // Not --minify: renaming identifiers breaks Elysia (elysiajs/elysia#1711). These two only drop
  // whitespace and simplify syntax.
  '--minify-whitespace',
  '--minify-syntax',
  // Precompiled bytecode: JavaScriptCore skips parsing at start. Measured twice on a busy 2-core
  // machine, median start to first /health 200: 353 / 518 ms with it, 413 / 665 ms without.
  // Bytecode needs a module format; top-level await (main.ts) needs ESM.
  '--bytecode',
  '--format=esm',
  // Modules imported lazily (the AWS SDK, the OpenAPI generator and Swagger UI's assets) go into
  // chunks of their own, read when first imported. In one chunk they were loaded at every start:
  // the SDK alone, never called, added ~25 ms to a trivial server's start (docs/performance.md).
  '--splitting',
  // Embedded in the executable: stack traces name src/ files and lines. (A copy is also written
  // next to it as <outfile>.map; nothing reads that one at run time.)
  '--sourcemap',
  // Configuration is the environment only: never a stray .env or bunfig.toml in the working folder.
  '--no-compile-autoload-dotenv',
  '--no-compile-autoload-bunfig',
  // Bun's header limit is a runtime flag (16 KiB without it); the binary starts with it as if given on
  // its command line. BUN_OPTIONS, when set, still comes first.
  `--compile-exec-argv=--max-http-header-size=${MAX_HEADER_BYTES}`,
]

/**
 * Compiles the service (or another entry, e.g. the benchmark's ceiling, with the same flags) for one
 * architecture; returns the executable's absolute path.
 */
export async function build(arch: Arch, outfile: string = TARGETS[arch].outfile, entry = ENTRY): Promise<string> {
  const out = resolve(ROOT, outfile)
  const proc = Bun.spawn(
    [process.execPath, 'build', ...FLAGS, `--target=${TARGETS[arch].bunTarget}`, `--outfile=${out}`, entry],
    {
      cwd: ROOT,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
    },
  )
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ])
  if (code !== 0) throw new Error(`bun build for ${arch} failed (exit ${code}):\n${stdout}${stderr}`)
  return out
}

function isArch(value: string): value is Arch {
  return Object.hasOwn(TARGETS, value)
}

async function cli(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { arch: { type: 'string' }, outfile: { type: 'string' } },
    strict: true,
  })
  if (values.arch !== undefined && !isArch(values.arch)) {
    throw new Error(`--arch must be one of ${Object.keys(TARGETS).join(', ')}, not ${values.arch}`)
  }
  if (values.outfile !== undefined && values.arch === undefined) throw new Error('--outfile needs --arch')
  const arches = values.arch === undefined ? (Object.keys(TARGETS) as Arch[]) : [values.arch]
  for (const arch of arches) {
    const started = performance.now()
    const out = await build(arch, values.outfile)
    const { size } = Bun.file(out)
    process.stdout.write(
      `${out}  ${arch}  ${(size / 2 ** 20).toFixed(1)} MiB  ${Math.round(performance.now() - started)} ms\n`,
    )
  }
}

if (import.meta.main) {
  await cli(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`build: ${error.message}\n`)
    process.exit(1)
  })
}
