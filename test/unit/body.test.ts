// The body reader's nesting limit and its reading of no body: what passes and what is refused, on the reader alone.
import { describe, expect, test } from 'bun:test'
import { MAX_BODY_DEPTH, readJsonBody } from '../../src/http/body.ts'
import { ProblemError } from '../../src/http/problem.ts'

const read = (text: string) =>
  readJsonBody(
    new Request('http://body.test/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: text }),
  )
const nested = (depth: number) => `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`

describe('nesting limit', () => {
  test(`a body nested ${MAX_BODY_DEPTH} levels deep is read`, async () => {
    expect(await read(nested(MAX_BODY_DEPTH))).toHaveProperty('a')
  })

  test(`one level deeper is 400 validation_failed naming the limit`, async () => {
    const refused = await read(nested(MAX_BODY_DEPTH + 1)).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ProblemError)
    expect(refused).toMatchObject({ code: 'validation_failed', status: 400 })
    expect((refused as ProblemError).detail).toContain(`${MAX_BODY_DEPTH} levels`)
  })

  test('brackets inside strings, escaped quotes among them, do not count', async () => {
    const text = JSON.stringify({ a: `\\"${'['.repeat(100)}`, b: '{'.repeat(100) })
    expect(await read(text)).toEqual(JSON.parse(text))
  })
})

describe('no body', () => {
  const empty = (headers: Record<string, string>) => new Request('http://body.test/', { method: 'DELETE', headers })
  const json = { 'content-type': 'application/json' }

  test('without a content type it is none, for any route', async () => {
    expect(await readJsonBody(empty({}))).toBeUndefined()
  })

  test('with a JSON content type it is none where the body is optional, malformed JSON where it is required', async () => {
    expect(await readJsonBody(empty(json), true)).toBeUndefined()
    expect(await readJsonBody(empty({ ...json, 'content-length': '0' }), true)).toBeUndefined()
    expect(await readJsonBody(empty(json)).catch((error: unknown) => error)).toMatchObject({ code: 'malformed_json' })
  })
})
