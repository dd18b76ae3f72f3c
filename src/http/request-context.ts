// The client's address for the duration of one request, for code that runs under it without being
// handed the request: the Cognito gateway sends it as UserContextData.IpAddress, so that threat
// protection scores each sign-in by the user's address, not the service task's. AsyncLocalStorage
// (node:async_hooks) follows the request through every await, on Bun and on Node.
import { AsyncLocalStorage } from 'node:async_hooks'

const clientAddresses = new AsyncLocalStorage<string | undefined>()

/**
 * Runs `answer` with `address` as the current client address (src/http/client-address.ts form).
 * @returns what `answer` returns.
 */
export const withClientAddress = <T>(address: string | undefined, answer: () => T): T =>
  clientAddresses.run(address, answer)

/** The client address of the request being answered; undefined outside one, or when unknown. */
export const currentClientAddress = (): string | undefined => clientAddresses.getStore()
