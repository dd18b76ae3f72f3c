// The error half of every route's response map: the RFC 9457 problem shapes, narrowed per status to
// the codes a route can answer with.
import { Type } from '@sinclair/typebox'
import { t } from 'elysia'
import { PROBLEMS, type ProblemCode } from '../http/problem.ts'

const problemBody = (codes: ProblemCode[]) =>
  t.Object(
    {
      type: t.String({ examples: [`urn:user-service:problem:${codes[0]}`] }),
      title: t.String(),
      status: Type.Integer(),
      detail: t.String({ description: 'For people; never echoes input or upstream messages.' }),
      code: codes.length === 1 ? t.Literal(codes[0]!) : t.Union(codes.map((c) => t.Literal(c))),
      fields: t.Optional(
        t.Array(t.String(), { description: 'validation_failed: JSON pointers of the failing fields.' }),
      ),
    },
    { description: `RFC 9457 problem (application/problem+json). code: ${codes.join(', ')}.` },
  )

/** Every problem code a client can act on; the shape of every error body. */
export const ProblemBody = problemBody(Object.keys(PROBLEMS) as ProblemCode[])

// What any route with a JSON body can answer besides its own errors.
const BODY_PROBLEMS = ['validation_failed', 'malformed_json', 'payload_too_large', 'unsupported_media_type'] as const
const UPSTREAM_PROBLEMS = [
  'too_many_requests',
  'internal_error',
  'upstream_error',
  'upstream_unavailable',
  'upstream_timeout',
] as const
/** What a route that declares `bearer` answers besides its own errors (src/policies/policies.ts). */
export const BEARER_RESPONSES = { 401: problemBody(['missing_token', 'invalid_token']) }
/** What a route that declares `recent` answers besides its own and the bearer errors. */
export const RECENT_RESPONSES = { 403: problemBody(['reauthentication_required']) }

type StatusOf<C extends ProblemCode> = (typeof PROBLEMS)[C]['status']
type ErrorCodes<C extends ProblemCode, Body extends boolean> =
  | C
  | (typeof UPSTREAM_PROBLEMS)[number]
  | (Body extends true ? (typeof BODY_PROBLEMS)[number] : never)

/**
 * The error half of a route's response map: one problem schema per status, listing exactly the
 * codes the route can answer with that status (the body and upstream ones included). Its keys are
 * typed, so typed clients (Eden) see each error status.
 */
export function problemResponses<C extends ProblemCode, Body extends boolean = true>(
  codes: readonly C[],
  { body = true as Body }: { body?: Body } = {},
): Record<StatusOf<ErrorCodes<C, Body>>, typeof ProblemBody> {
  const all: ProblemCode[] = [...new Set([...(body ? BODY_PROBLEMS : []), ...codes, ...UPSTREAM_PROBLEMS])]
  const byStatus = new Map<number, ProblemCode[]>()
  for (const code of all) {
    const { status } = PROBLEMS[code]
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  // Each status's schema is narrower than ProblemBody (only its own codes): the document says
  // exactly what a route answers, while the client type stays the one shape of every problem.
  return Object.fromEntries([...byStatus].map(([status, list]) => [status, problemBody(list)])) as Record<
    StatusOf<ErrorCodes<C, Body>>,
    typeof ProblemBody
  >
}
