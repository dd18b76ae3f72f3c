// The `cdk` CLI's entry (cdk.json "app"): build the app and write the cloud assembly.
import { buildApp } from '../lib/app.ts'

buildApp().app.synth()
