// A JSON body a route may go without: no body at all is "none", anything sent must be the schema's.
// Elysia 1.4 checks an optional body only when it is a non-empty object: `null`, a string, a number,
// an array or `{}` reach the handler unchecked (its cleaner even turns a string into `{}`), so a body
// that is not the schema's would count as no body. Such a route checks what was sent itself, with
// the same schema, before Elysia's cleaner sees it.
import { KindGuard, type TObject, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { type RuledSchema, validationProblem } from './validation-problem.ts'

/**
 * The check of an optional body against `schema` (the one the route declares as `t.Optional(schema)`),
 * as a transform hook: it runs before Elysia's own validation and cleaning. A body that was sent must
 * match `schema` exactly as a required one would: `null`, a non-object or a missing field is refused,
 * and so is a field `schema` does not declare when it says `additionalProperties: false`. No body at
 * all (`undefined`) passes.
 * @throws ProblemError validation_failed naming the fields, or the whole body ('') when it is not an object.
 */
export function checkOptionalBody(schema: TObject): (context: { body: unknown }) => void {
  const compiled = TypeCompiler.Compile(schema)
  return ({ body }) => {
    if (body !== undefined && !compiled.Check(body))
      throw validationProblem(schema as RuledSchema, [...compiled.Errors(body)])
  }
}

/** Whether a route's body schema (Elysia's `hooks.body`) is one a request may leave out (`t.Optional`). */
export const isOptionalBody = (schema: unknown): boolean =>
  typeof schema === 'object' && schema !== null && KindGuard.IsOptional(schema as TSchema)
