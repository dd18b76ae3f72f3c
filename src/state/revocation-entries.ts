// What a revocation looks like in the shared store and on its channel: a kind and that kind's
// fields, so a new rule (a per-user cut-off on another claim) is a new kind, not a new format.
// A kind says which store keys a token's claims map to (for a direct check) and how an entry
// applies to a task's in-memory list (src/tokens/revocations.ts).
import type { RevocableClaims, RevocationList } from '../tokens/revocations.ts'
import type { KeyedHash } from './keyed-hash.ts'

/** One revocation, as stored and published. Times are epoch seconds. */
export type RevocationEntry =
  /** The token id (`jti` or `origin_jti`) is dead until `expiresAt`. */
  | { kind: 'token'; id: string; expiresAt: number }
  /** Every access token of `sub` with `iat` before `notBefore` is dead; kept until `forgetAt`. */
  | { kind: 'user-issued-before'; sub: string; notBefore: number; forgetAt: number }
  /** Every access token of `sub` whose sign-in (`auth_time`) was before `signedInBefore` is dead. */
  | { kind: 'user-signed-in-before'; sub: string; signedInBefore: number; forgetAt: number }

type Kind = RevocationEntry['kind']
type EntryOf<K extends Kind> = Extract<RevocationEntry, { kind: K }>

interface KindRules<K extends Kind> {
  /** The value the entry's store key is hashed from. */
  subject(entry: EntryOf<K>): string
  /** The values, from a token's claims, whose entries could revoke it. */
  subjectsOf(claims: RevocableClaims): Array<string | undefined>
  /** When the entry stops mattering (every token it covers has expired). */
  forgetAt(entry: EntryOf<K>): number
  apply(list: RevocationList, entry: EntryOf<K>): void
  /** The entry when `value` has this kind's fields with the right types, else undefined. */
  parse(value: Record<string, unknown>): EntryOf<K> | undefined
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '' && value.length <= 512
const isTime = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0

const KINDS: { [K in Kind]: KindRules<K> } = {
  token: {
    subject: (entry) => entry.id,
    subjectsOf: (claims) => [claims.jti, claims.originJti],
    forgetAt: (entry) => entry.expiresAt,
    apply: (list, entry) => list.revokeTokenId(entry.id, entry.expiresAt),
    parse: ({ id, expiresAt }) => (isText(id) && isTime(expiresAt) ? { kind: 'token', id, expiresAt } : undefined),
  },
  'user-issued-before': {
    subject: (entry) => entry.sub,
    subjectsOf: (claims) => [claims.sub],
    forgetAt: (entry) => entry.forgetAt,
    apply: (list, entry) => list.revokeUserTokens(entry.sub, entry.notBefore, entry.forgetAt),
    parse: ({ sub, notBefore, forgetAt }) =>
      isText(sub) && isTime(notBefore) && isTime(forgetAt)
        ? { kind: 'user-issued-before', sub, notBefore, forgetAt }
        : undefined,
  },
  'user-signed-in-before': {
    subject: (entry) => entry.sub,
    subjectsOf: (claims) => [claims.sub],
    forgetAt: (entry) => entry.forgetAt,
    apply: (list, entry) => list.revokeSignInsBefore(entry.sub, entry.signedInBefore, entry.forgetAt),
    parse: ({ sub, signedInBefore, forgetAt }) =>
      isText(sub) && isTime(signedInBefore) && isTime(forgetAt)
        ? { kind: 'user-signed-in-before', sub, signedInBefore, forgetAt }
        : undefined,
  },
}
const rulesOf = <K extends Kind>(kind: K) => KINDS[kind] as unknown as KindRules<K>

/**
 * The hash tag every revocation key and channel shares: one hash slot, so a script may touch an
 * entry and the index together in cluster mode (a `{tag}` decides the slot, Redis cluster spec).
 */
export const REVOCATION_TAG = '{user-service:revocations}'
/** The sorted set of live entries (score: forget-at in ms), read back to catch up. */
export const REVOCATION_INDEX_KEY = `${REVOCATION_TAG}:index`
/** The sharded channel entries are published on. */
export const REVOCATION_CHANNEL = `${REVOCATION_TAG}:published`

/** The store key of one entry: its kind and a keyed hash of its subject (no raw id in a key name). */
export const entryKey = (hash: KeyedHash, kind: Kind, subject: string): string =>
  `${REVOCATION_TAG}:${kind}:${hash(subject)}`

export const keyOfEntry = (hash: KeyedHash, entry: RevocationEntry): string =>
  entryKey(hash, entry.kind, rulesOf(entry.kind).subject(entry))

/** Every store key whose entry could revoke a token with these claims. */
export function keysForClaims(hash: KeyedHash, claims: RevocableClaims): string[] {
  return (Object.keys(KINDS) as Kind[]).flatMap((kind) =>
    KINDS[kind]
      .subjectsOf(claims)
      .filter((subject): subject is string => subject !== undefined)
      .map((subject) => entryKey(hash, kind, subject)),
  )
}

export const forgetAtOf = (entry: RevocationEntry): number => rulesOf(entry.kind).forgetAt(entry)

export const applyEntry = (list: RevocationList, entry: RevocationEntry): void => rulesOf(entry.kind).apply(list, entry)

/** The entry a stored or published text holds; undefined for anything else (bad data, an unknown kind). */
export function parseEntry(text: string): RevocationEntry | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const kind = (value as { kind?: unknown }).kind
  if (typeof kind !== 'string' || !Object.hasOwn(KINDS, kind)) return undefined
  return rulesOf(kind as Kind).parse(value as Record<string, unknown>)
}
