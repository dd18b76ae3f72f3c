// The runtime image's filesystem, rebuilt from the Debian packages it is made of, for a machine with
// no Docker engine: the image test runs the binary inside it (chroot) and scripts/measure.ts sizes it.
//
// gcr.io/distroless/base-nossl-debian12 is distroless's "static" image (base-files, netbase, tzdata,
// media-types, the CA bundle of ca-certificates, passwd/group with `nonroot`, /tmp, /home/nonroot)
// plus glibc (libc6), and no OpenSSL. Its :nonroot tag runs as uid/gid 65532.
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { debianPackages, extractDeb, type DebianArch } from './debian.ts'

export const RUNTIME_PACKAGES = ['base-files', 'netbase', 'tzdata', 'media-types', 'ca-certificates', 'libc6'] as const
export const NONROOT = 65532

// distroless's passwd and group, with its `nonroot` user (home /home/nonroot, no login shell).
const PASSWD = `root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:${NONROOT}:${NONROOT}:nonroot:/home/nonroot:/sbin/nologin
`
const GROUP = `root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:${NONROOT}:
`

// Where each architecture's executables ask for the loader (PT_INTERP), and where libc6 puts it.
const LOADERS: Record<DebianArch, { link: string; file: string }> = {
  amd64: { link: 'lib64/ld-linux-x86-64.so.2', file: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  arm64: { link: 'lib/ld-linux-aarch64.so.1', file: '/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1' },
}

/**
 * Fills `root` with the runtime image's files for `arch` (packages unpacked without their maintainer
 * scripts, as distroless does), and copies `binary.from` to `binary.to` inside it, read-only.
 */
export function assembleRuntimeRoot(root: string, arch: DebianArch, binary?: { from: string; to: string }): void {
  for (const deb of debianPackages(RUNTIME_PACKAGES, arch)) extractDeb(deb, root)
  writeFileSync(join(root, 'etc/passwd'), PASSWD)
  writeFileSync(join(root, 'etc/group'), GROUP)
  mkdirSync(join(root, 'home/nonroot'), { recursive: true })
  chownSync(join(root, 'home/nonroot'), NONROOT, NONROOT)
  mkdirSync(join(root, 'tmp'), { recursive: true })
  chmodSync(join(root, 'tmp'), 0o1777)
  // The image has the loader at the path executables name. bookworm's libc6 ships that link, but
  // not every libc6 build does: add it when missing.
  const { link, file } = LOADERS[arch]
  if (!isLink(join(root, link)) && existsSync(join(root, file))) {
    mkdirSync(dirname(join(root, link)), { recursive: true })
    symlinkSync(file, join(root, link))
  }
  if (binary) {
    const target = join(root, binary.to)
    mkdirSync(dirname(target), { recursive: true })
    copyFileSync(binary.from, target)
    chmodSync(target, 0o555)
  }
}

const isLink = (path: string) => {
  try {
    return lstatSync(path).isSymbolicLink()
  } catch {
    return false
  }
}
