// Types of bench/node-http.mjs for the TypeScript that imports it (bench/node-floor.ts).
import type { IncomingMessage, Server } from 'node:http'

export declare function settingsFromEnv(): Record<
  'PORT' | 'COGNITO_ENDPOINT' | 'COGNITO_CLIENT_ID' | 'COGNITO_CLIENT_SECRET' | 'COGNITO_ISSUER',
  string
>

export declare function cognitoCaller(
  endpoint: string,
): (operation: string, input: unknown, signal?: AbortSignal) => Promise<{ status: number; text: string }>

export declare const readText: (req: IncomingMessage) => Promise<string>

export declare function listen(server: Server, port: number): void
