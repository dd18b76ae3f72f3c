// `npm test` after the type check: the whole suite with the service on Bun, then the integration
// suite again with the service on Node (the built bundle) and as the compiled binary. Each run is
// its own `bun test` (its own cognito-local); SERVICE_TARGET tells test/support which command
// starts the service. Stops at the first failing run.
import { spawnSync } from 'node:child_process'

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
const timings = [
  ['build:node', run('npm run --silent build:node')],
  ['build:binary', run('bun scripts/build.ts --arch=amd64')],
  ['bun (whole suite)', run(TEST, { SERVICE_TARGET: 'bun' })],
  ['node (integration)', run(`${TEST} test/integration`, { SERVICE_TARGET: 'node' })],
  ['binary (integration)', run(`${TEST} test/integration`, { SERVICE_TARGET: 'binary' })],
] as const
process.stdout.write(`\ntest-targets: all passed\n${timings.map(([what, ms]) => `  ${what}: ${ms} ms`).join('\n')}\n`)
