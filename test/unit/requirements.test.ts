// The machine checks of test/support/requirements.ts: a missing browser or a missing root fails the
// test that needs it with a sentence saying what to do, never a skip.
import { describe, expect, test } from 'bun:test'
import { requireExecutable, requireRoot } from '../support/requirements.ts'

describe('requireExecutable', () => {
  test('passes for a command on PATH and for an absolute path', () => {
    expect(() => requireExecutable('sh', 'dash', 'a shell')).not.toThrow()
    expect(() => requireExecutable(process.execPath, 'bun', 'the test runner')).not.toThrow()
  })

  test('a missing one throws, naming it, what needs it and the package to install', () => {
    expect(() => requireExecutable('/usr/bin/no-such-browser', 'chromium', 'Swagger UI in a real browser')).toThrow(
      '/usr/bin/no-such-browser is missing: Swagger UI in a real browser needs it. Install it with `apt-get install chromium` (.ci/run does).',
    )
  })
})

test('requireRoot throws for any other user, naming what needs root', () => {
  const getuid = process.getuid
  process.getuid = () => 1000
  try {
    expect(() => requireRoot('The image test')).toThrow('The image test needs root; run this test as root (CI does).')
  } finally {
    process.getuid = getuid
  }
})
