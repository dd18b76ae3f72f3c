// Which methods a path answers, to tell 405 (with Allow) from 404. Routes register their patterns
// (`/sessions/:sessionId`), requests arrive with real paths (`/sessions/abc`): a pattern with
// parameters is matched segment by segment.

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** The methods registered per route pattern, looked up by a request's path. */
export class RouteMethods {
  private readonly literal = new Map<string, string[]>()
  private readonly parameterised = new Map<string, { matcher: RegExp; methods: string[] }>()

  /** Records that `pattern` (Elysia's, `:name` for a parameter) answers `method`. */
  add(pattern: string, method: string): void {
    if (!pattern.includes(':')) {
      this.literal.set(pattern, [...(this.literal.get(pattern) ?? []), method])
      return
    }
    const found = this.parameterised.get(pattern)
    if (found) found.methods.push(method)
    else {
      const source = pattern
        .split('/')
        .map((segment) => (segment.startsWith(':') ? '[^/]+' : escapeRegExp(segment)))
        .join('/')
      this.parameterised.set(pattern, { matcher: new RegExp(`^${source}$`), methods: [method] })
    }
  }

  /**
   * The methods the routes answer at `path` (one trailing slash ignored, as Elysia routes it): a
   * literal route's and every matching pattern's (`/me/passkeys/options` is also a
   * `/me/passkeys/:credentialId`); undefined for none.
   */
  allowedAt(path: string): string[] | undefined {
    const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path
    const methods = [...(this.literal.get(trimmed) ?? [])]
    for (const pattern of this.parameterised.values())
      if (pattern.matcher.test(trimmed)) methods.push(...pattern.methods.filter((m) => !methods.includes(m)))
    return methods.length > 0 ? methods : undefined
  }
}
