// The breached-password check's settings, for config.ts (the only reader of the environment).

/** Whether and where new passwords are checked against the Pwned Passwords corpus. */
export interface BreachedPasswordConfig {
  enabled: boolean
  /** The range API's base URL (`<baseUrl>/range/<prefix>`); an operator may run a mirror. */
  baseUrl: string
  /** How long one range lookup may take before the check gives up on it. */
  timeoutMs: number
  /** A new password is refused (503) when the range cannot be read; otherwise it is accepted. */
  failClosed: boolean
}

/** Have I Been Pwned's own range API. */
export const PWNED_PASSWORDS_API = 'https://api.pwnedpasswords.com'
