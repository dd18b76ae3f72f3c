// What an error Elysia raised (a parse failure, a schema refusal, no route) is to the client: a
// problem from the catalogue. The values that failed never leave: only paths and rules do.
import { ValidationError } from 'elysia'
import { ProblemError } from './problem.ts'
import type { RouteMethods } from './route-methods.ts'
import { type RuledSchema, validationProblem } from './validation-problem.ts'

/**
 * @param code Elysia's error code (PARSE, VALIDATION, NOT_FOUND, …).
 * @param path the request's path, to tell 405 (another method answers it) from 404.
 * @returns the problem to answer with; a 5xx keeps the error as its cause for the log.
 */
export function problemFromElysiaError(
  code: string | number,
  error: unknown,
  path: string,
  methods: RouteMethods,
): ProblemError {
  if (error instanceof ProblemError) return error
  switch (code) {
    case 'PARSE': {
      const cause = (error as { cause?: unknown }).cause
      return cause instanceof ProblemError ? cause : new ProblemError('malformed_json')
    }
    case 'VALIDATION': {
      if (!(error instanceof ValidationError)) return new ProblemError('validation_failed')
      // An answer that breaks its own schema is our fault, not the client's: a 500. The error's
      // message holds the rejected answer (tokens among it), so only the failing paths are logged.
      if (error.type === 'response') {
        const at = [...new Set(error.all.map((e) => e.path || '/'))].join(', ')
        return new ProblemError('internal_error', undefined, {
          cause: new Error(`response does not match its schema at ${at}`),
        })
      }
      return validationProblem(schemaOf(error.validator), error.all)
    }
    case 'NOT_FOUND': {
      const allowed = methods.allowedAt(path)
      return allowed
        ? new ProblemError('method_not_allowed', undefined, { headers: { allow: allowed.join(', ') } })
        : new ProblemError('not_found')
    }
    default:
      return new ProblemError('internal_error', undefined, { cause: error })
  }
}

/** The JSON schema a validation error's validator checks against (a compiled check keeps it as `schema`). */
const schemaOf = (validator: unknown): RuledSchema | undefined =>
  (validator as { schema?: RuledSchema } | undefined)?.schema ?? (validator as RuledSchema | undefined)
