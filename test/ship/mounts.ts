// The mounts a container runtime makes for the image test's chroot: the image root read-only (as
// ECS's readonlyRootFilesystem) and /proc inside it (a compiled Bun reads /proc/self/exe and aborts
// without it). Undone in reverse order by unmountAll(), which the test calls in afterAll and which
// also runs on process exit, so a failed or interrupted run leaves nothing mounted.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const mounted: string[] = []

function sh(cmd: string[]): void {
  const result = Bun.spawnSync(cmd, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  if (result.exitCode !== 0)
    throw new Error(`${cmd.join(' ')} exited ${result.exitCode}: ${result.stderr.toString().trim()}`)
}

/** Bind-mounts `root` onto itself read-only, then mounts a fresh proc at `root`/proc. */
export function mountImageRoot(root: string): void {
  sh(['mount', '--bind', root, root])
  mounted.push(root)
  sh(['mount', '-o', 'remount,bind,ro', root])
  sh(['mount', '-t', 'proc', 'proc', join(root, 'proc')])
  mounted.push(join(root, 'proc'))
}

/** Unmounts everything mountImageRoot mounted; lazily when still busy (a process left inside). */
export function unmountAll(): void {
  for (const point of mounted.splice(0).reverse()) {
    const result = Bun.spawnSync(['umount', point], { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' })
    if (result.exitCode !== 0)
      Bun.spawnSync(['umount', '--lazy', point], { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' })
  }
}

/** Whether anything is mounted at or under `dir` (then it must not be deleted). */
export function hasMountsUnder(dir: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => {
      const point = line.split(' ')[4]
      return point !== undefined && (point === dir || point.startsWith(`${dir}/`))
    })
}

process.on('exit', unmountAll)
