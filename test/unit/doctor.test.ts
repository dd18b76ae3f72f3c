// The doctor's pure parts: its arguments and the passkey relying party's origin rule.
import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { originFitsRelyingParty } from '../../src/doctor/checks.ts'
import { parseDoctorArgs } from '../../src/doctor/doctor.ts'

describe('parseDoctorArgs', () => {
  test('no arguments: the checks only; --probe with --probe-email (either spelling): the probe too', () => {
    expect(parseDoctorArgs([])).toEqual({})
    expect(parseDoctorArgs(['--probe', '--probe-email', 'me@example.com'])).toEqual({ probeEmail: 'me@example.com' })
    expect(parseDoctorArgs(['--probe-email=me@example.com', '--probe'])).toEqual({ probeEmail: 'me@example.com' })
  })

  test.each([
    [['--probe']],
    [['--probe-email', 'me@example.com']],
    [['--probe', '--probe-email']],
    [['--probe', '--probe-email', 'not an address']],
    [['--fix']],
  ])('%p is refused with a reason', (args) => {
    expect(parseDoctorArgs(args)).toHaveProperty('error')
  })
})

describe('originFitsRelyingParty', () => {
  test.each([
    ['https://example.com', 'example.com', true],
    ['https://app.example.com', 'example.com', true],
    ['https://app.example.com:8443', 'example.com', true],
    ['http://app.example.com', 'example.com', false],
    ['https://notexample.com', 'example.com', false],
    ['https://example.com.evil.test', 'example.com', false],
    ['http://localhost:8081', 'localhost', true],
  ])('%s for %s: %p', (origin, rpId, fits) => {
    expect(originFitsRelyingParty(origin, rpId)).toBe(fits)
  })
})

test('the server never loads the doctor: src/main.ts imports it only dynamically, for the subcommand', () => {
  const main = readFileSync(new URL('../../src/main.ts', import.meta.url), 'utf8')
  const imports = new Bun.Transpiler({ loader: 'ts' }).scanImports(main)
  const doctor = imports.filter(({ path }) => path.includes('/doctor/'))
  expect(doctor.length).toBeGreaterThan(0)
  for (const { kind } of doctor) expect(kind).toBe('dynamic-import')
})
