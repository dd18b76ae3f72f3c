// `user-service healthcheck`: the container health check. The runtime image is distroless (no
// shell, no curl), so the binary checks itself: GET /health on loopback, exit 0 on 200, else 1.
// It starts no server and reads only PORT: a health check must not fail on configuration that
// only the server needs.
import { DEFAULT_PORT, type Env } from './config.ts'

// The budget a check gets: well under the health check's own timeout (ECS: 5 s), so the check
// answers 1 itself instead of being killed.
export const HEALTHCHECK_TIMEOUT_MS = 2000

/** Exit code of one health check: 0 when /health answers 200 within the budget, 1 otherwise. */
export async function runHealthcheck(env: Env, timeoutMs = HEALTHCHECK_TIMEOUT_MS): Promise<number> {
  const port = env.PORT?.trim() || String(DEFAULT_PORT)
  if (!/^\d+$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    return fail(`PORT must be an integer from 1 to 65535`)
  }
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    })
    await res.body?.cancel()
    return res.status === 200 ? 0 : fail(`/health answered ${res.status}`)
  } catch (error) {
    return fail(`/health unreachable: ${error instanceof Error ? error.message : String(error)}`)
  }
}

// One line on stderr: Docker and ECS keep the check's output, so a failing check says why.
function fail(reason: string): number {
  process.stderr.write(`user-service healthcheck: ${reason}\n`)
  return 1
}
