// What callers of the shared state store see, apart from the client that implements it (store.ts,
// which loads node-redis and is loaded only when REDIS_URL is set).

/** The store could not answer in time (down, unreachable, too slow): use the per-task state. */
export const UNAVAILABLE: unique symbol = Symbol('store unavailable')
export type Unavailable = typeof UNAVAILABLE

/** A store reply, or UNAVAILABLE. */
export type StoreAnswer<T> = T | Unavailable

/** The shared state store, as its callers use it. */
export interface Store {
  /** Whether the store answered its last probe; while false, every command is UNAVAILABLE at once. */
  readonly reachable: boolean
  /**
   * Sends one command, `args` as the server takes them (e.g. ['MGET', k1, k2]). `slotKey` is a key
   * of the command: in cluster mode it picks the node; every key of one command must share its hash
   * slot (a `{tag}`), or the server refuses with CROSSSLOT. Never rejects: a refusal, a lost
   * connection or a missed deadline is UNAVAILABLE (and logged).
   */
  command(slotKey: string, args: string[]): Promise<StoreAnswer<unknown>>
  /** Listens on a sharded channel (SSUBSCRIBE); the client subscribes again after a reconnection. */
  subscribe(channel: string, listener: (message: string) => void): Promise<void>
  /**
   * `listener` runs now if the store is reachable, and each time it becomes reachable again: what
   * a task missed meanwhile must be read back then.
   */
  onReachable(listener: () => void): void
  close(): void
}
