// `npm test` after the type check: the whole suite with the service on Bun, then the integration
// suite again with the service on Node (the built bundle) and as the compiled binary, then a subset
// of it on each Node LTS line (scripts/node-lines.ts: Node 22 and 24 from the npm registry; the
// machine's own Node runs the whole). Each run is its own `bun test` (its own cognito-local);
// SERVICE_TARGET tells test/support which command starts the service, PATH which `node`. Stops at
// the first failing run.
import { spawnSync } from 'node:child_process'
import { NODE_LINES, nodeBinDir } from './node-lines.ts'

const run = (command: string, env: Record<string, string> = {}) => {
  const started = performance.now()
  const { status } = spawnSync(command, { shell: true, stdio: 'inherit', env: { ...process.env, ...env } })
  if (status !== 0) {
    process.stderr.write(
      `\ntest-targets: \`${command}\` failed (${Object.entries(env)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')})\n`,
    )
    process.exit(status ?? 1)
  }
  return Math.round(performance.now() - started)
}

const TEST = 'bun test --timeout 30000'
// What differs between Node lines: the bridge to node:http, the Cognito client (node:http and TLS),
// the process (signals, start-up), the token check's JWKS fetch. The whole suite on each line would
// add about as much again as the Node run to CI's time.
const NODE_LINE_SUBSET = ['core', 'requests', 'faults', 'call-limit', 'process', 'token-check'].map(
  (name) => `test/integration/${name}.test.ts`,
)
const timings = [
  ['build:node', run('npm run --silent build:node')],
  ['build:binary', run('bun scripts/build.ts --arch=amd64')],
  ['bun (whole suite)', run(TEST, { SERVICE_TARGET: 'bun' })],
  ['node (integration)', run(`${TEST} test/integration`, { SERVICE_TARGET: 'node' })],
  ['binary (integration)', run(`${TEST} test/integration`, { SERVICE_TARGET: 'binary' })],
  ...NODE_LINES.map(
    (major) =>
      [
        `node ${major} (integration subset)`,
        run(`${TEST} ${NODE_LINE_SUBSET.join(' ')}`, {
          SERVICE_TARGET: 'node',
          PATH: `${nodeBinDir(major)}:${process.env.PATH}`,
        }),
      ] as const,
  ),
] as const
process.stdout.write(`\ntest-targets: all passed\n${timings.map(([what, ms]) => `  ${what}: ${ms} ms`).join('\n')}\n`)
