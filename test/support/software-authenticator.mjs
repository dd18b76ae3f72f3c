// A software passkey authenticator (nid-webauthn-emulator) in a Node process: its CBOR library
// fails under Bun ("CTAP2_ERR_INVALID_CBOR"), so the Bun tests talk to it over stdin/stdout, one
// JSON line per request: {"op":"create"|"get","origin":"…","options":{…}} -> {"ok":…}|{"error":"…"}.
import { createInterface } from 'node:readline'
import WebAuthnEmulatorModule from 'nid-webauthn-emulator'

const WebAuthnEmulator = WebAuthnEmulatorModule.default ?? WebAuthnEmulatorModule
const authenticator = new WebAuthnEmulator()
for await (const line of createInterface({ input: process.stdin })) {
  try {
    const { op, origin, options } = JSON.parse(line)
    const ok = op === 'create' ? authenticator.createJSON(origin, options) : authenticator.getJSON(origin, options)
    process.stdout.write(`${JSON.stringify({ ok })}\n`)
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: String(error?.message ?? error) })}\n`)
  }
}
