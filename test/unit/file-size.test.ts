// Small modules with one job: no file of src/ grows past 350 lines (docs/architecture.md, "Layout").
// A file that must grow splits by what it does first.
import { expect, test } from 'bun:test'
import { join } from 'node:path'

const MAX_LINES = 350
const root = join(import.meta.dir, '..', '..')

test(`no file in src/ is over ${MAX_LINES} lines`, async () => {
  const over: string[] = []
  for (const path of new Bun.Glob('src/**/*.ts').scanSync({ cwd: root })) {
    const lines = (await Bun.file(join(root, path)).text()).split('\n').length - 1
    if (lines > MAX_LINES) over.push(`${path}: ${lines} lines`)
  }
  expect(over).toEqual([])
})
