// `npm run start:node`: the service as Node runs it (the bundle `npm run build:node` made), in a child
// process, because this launcher runs on Bun. Ctrl-C and SIGTERM reach it; its exit is ours.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Env } from '../src/config.ts'

const BUNDLE = fileURLToPath(new URL('../dist/node/node.mjs', import.meta.url))

export async function runOnNode(env: Env): Promise<void> {
  const child = spawn('node', [BUNDLE], { env, stdio: 'inherit' })
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
  child.once('exit', (code) => process.exit(code ?? 1))
}
