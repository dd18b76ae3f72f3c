// Modules and objects the service builds on first use rather than at start-up (the AWS SDK, the
// token verifier, the OpenAPI document, the retry strategy).

/**
 * `load`, run once and shared by every caller. A failed load (a chunk that could not be read, a
 * throwing constructor) is not kept: the next call tries again instead of failing forever.
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined
      throw error
    }))
}
