// The `cdk` CLI's entry (cdk.json "app"): build the app and write the cloud assembly. A wrong
// setting is reported in one line, without a stack trace.
import { buildApp } from '../lib/app.ts'
import { SettingsError } from '../lib/settings.ts'

try {
  buildApp().app.synth()
} catch (error) {
  if (!(error instanceof SettingsError)) throw error
  process.stderr.write(`${error.message}\n`)
  process.exit(1)
}
