// The 400 for a request the route's schema refuses: the declared fields that failed and, in words,
// the rule each one broke, from TypeBox's errors. Never a value, and never a name the client chose
// (an unknown field, a key inside a record): pointers stop at the last field the schema declares.
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors'
import { ProblemError } from './problem.ts'

/**
 * The schema keyword (an OpenAPI extension) that says in words what a field's pattern, or a record's
 * field names, require: what the 400 says of a value that breaks it.
 */
export const RULE_KEYWORD = 'x-rule'

/** The keywords of a JSON schema read here. */
export interface RuledSchema {
  type?: string
  properties?: Record<string, RuledSchema>
  anyOf?: RuledSchema[]
  const?: unknown
  format?: string
  minLength?: number
  maxLength?: number
  minProperties?: number
  maxProperties?: number
  [RULE_KEYWORD]?: string
}

const FORMAT_RULES: Readonly<Record<string, string>> = {
  email: 'must be an email address (name@example.com)',
  'date-time': 'must be an ISO 8601 date and time',
}

const TYPE_RULES: Partial<Record<ValueErrorType, string>> = {
  [ValueErrorType.String]: 'must be a string',
  [ValueErrorType.Object]: 'must be a JSON object',
  [ValueErrorType.Array]: 'must be an array',
  [ValueErrorType.Boolean]: 'must be true or false',
  [ValueErrorType.Number]: 'must be a number',
  [ValueErrorType.Integer]: 'must be an integer',
}

const count = (n: number | undefined, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`

/** What `error` says the value must be, from its type and its schema's limits (never from the value). */
function ruleOf(error: ValueError): string {
  const schema = error.schema as RuledSchema
  if (error.type === ValueErrorType.ObjectRequiredProperty || error.value === undefined) return 'is missing'
  switch (error.type) {
    case ValueErrorType.StringMaxLength:
      return `must be at most ${count(schema.maxLength, 'character')}`
    case ValueErrorType.StringMinLength:
      return schema.minLength === 1 ? 'must not be empty' : `must be at least ${count(schema.minLength, 'character')}`
    case ValueErrorType.StringPattern:
      return schema[RULE_KEYWORD] ?? 'is not in the accepted form'
    case ValueErrorType.StringFormat:
      return FORMAT_RULES[schema.format ?? ''] ?? `must be in the ${schema.format} format`
    case ValueErrorType.ObjectMinProperties:
      return `must have at least ${count(schema.minProperties, 'field')}`
    case ValueErrorType.ObjectMaxProperties:
      return `must have at most ${count(schema.maxProperties, 'field')}`
    case ValueErrorType.ObjectAdditionalProperties:
      return schema[RULE_KEYWORD] ?? 'has a field this route does not accept'
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(schema.const)}`
    case ValueErrorType.Union: {
      const choices = schema.anyOf?.map((choice) => choice.const)
      return choices?.every((c) => typeof c === 'string')
        ? `must be one of: ${choices.join(', ')}`
        : 'is not one of the accepted forms'
    }
    default:
      return TYPE_RULES[error.type] ?? 'is not valid'
  }
}

const decodeSegment = (segment: string) => segment.replaceAll('~1', '/').replaceAll('~0', '~')
const encodeSegment = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1')

/**
 * The part of `path` (a JSON pointer) that `root` declares, field by field: '' for the whole body,
 * undefined for a field the schema does not declare at the top (the client's own name).
 */
function declaredPointer(root: RuledSchema | undefined, path: string): string | undefined {
  if (path === '') return ''
  let schema = root
  let pointer = ''
  for (const segment of path.slice(1).split('/').map(decodeSegment)) {
    const field =
      schema?.properties && Object.hasOwn(schema.properties, segment) ? schema.properties[segment] : undefined
    if (field === undefined) break
    pointer += `/${encodeSegment(segment)}`
    schema = field
  }
  return pointer === '' ? undefined : pointer
}

/**
 * The 400 validation_failed for `errors` against `root` (the route's body or path schema): `fields`
 * the declared pointers that failed, the detail one rule per field ("nickname must be at most 2048
 * characters"). A failure inside a record or under an unknown name is reported on the declared field
 * that holds it; unknown top-level fields alone are named only as "fields this route does not accept".
 */
export function validationProblem(root: RuledSchema | undefined, errors: readonly ValueError[]): ProblemError {
  const rules = new Map<string, string>()
  for (const error of errors) {
    const pointer = declaredPointer(root, error.path)
    if (pointer === undefined || rules.has(pointer)) continue
    // Deeper than the declared field (a record's entry): the rule is the entry's, not the field's.
    const ofEntry = pointer !== error.path && error.type !== ValueErrorType.ObjectAdditionalProperties
    rules.set(pointer, ofEntry ? `has an entry that ${ruleOf(error)}` : ruleOf(error))
  }
  if (rules.size === 0)
    return new ProblemError('validation_failed', 'The body has fields this route does not accept.', { fields: [] })
  const detail = [...rules]
    .map(
      ([pointer, rule]) =>
        `${pointer === '' ? 'The body' : pointer.slice(1).split('/').map(decodeSegment).join('.')} ${rule}`,
    )
    .join('; ')
  return new ProblemError('validation_failed', `${detail}.`, { fields: [...rules.keys()] })
}
