// The floors of src/ (docs/architecture.md): an import points to its own floor or lower, never up;
// no import cycle; no route module imports another (src/routes/groups.ts, their index, excepted).
// Every .ts file under src/ is read; a file on no floor fails, so a new folder is placed on purpose.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join, posix, resolve } from 'node:path'

/** Top to bottom: a file may import from its own floor or any floor below it. */
const FLOORS: readonly { name: string; places: readonly string[] }[] = [
  { name: 'entries', places: ['src/main.ts', 'src/node.ts', 'src/healthcheck.ts'] },
  // The doctor subcommand (src/main.ts loads it for `doctor` only): below the entries, above all the service.
  { name: 'doctor', places: ['src/doctor/'] },
  { name: 'service and runtime', places: ['src/service.ts', 'src/runtime/'] },
  { name: 'app', places: ['src/app.ts'] },
  { name: 'routes', places: ['src/routes/'] },
  {
    name: 'policies, answers, tokens, state, cognito, passwords',
    places: [
      'src/policies/',
      'src/answers/',
      'src/openapi/',
      'src/tokens/',
      'src/state/',
      'src/cognito/',
      'src/passwords/',
    ],
  },
  { name: 'schemas, http, observability', places: ['src/schemas/', 'src/http/', 'src/observability/'] },
  { name: 'leaves', places: ['src/logging.ts', 'src/lazy.ts', 'src/email-address.ts'] },
  { name: 'config', places: ['src/config.ts', 'src/config/'] },
]

const ROUTES = 'src/routes/'
const ROUTE_INDEX = 'src/routes/groups.ts'

interface Floor {
  level: number
  name: string
}

function floorOf(file: string): Floor | undefined {
  const level = FLOORS.findIndex(({ places }) =>
    places.some((place) => (place.endsWith('/') ? file.startsWith(place) : file === place)),
  )
  return level === -1 ? undefined : { level, name: FLOORS[level]!.name }
}

const transpiler = new Bun.Transpiler({ loader: 'ts' })

/**
 * The relative specifiers `source` imports: static imports, `export ... from`, and `import('...')`
 * with a literal. Bun's scanner skips comments and strings but drops type-only imports, so the
 * `type` modifiers are taken off first (a type import still ties one module to another).
 */
function relativeImports(source: string): string[] {
  const untyped = source
    .replace(/\b(import|export)\s+type(?=\s*[{*])/g, '$1')
    .replace(/\bimport\s+type\s+(?=[A-Za-z_$][\w$]*\s+from\b)/g, 'import ')
    .replace(/([{,]\s*)type\s+(?=[A-Za-z_$][\w$]*\s*(?:[,}]|as\s))/g, '$1')
  return transpiler
    .scanImports(untyped)
    .map(({ path }) => path)
    .filter((path) => path.startsWith('.'))
}

interface Problems {
  /** Files that match no floor. */
  unplaced: string[]
  /** Imports pointing to a higher floor. */
  upward: string[]
  /** One cycle per strongly connected group of files, as `a -> b -> a`. */
  cycles: string[]
  /** Route modules importing another route module. */
  routeToRoute: string[]
}

/** The layering problems of `files` (repository-relative path, e.g. `src/app.ts`, to its source). */
function layeringProblems(files: ReadonlyMap<string, string>): Problems {
  const problems: Problems = { unplaced: [], upward: [], cycles: [], routeToRoute: [] }
  const edges = new Map<string, string[]>()
  for (const [file, source] of files) {
    const floor = floorOf(file)
    if (!floor) problems.unplaced.push(`${file} is on no floor: add its folder to FLOORS`)
    const targets = relativeImports(source)
      .map((specifier) => posix.normalize(posix.join(posix.dirname(file), specifier)))
      .filter((target) => target.startsWith('src/'))
    edges.set(file, targets)
    for (const target of targets) {
      const to = floorOf(target)
      if (floor && to && to.level < floor.level)
        problems.upward.push(`${file} (${floor.name}) imports ${target} (${to.name}), a floor above`)
      if (file.startsWith(ROUTES) && target.startsWith(ROUTES) && file !== ROUTE_INDEX)
        problems.routeToRoute.push(`${file} imports ${target}: only ${ROUTE_INDEX} imports route modules`)
    }
  }
  problems.cycles = cyclesOf(edges)
  return problems
}

/** One cycle through each strongly connected group of the graph (Tarjan's algorithm). */
function cyclesOf(edges: ReadonlyMap<string, readonly string[]>): string[] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const cycles: string[] = []
  const visit = (node: string) => {
    index.set(node, index.size)
    low.set(node, index.get(node)!)
    stack.push(node)
    onStack.add(node)
    for (const next of edges.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next)
        low.set(node, Math.min(low.get(node)!, low.get(next)!))
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!))
    }
    if (low.get(node) !== index.get(node)) return
    const group = new Set<string>()
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      onStack.delete(member)
      group.add(member)
      if (member === node) break
    }
    if (group.size > 1 || edges.get(node)?.includes(node)) cycles.push(cycleWithin(group, node, edges))
  }
  for (const node of edges.keys()) if (!index.has(node)) visit(node)
  return cycles
}

/** A path from `start` back to itself inside `group` (breadth first, so the shortest). */
function cycleWithin(group: ReadonlySet<string>, start: string, edges: ReadonlyMap<string, readonly string[]>) {
  const cameFrom = new Map<string, string>()
  const queue = [start]
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    for (const next of edges.get(node) ?? []) {
      if (!group.has(next)) continue
      if (next === start) {
        const path = [node]
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!)
        return [...path, start].join(' -> ')
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node)
        queue.push(next)
      }
    }
  }
  return [...group].join(', ')
}

function sourceFiles(): Map<string, string> {
  const root = resolve(import.meta.dir, '../..')
  const files = new Map<string, string>()
  // Declaration files (*.d.ts) describe packages' modules to the compiler: no module imports them.
  for (const path of new Bun.Glob('src/**/*.ts').scanSync({ cwd: root })) {
    if (!path.endsWith('.d.ts')) files.set(path, readFileSync(join(root, path), 'utf8'))
  }
  return files
}

describe('the layering of src/', () => {
  const problems = layeringProblems(sourceFiles())

  test('every file is on a floor', () => {
    expect(problems.unplaced).toEqual([])
  })

  test('no import points to a floor above', () => {
    expect(problems.upward).toEqual([])
  })

  test('no import cycle', () => {
    expect(problems.cycles).toEqual([])
  })

  test('no route module imports another route module', () => {
    expect(problems.routeToRoute).toEqual([])
  })

  test('the walk sees the whole tree', () => {
    // Guards against a glob or a parse that quietly finds nothing: the entries reach the app.
    expect(sourceFiles().size).toBeGreaterThan(30)
    expect(relativeImports(readFileSync(resolve(import.meta.dir, '../../src/service.ts'), 'utf8'))).toContain(
      './app.ts',
    )
  })
})

describe('the layering checker', () => {
  const synthetic = new Map([
    ['src/config.ts', "import { RATE_LIMITS } from './http/limits.ts'\n"],
    ['src/http/limits.ts', "import type { Config } from '../config.ts'\n"],
    ['src/tokens/claims.ts', "export type { Verifier } from './verifier.ts'\n"],
    [
      'src/tokens/verifier.ts',
      "// import('./ignored.ts') in a comment is no import\nexport const load = () => import('./claims.ts')\n",
    ],
    ['src/routes/mfa.ts', "import { type Answer, other } from './auth.ts'\n"],
    ['src/routes/auth.ts', "import { RATE_LIMITS } from '../http/limits.ts'\n"],
    ['src/routes/groups.ts', "import { mfa } from './mfa.ts'\nimport { auth } from './auth.ts'\n"],
    ['src/features/sign-in.ts', "import pkg from '../../package.json' with { type: 'json' }\n"],
  ])
  const problems = layeringProblems(synthetic)

  test('reports an import that points up a floor', () => {
    expect(problems.upward).toEqual([
      'src/config.ts (config) imports src/http/limits.ts (schemas, http, observability), a floor above',
    ])
  })

  test('reports a cycle, through type-only and dynamic imports too', () => {
    expect(problems.cycles.sort()).toEqual([
      'src/config.ts -> src/http/limits.ts -> src/config.ts',
      'src/tokens/claims.ts -> src/tokens/verifier.ts -> src/tokens/claims.ts',
    ])
  })

  test('reports a route module importing another, but not the index', () => {
    expect(problems.routeToRoute).toEqual([
      'src/routes/mfa.ts imports src/routes/auth.ts: only src/routes/groups.ts imports route modules',
    ])
  })

  test('reports a file on no floor', () => {
    expect(problems.unplaced).toEqual(['src/features/sign-in.ts is on no floor: add its folder to FLOORS'])
  })

  test('sees every kind of import, and none in comments', () => {
    const source = [
      "import type { A } from './a.ts'",
      "import type B from './b.ts'",
      "import { type C, type D as E } from './c.ts'",
      "export type { F } from './f.ts'",
      "export * from './g.ts'",
      "import './h.ts'",
      '// import("./comment.ts")',
      "const i = () => import('./i.ts')",
      "import { J } from 'j-package'",
    ].join('\n')
    expect(relativeImports(source).sort()).toEqual([
      './a.ts',
      './b.ts',
      './c.ts',
      './f.ts',
      './g.ts',
      './h.ts',
      './i.ts',
    ])
  })
})
