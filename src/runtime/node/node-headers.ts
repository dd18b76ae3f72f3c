// The bridge's two Headers: a request's, answering from node:http's raw header list, and an
// answer's, kept as the plain record Elysia builds (`set.headers`). Both are real Headers (their
// brand, methods and iteration Node's own) that skip what Node's Headers costs per request (a
// WebIDL conversion and a validation of every header, a sort when iterated) for the few calls the
// app and the bridge make, and copy what they keep into themselves when anything else is asked.

/** Headers' methods as methods (the platform types declare them as properties, which a subclass cannot override). */
interface HeadersMethods {
  get(name: string): string | null
  has(name: string): boolean
  append(name: string, value: string): void
  set(name: string, value: string): void
  delete(name: string): void
  getSetCookie(): string[]
  keys(): IterableIterator<string>
  values(): IterableIterator<string>
  entries(): IterableIterator<[string, string]>
  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void
  [Symbol.iterator](): IterableIterator<[string, string]>
}
const NativeHeaders = globalThis.Headers as unknown as new () => HeadersMethods
const nativeAppend = NativeHeaders.prototype.append

// RFC 9110 §5.6.2: a header name is a token.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const LOWERCASE_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/
// A value Fetch keeps as it is (https://fetch.spec.whatwg.org/#header-value: no leading or trailing
// whitespace, no NUL, CR or LF) and node:http writes as it is (no character above 0xFF).
const PLAIN_VALUE = /^(?:[!-~\x80-\xff](?:[\t -~\x80-\xff]*[!-~\x80-\xff])?)?$/
const isHttpWhitespace = (code: number) => code === 9 || code === 10 || code === 13 || code === 32

/** Fetch's header value normalization: leading and trailing HTTP whitespace removed. */
function normalizedValue(value: string): string {
  let start = 0
  let end = value.length
  while (start < end && isHttpWhitespace(value.charCodeAt(start))) start++
  while (end > start && isHttpWhitespace(value.charCodeAt(end - 1))) end--
  return start === 0 && end === value.length ? value : value.slice(start, end)
}

/**
 * A Headers that keeps its fields elsewhere until `materialize` copies them into itself; every
 * method a subclass does not answer itself materializes first, then is the platform's.
 */
abstract class LazyHeaders extends NativeHeaders {
  /** Copies the fields kept elsewhere into the Headers, once (later calls do nothing). */
  protected abstract materialize(): void

  /** Appends to the Headers itself, without materializing. */
  protected appendNative(name: string, value: string): void {
    nativeAppend.call(this, name, value)
  }

  override append(name: string, value: string): void {
    this.materialize()
    super.append(name, value)
  }
  override set(name: string, value: string): void {
    this.materialize()
    super.set(name, value)
  }
  override delete(name: string): void {
    this.materialize()
    super.delete(name)
  }
  override getSetCookie(): string[] {
    this.materialize()
    return super.getSetCookie()
  }
  override keys(): IterableIterator<string> {
    this.materialize()
    return super.keys()
  }
  override values(): IterableIterator<string> {
    this.materialize()
    return super.values()
  }
  override entries(): IterableIterator<[string, string]> {
    this.materialize()
    return super.entries()
  }
  override forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.materialize()
    super.forEach(callback, thisArg)
  }
  override [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries()
  }
}

/**
 * A request's Headers over node:http's raw header list ([name, value, ...] as received): get/has
 * answer from the list, repeated headers joined as Fetch joins them (", ", or "; " for Cookie).
 */
export class IncomingHeaders extends LazyHeaders {
  #raw: string[] | undefined

  constructor(raw: string[]) {
    super()
    this.#raw = raw
  }

  #lookup(name: string): string | null | undefined {
    const raw = this.#raw
    if (raw === undefined || !HEADER_NAME.test(name)) return undefined
    const lower = name.toLowerCase()
    let value: string | null = null
    for (let i = 0; i < raw.length; i += 2) {
      const rawName = raw[i]!
      if (rawName.length !== lower.length || rawName.toLowerCase() !== lower) continue
      const rawValue = normalizedValue(raw[i + 1]!)
      value = value === null ? rawValue : value + (lower === 'cookie' ? '; ' : ', ') + rawValue
    }
    return value
  }

  protected override materialize(): void {
    const raw = this.#raw
    if (raw === undefined) return
    this.#raw = undefined
    for (let i = 0; i < raw.length; i += 2) this.appendNative(raw[i]!, raw[i + 1]!)
  }

  override get(name: string): string | null {
    const value = this.#lookup(name)
    if (value !== undefined) return value
    this.materialize()
    return super.get(name)
  }
  override has(name: string): boolean {
    const value = this.#lookup(name)
    if (value !== undefined) return value !== null
    this.materialize()
    return super.has(name)
  }
}

/**
 * An answer's Headers from a plain record whose names are tokens and whose values are strings Fetch
 * and node:http keep as they are (what the app's records are); `of` gives none for any other
 * record, which the platform's Headers then takes. The fields stay a flat [name, value, ...] list
 * with lowercase names, which get/has/set/delete work on (anything they would normalize, refuse or
 * make a Set-Cookie goes to the platform's), and which the bridge writes as it is (`fieldsOf`).
 */
export class OutgoingHeaders extends LazyHeaders {
  #fields: string[] | undefined

  private constructor(fields: string[]) {
    super()
    this.#fields = fields
  }

  /** The Headers of `record`, or undefined when it holds anything but plain names and values. */
  static of(record: Record<string, unknown>): OutgoingHeaders | undefined {
    const fields: string[] = []
    for (const name in record) {
      if (!Object.hasOwn(record, name)) return undefined
      const value = record[name]
      if (typeof value !== 'string' || !PLAIN_VALUE.test(value)) return undefined
      const lower = HEADER_NAME.test(name) ? name.toLowerCase() : undefined
      if (lower === undefined || lower === 'set-cookie' || fields.includes(lower)) return undefined
      fields.push(lower, value)
    }
    return new OutgoingHeaders(fields)
  }

  /** The fields as a flat [lowercase name, value, ...] list, or undefined once they are the platform's. */
  static fieldsOf(headers: Headers): readonly string[] | undefined {
    return headers instanceof OutgoingHeaders ? headers.#fields : undefined
  }

  /** Where `name` is in the list (-1 when absent), or undefined when the platform's Headers must answer. */
  #indexOf(name: string): number | undefined {
    const fields = this.#fields
    if (fields === undefined) return undefined
    const lower = LOWERCASE_NAME.test(name) ? name : HEADER_NAME.test(name) ? name.toLowerCase() : undefined
    if (lower === undefined) return undefined
    for (let i = 0; i < fields.length; i += 2) if (fields[i] === lower) return i
    return -1
  }

  protected override materialize(): void {
    const fields = this.#fields
    if (fields === undefined) return
    this.#fields = undefined
    for (let i = 0; i < fields.length; i += 2) this.appendNative(fields[i]!, fields[i + 1]!)
  }

  override get(name: string): string | null {
    const at = this.#indexOf(name)
    if (at !== undefined) return at === -1 ? null : this.#fields![at + 1]!
    this.materialize()
    return super.get(name)
  }
  override has(name: string): boolean {
    const at = this.#indexOf(name)
    if (at !== undefined) return at !== -1
    this.materialize()
    return super.has(name)
  }
  override set(name: string, value: string): void {
    const at = typeof value === 'string' && PLAIN_VALUE.test(value) ? this.#indexOf(name) : undefined
    if (at === undefined || name.toLowerCase() === 'set-cookie') super.set(name, value)
    else if (at === -1) this.#fields!.push(name.toLowerCase(), value)
    else this.#fields![at + 1] = value
  }
  override delete(name: string): void {
    const at = this.#indexOf(name)
    if (at === undefined) super.delete(name)
    else if (at !== -1) this.#fields!.splice(at, 2)
  }
}
