// What a test needs from the machine beyond npm's packages. Checked first, so that a machine without
// it fails the test with one plain sentence naming what is missing and how to get it, instead of a
// launcher's stack trace or a silent skip. .ci/run installs the Debian packages; CI runs as root.

/**
 * Throws unless `command` (a name looked up on PATH, or an absolute path) is an executable file.
 * `purpose` says what the test uses it for; `debianPackage` is what provides it.
 */
export function requireExecutable(command: string, debianPackage: string, purpose: string): void {
  if (Bun.which(command) === null) {
    throw new Error(
      `${command} is missing: ${purpose} needs it. Install it with \`apt-get install ${debianPackage}\` (.ci/run does).`,
    )
  }
}

/** Throws unless the test runs as root; `purpose` says what needs root. */
export function requireRoot(purpose: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${purpose} needs root; run this test as root (CI does).`)
}
