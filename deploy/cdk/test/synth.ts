// The app exactly as `cdk synth` builds it from cdk.json's context, synthesized once per test run
// and shared by the test files.
import { readFileSync } from 'node:fs'
import { Template } from 'aws-cdk-lib/assertions'
import { buildApp } from '../lib/app.ts'

export const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  app: string
  context: Record<string, unknown>
}

export const { app, stack } = buildApp({ context: cdkJson.context })
export const template = Template.fromStack(stack)

/** The one resource of a type, with its logical id. */
export function only(type: string): { id: string; properties: Record<string, any> } {
  const found = Object.entries(template.findResources(type))
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`)
  const [id, resource] = found[0]!
  return { id, properties: resource.Properties }
}
